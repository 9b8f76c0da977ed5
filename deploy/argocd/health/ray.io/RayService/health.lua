-- Argo CD health of a KubeRay ray.io/v1 RayService (Argo CD ships none). KubeRay >= 1.3 sets the
-- conditions Ready (reasons Initializing, InitializingTimeout, ZeroServeEndpoints, NonZeroServeEndpoints)
-- and UpgradeInProgress; older versions set only the deprecated status.serviceStatus ("Running").
local hs = {status = "Progressing", message = "Waiting for KubeRay"}

local function condition(status, ctype)
  if status.conditions == nil then return nil end
  for _, c in ipairs(status.conditions) do
    if c.type == ctype then return c end
  end
  return nil
end

if obj.status == nil then return hs end
local status = obj.status
local generation = obj.metadata and obj.metadata.generation
if generation ~= nil and status.observedGeneration ~= nil and status.observedGeneration < generation then
  hs.message = "Waiting for KubeRay to handle generation " .. tostring(generation)
  return hs
end

local ready = condition(status, "Ready")
local upgrading = condition(status, "UpgradeInProgress")
if ready ~= nil then
  if ready.status == "True" then
    if upgrading ~= nil and upgrading.status == "True" then
      hs.status = "Progressing"
      hs.message = "Serving; zero-downtime upgrade to a new Ray cluster in progress"
    else
      hs.status = "Healthy"
      hs.message = ready.message or "Ready"
      if status.numServeEndpoints ~= nil then
        hs.message = tostring(status.numServeEndpoints) .. " Serve endpoint(s)"
      end
    end
    return hs
  end
  if ready.reason == "InitializingTimeout" then
    hs.status = "Degraded"
    hs.message = ready.message or "The Ray cluster did not become ready in time"
    return hs
  end
  if ready.reason == "ZeroServeEndpoints" then
    hs.status = "Degraded"
    hs.message = ready.message or "No Serve endpoint is ready"
    return hs
  end
  hs.message = ready.message or ready.reason or "Initializing"
  return hs
end

-- KubeRay before conditions: only serviceStatus
if status.serviceStatus == "Running" then
  hs.status = "Healthy"
  hs.message = "Running"
end
return hs
