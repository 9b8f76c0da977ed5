"""CEL rules of the CRDs (``x-kubernetes-validations``): the cross-field checks the pydantic validators of
the runtime specs make, repeated so that ``kubectl apply`` rejects what the operator would reject.

Keyed by model class name; :mod:`voxray_operator.crd_schema` puts each list on that model's schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from voxray_runtime.spec import speechbatch as sb_spec
from voxray_runtime.spec import textmodel as tm_spec
from voxray_runtime.spec import transcriptionmodel as tr_spec
from voxray_runtime.spec import voicemodel as vm_spec

Schema = dict[str, Any]


def _cel_list(values: Sequence[object]) -> str:
    return "[" + ", ".join(f"'{v}'" if isinstance(v, str) else str(v) for v in values) + "]"


#: an incremental upgrade needs Ray's autoscaler (builders.workload.autoscaler_enabled), as KubeRay checks
_INCREMENTAL_NEEDS_AUTOSCALER = {
    "rule": "!has(self.upgrade) || self.upgrade.strategy != 'NewClusterWithIncrementalUpgrade'"
    " || self.autoscaling.enabled || self.replicas.max > self.replicas.min",
    "message": "NewClusterWithIncrementalUpgrade needs Ray's autoscaler: set replicas.max above replicas.min "
    "or enable autoscaling",
}
#: runOn.voiceModel is set (KubeRay's clusterSelector mode)
_ON_VOICEMODEL = "(has(self.runOn.voiceModel) && size(self.runOn.voiceModel) > 0)"


def _quantization_rule(engines: dict[str, tuple[str, ...]] = vm_spec.ENGINE_QUANTIZATIONS) -> str:
    table = ", ".join(f"'{engine}': {_cel_list(qs)}" for engine, qs in engines.items())
    return f"!has(self.quantization) || self.quantization in {{{table}}}[self.engine]"


#: CEL rules per model (by class name), mirroring the pydantic validators of the runtime specs.
CEL_RULES: dict[str, list[Schema]] = {
    "LexiconEntry": [
        {"rule": "has(self.alias) != has(self.ipa)", "message": "give exactly one of alias or ipa"},
    ],
    "WeightsSpec": [
        {
            "rule": "self.source != 'huggingface' || has(self.repo)",
            "message": "weights.repo is required when weights.source is huggingface",
        },
        {
            "rule": "self.source != 'pvc' || (has(self.claimName) && has(self.path))",
            "message": "weights.claimName and weights.path are required when weights.source is pvc",
        },
        {
            "rule": "self.source != 'path' || has(self.path)",
            "message": "weights.path is required when weights.source is path",
        },
    ],
    "ReplicasSpec": [
        {"rule": "self.min <= self.max", "message": "replicas.min must not exceed replicas.max"},
        {
            "rule": "!has(self.initial) || (self.min <= self.initial && self.initial <= self.max)",
            "message": "replicas.initial must lie within replicas.min..replicas.max",
        },
    ],
    "VoiceModelSpec": [
        {"rule": _quantization_rule(), "message": "quantization is not available for this engine"},
        {
            "rule": "self.engine != 'vits' || (has(self.voices) && size(self.voices) > 0)",
            "message": "voices is required for engine vits: name the avatars the checkpoint speaks",
        },
        _INCREMENTAL_NEEDS_AUTOSCALER,
    ],
    "UpgradeSpec": [
        {
            "rule": "self.strategy == 'NewClusterWithIncrementalUpgrade' ? has(self.incremental)"
            " : !has(self.incremental)",
            "message": "upgrade.incremental is required for strategy NewClusterWithIncrementalUpgrade, "
            "and applies to it only",
        }
    ],
    "IncrementalUpgradeSpec": [
        {
            "rule": "self.stepSizePercent <= self.maxSurgePercent",
            "message": "stepSizePercent must be less than or equal to maxSurgePercent",
        }
    ],
    "TextModelSpec": [
        {
            "rule": _quantization_rule(tm_spec.ENGINE_TEXT_QUANTIZATIONS),
            "message": "quantization is not available for this engine",
        },
        {
            "rule": "self.engine != 'vllm' || self.weights.source != 'packaged'",
            "message": "engine vllm needs weights.source huggingface, pvc or path",
        },
        {
            "rule": "self.engine != 'vllm' || self.resources.gpu >= 1 || has(self.resources.gpuFraction)",
            "message": "engine vllm needs a GPU: set resources.gpu (or resources.gpuFraction)",
        },
        {
            "rule": "self.engine != 'vllm'"
            " || self.tensorParallelSize <= (self.resources.gpu > 1 ? self.resources.gpu : 1)",
            "message": "tensorParallelSize exceeds resources.gpu",
        },
        {
            "rule": "self.engine == 'vllm' || self.tensorParallelSize == 1",
            "message": "tensorParallelSize applies to engine vllm only",
        },
        {
            "rule": "self.engine == 'vllm' || !has(self.engineArgs) || size(self.engineArgs) == 0",
            "message": "engineArgs applies to engine vllm only",
        },
        {
            "rule": "self.engine != 'llamacpp' || self.weights.source != 'huggingface'"
            " || has(self.weights.path)",
            "message": "engine llamacpp with weights.source huggingface needs weights.path (the GGUF file)",
        },
        _INCREMENTAL_NEEDS_AUTOSCALER,
    ],
    "TranscriptionModelSpec": [
        {
            "rule": f"self.weights.source != 'packaged' || self.model == '{tr_spec.PACKAGED_WHISPER}'",
            "message": f"the packaged weights are Whisper {tr_spec.PACKAGED_WHISPER}; give weights.source "
            "huggingface, pvc or path for another model",
        },
        {
            "rule": f"!(self.computeType in {_cel_list(tr_spec.GPU_ONLY_COMPUTE_TYPES)})"
            " || self.resources.gpu >= 1 || has(self.resources.gpuFraction)",
            "message": "this computeType needs a GPU: set resources.gpu (or resources.gpuFraction)",
        },
        _INCREMENTAL_NEEDS_AUTOSCALER,
    ],
    "TextServingSpec": [
        {
            "rule": "!has(self.maxOngoingRequests)"
            " || self.maxOngoingRequests >= self.maxConcurrentSequences + self.maxQueue",
            "message": "serving.maxOngoingRequests must be at least maxConcurrentSequences + maxQueue",
        }
    ],
    "SecuritySpec": [
        {
            "rule": "self.auth != 'Disabled' || (!has(self.apiKeys) && !has(self.oidc))",
            "message": "auth is Disabled: remove apiKeys and oidc, or set auth to Required",
        }
    ],
    "InputSpec": [
        {
            "rule": "(has(self.items) && size(self.items) > 0 ? 1 : 0)"
            " + (has(self.file) && size(self.file) > 0 ? 1 : 0)"
            " + (has(self.configMap) ? 1 : 0) == 1",
            "message": "input needs exactly one of items, file, configMap",
        }
    ],
    "SpeechBatchSpec": [
        {
            "rule": "has(self.input) != has(self.generate)",
            "message": "give exactly one of input (texts to speak) and generate (texts a TextModel writes)",
        },
        {
            "rule": "!has(self.workloadPriorityClass) || has(self.queueName)",
            "message": "workloadPriorityClass needs queueName (it is a Kueue priority)",
        },
        {
            "rule": f"!has(self.queueName) || !{_ON_VOICEMODEL}",
            "message": "a queued batch runs on its own Ray cluster: remove runOn.voiceModel or queueName",
        },
        {
            "rule": f"!has(self.deletion) || !{_ON_VOICEMODEL}",
            "message": "deletion applies to the batch's own Ray cluster, not to a VoiceModel's",
        },
        {
            "rule": "!has(self.deletion) || !has(self.queueName)",
            "message": "a queued batch's cluster is deleted after the job (KubeRay: a suspended RayJob "
            "needs shutdownAfterJobFinishes, which excludes deletionRules): remove deletion or queueName",
        },
    ],
    "BatchOutputSpec": [
        {
            "rule": f"self.format != 'mp3' || self.bitrateKbps in {_cel_list(sb_spec.MP3_BITRATES)}",
            "message": "output.bitrateKbps is not an MP3 bitrate",
        },
        {
            "rule": "self.format != 'opus' || (self.bitrateKbps >= 6 && self.bitrateKbps <= 256)",
            "message": "output.bitrateKbps for opus must lie in 6..256",
        },
    ],
    "RunOnSpec": [
        {
            "rule": "!(has(self.voiceModel) && size(self.voiceModel) > 0 && self.dedicated)",
            "message": "runOn: give voiceModel or dedicated, not both",
        }
    ],
}
