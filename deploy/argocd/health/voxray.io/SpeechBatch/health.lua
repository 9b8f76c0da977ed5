-- Argo CD health of a voxray.io SpeechBatch, from the status the voxray operator writes:
-- phase (Pending, Queued, Running, Succeeded, Failed, ValidationFailed), conditions (Running, Complete, Failed,
-- ValidationFailed, TextModelReady, Admitted) and counts (total, done, failed, skipped) from the batch driver's progress.
-- A finished batch with failed files is Degraded: the manifest and failures.jsonl say which ones.
local hs = {status = "Progressing", message = "Waiting for the voxray operator"}

local function condition(status, ctype)
  if status.conditions == nil then return nil end
  for _, c in ipairs(status.conditions) do
    if c.type == ctype then return c end
  end
  return nil
end

local function counts(status)
  local c = status.counts
  if c == nil or c.total == nil then return "" end
  local s = tostring(c.done or 0) .. "/" .. tostring(c.total) .. " files"
  if c.failed ~= nil and c.failed > 0 then s = s .. ", " .. tostring(c.failed) .. " failed" end
  return s
end

if obj.status == nil then return hs end
local status = obj.status
local generation = obj.metadata and obj.metadata.generation
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.message = "Waiting for the voxray operator to handle generation " .. tostring(generation)
  return hs
end

local invalid = condition(status, "ValidationFailed")
if status.phase == "ValidationFailed" or (invalid ~= nil and invalid.status == "True") then
  hs.status = "Degraded"
  hs.message = (invalid ~= nil and invalid.message) or status.message or "The spec is invalid"
  return hs
end
local failed = condition(status, "Failed")
if status.phase == "Failed" or (failed ~= nil and failed.status == "True") then
  hs.status = "Degraded"
  hs.message = (failed ~= nil and failed.message) or status.message or "The batch failed"
  local progress = counts(status)
  if progress ~= "" then hs.message = hs.message .. " (" .. progress .. ")" end
  return hs
end
local complete = condition(status, "Complete")
if status.phase == "Succeeded" or (complete ~= nil and complete.status == "True") then
  local c = status.counts
  if c ~= nil and c.failed ~= nil and c.failed > 0 then
    hs.status = "Degraded"
    hs.message = "Finished with failures: " .. counts(status)
  else
    hs.status = "Healthy"
    hs.message = "Finished: " .. (counts(status) ~= "" and counts(status) or "done")
  end
  return hs
end

-- queued in Kueue (spec.queueName): its RayJob is suspended until admitted (as Argo CD shows a suspended Job)
local admitted = condition(status, "Admitted")
if status.phase == "Queued" then
  hs.status = "Suspended"
  hs.message = (admitted ~= nil and admitted.message) or status.message or "Waiting for Kueue to admit the batch"
  return hs
end

-- waiting for the TextModel that writes its posts (missing, not Ready, no key): say why
local text = condition(status, "TextModelReady")
if text ~= nil and text.status == "False" then
  hs.message = text.message or "Waiting for its TextModel"
  return hs
end

local progress = counts(status)
if status.phase == "Running" then
  hs.message = "Rendering" .. (progress ~= "" and (": " .. progress) or "")
else
  hs.message = "Phase " .. tostring(status.phase or "Pending") .. (progress ~= "" and (": " .. progress) or "")
end
return hs
