-- Argo CD health of a voxray.io TextModel or TranscriptionModel (TranscriptionModel/health.lua is a link to
-- this file), from the status the voxray operator writes (the VoiceModel rules):
-- phase (Pending, Deploying, Ready, Degraded, Failed) and metav1 conditions (Ready, Progressing,
-- Degraded, ValidationFailed, ScalingActive, CredentialsReady) stamped with observedGeneration; an upgrade
-- by KubeRay (Progressing reason Upgrading / RollingBack) is Progressing, a failing one (UpgradeFailing) Degraded; Healthy
-- names the model id and the OpenAI base URL clients use (chat/completions or audio/transcriptions under it).
local hs = {status = "Progressing", message = "Waiting for the voxray operator"}

local function condition(status, ctype)
  if status.conditions == nil then return nil end
  for _, c in ipairs(status.conditions) do
    if c.type == ctype then return c end
  end
  return nil
end

local function text(c, fallback)
  if c ~= nil and c.message ~= nil and c.message ~= "" then return c.message end
  return fallback
end

local kind = obj.kind or "model"
if obj.status == nil then return hs end
local status = obj.status
local generation = obj.metadata and obj.metadata.generation
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.message = "Waiting for the voxray operator to handle generation " .. tostring(generation)
  return hs
end

local invalid = condition(status, "ValidationFailed")
if invalid ~= nil and invalid.status == "True" then
  hs.status = "Degraded"
  hs.message = text(invalid, "The spec is invalid")
  return hs
end
-- a Secret the model's pods mount is missing or lacks its key: nothing new can roll out
local credentials = condition(status, "CredentialsReady")
if credentials ~= nil and credentials.status == "False" then
  hs.status = "Degraded"
  hs.message = text(credentials, "The " .. kind .. "'s credentials are not usable")
  return hs
end
if status.phase == "Failed" then
  hs.status = "Degraded"
  hs.message = status.message or ("The " .. kind .. " failed")
  return hs
end
local degraded = condition(status, "Degraded")
if status.phase == "Degraded" or (degraded ~= nil and degraded.status == "True") then
  hs.status = "Degraded"
  hs.message = text(degraded, status.message or ("The " .. kind .. " is degraded"))
  return hs
end

-- KubeRay rolls out a new Ray cluster (spec.upgrade; status.upgrade says how far): the old one serves
-- meanwhile. A new cluster whose Serve app fails to deploy stops the roll-out.
local progressing = condition(status, "Progressing")
if progressing ~= nil and progressing.status == "True" then
  if progressing.reason == "UpgradeFailing" then
    hs.status = "Degraded"
    hs.message = "Upgrade failing: " .. text(progressing, "the new Ray cluster's app failed to deploy")
    return hs
  end
  if progressing.reason == "Upgrading" or progressing.reason == "RollingBack" then
    hs.status = "Progressing"
    hs.message = "Upgrading: " .. text(progressing, "KubeRay is rolling out a new Ray cluster")
    return hs
  end
end

local ready = condition(status, "Ready")
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  local replicas = status.replicas
  if replicas ~= nil and replicas.current ~= nil then
    hs.message = "Serving " .. tostring(status.modelId or obj.metadata.name) .. " with "
      .. tostring(replicas.current) .. " replica(s)"
    local url = status.baseUrl or status.endpoint
    if url ~= nil then hs.message = hs.message .. " at " .. url end
  else
    hs.message = text(ready, "Ready")
  end
  return hs
end

hs.message = text(ready, status.message or ("Phase " .. tostring(status.phase or "Pending")))
return hs
