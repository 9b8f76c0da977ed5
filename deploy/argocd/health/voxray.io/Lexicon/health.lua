-- Argo CD health of a voxray.io Lexicon, from the status the voxray operator writes. A Lexicon has no
-- children: Healthy when its entries are valid (condition Valid True, stamped with observedGeneration),
-- Degraded with the operator's message (the field and what is wrong) when they are not.
local hs = {status = "Progressing", message = "Waiting for the voxray operator"}

if obj.status == nil then return hs end
local status = obj.status
local generation = obj.metadata and obj.metadata.generation
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.message = "Waiting for the voxray operator to handle generation " .. tostring(generation)
  return hs
end

local valid = nil
if status.conditions ~= nil then
  for _, c in ipairs(status.conditions) do
    if c.type == "Valid" then valid = c end
  end
end
if valid == nil then return hs end
local message = valid.message
if message == nil or message == "" then message = status.message end
if valid.status == "True" then
  hs.status = "Healthy"
  hs.message = (message or "Valid") .. (status.version and (", version " .. status.version) or "")
  return hs
end
hs.status = "Degraded"
hs.message = message or "The Lexicon is invalid"
return hs
