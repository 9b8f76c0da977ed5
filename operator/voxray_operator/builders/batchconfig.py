"""PURE: the document a SpeechBatch's driver reads, and the ConfigMap that carries it to the RayJob.

One YAML stream: the VoiceModels the batch names (sorted), the Lexicons it names (in its order), then the
SpeechBatch, each with its spec as the operator read it, so that the driver renders with exactly what the
cluster serves and its manifest records the lexicon entries each file used. The RayJob's
submitter mounts the ConfigMap (see :mod:`.rayjob`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from voxray_operator.builders.common import (
    SPEC_HASH_ANNOTATION,
    child_name,
    common_labels,
    metadata,
    spec_hash,
)
from voxray_operator.builders.lexicons import needed_lexicons
from voxray_operator.builders.validation import needed_models
from voxray_runtime.spec.common import API_VERSION
from voxray_runtime.spec.lexicon import LexiconSpec
from voxray_runtime.spec.speechbatch import SpeechBatchSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec

#: the data key of the document in the ConfigMap (and its file name in the job's working dir)
BATCH_SPEC_KEY = "speechbatch.yaml"
COMPONENT = "speechbatch"

#: characters YAML reads as line breaks; a plain or single-quoted scalar holding them does not come back
#: unchanged, so strings with them are written double-quoted, where they are escaped (\N, \L, \P)
_YAML_BREAKS = frozenset("\x85\u2028\u2029")


class _BatchDumper(yaml.SafeDumper):
    """SafeDumper whose strings survive a round trip whatever they hold."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if _YAML_BREAKS.intersection(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BatchDumper.add_representer(str, _represent_str)


def batch_configmap_name(speechbatch: str) -> str:
    return child_name(speechbatch, "speechbatch")


def _document(
    kind: str, name: str, namespace: str, spec: VoiceModelSpec | SpeechBatchSpec | LexiconSpec
) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec.model_dump(by_alias=True, exclude_defaults=True, mode="json"),
    }


def batch_document(
    name: str,
    namespace: str,
    spec: SpeechBatchSpec,
    *,
    voice_models: Mapping[str, VoiceModelSpec] | None = None,
    lexicons: Mapping[str, LexiconSpec] | None = None,
) -> str:
    """The YAML the driver reads: the named VoiceModels first (sorted), the Lexicons, then the SpeechBatch."""
    docs = [_document("VoiceModel", vm, namespace, s) for vm, s in sorted((voice_models or {}).items())]
    docs += [_document("Lexicon", n, namespace, s) for n, s in (lexicons or {}).items()]
    docs.append(_document("SpeechBatch", name, namespace, spec))
    return yaml.dump_all(docs, Dumper=_BatchDumper, sort_keys=False, width=1_000_000, allow_unicode=True)


def build_batch_configmap(
    name: str,
    namespace: str,
    spec: SpeechBatchSpec,
    *,
    voice_models: Mapping[str, VoiceModelSpec] | None = None,
    lexicons: Mapping[str, LexiconSpec] | None = None,
    owner: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """ConfigMap ``{name}-speechbatch`` with the batch document under ``speechbatch.yaml``.

    ``voice_models``: the specs of the VoiceModels the batch names; they travel in the same file so the
    driver renders with exactly what the cluster serves. One of them missing: BuildError(retryable).
    ``lexicons``: the Lexicons of the namespace; those ``spec.lexicons`` names travel in the same file (one
    missing: BuildError(retryable, LexiconNotFound)).
    """
    models = needed_models(spec, voice_models) if voice_models is not None else {}
    found = needed_lexicons(spec.lexicons, lexicons)
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(
            batch_configmap_name(name),
            namespace,
            common_labels(COMPONENT, speechbatch=name),
            annotations={SPEC_HASH_ANNOTATION: spec_hash(spec)},
            owner=owner,
        ),
        "data": {BATCH_SPEC_KEY: batch_document(name, namespace, spec, voice_models=models, lexicons=found)},
    }
