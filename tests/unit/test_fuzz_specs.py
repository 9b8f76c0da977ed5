"""Properties of spec validation: any document either parses or raises SpecError naming a field.

Arbitrary JSON-like documents (and arbitrary YAML text) must never escape as TypeError,
KeyError, RecursionError or a bare ValueError; valid specs drawn from strategies survive
the trip to the wire form and back, directly and through YAML, unchanged.
"""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from voxray_runtime.spec import API_VERSION, SpecError, SpeechBatchSpec, VoiceModelSpec
from voxray_runtime.spec.documents import iter_documents, parse_document
from voxray_runtime.spec.speechbatch import MP3_BITRATES
from voxray_runtime.spec.voicemodel import ENGINE_QUANTIZATIONS
from voxray_runtime.storage.location import LocationError, parse_location

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
)
JSON_LIKE = st.recursive(
    _scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)

#: Field names of both specs (camelCase), so that fuzzed mappings reach the validators.
_SPEC_KEYS = st.sampled_from(
    [
        "engine", "weights", "quantization", "voices", "language", "replicas", "resources",
        "autoscaling", "serving", "output", "image", "source", "repo", "claimName", "path",
        "avatar", "speaker", "min", "max", "initial", "gpu", "gpuFraction", "cpu", "memory",
        "enabled", "targetUtilization", "voiceModels", "input", "variants", "items", "file",
        "configMap", "limit", "all", "avatars", "languages", "genders", "format", "bitrateKbps",
        "fileNameTemplate", "index", "texts", "concurrency", "utilizationCeiling", "speed",
        "retries", "maxAttempts", "runOn", "dedicated", "voiceModel", "retention",
    ]
)  # fmt: skip
_SPEC_VALUES = st.sampled_from(
    ["kokoro", "piper", "espeak", "vits", "int8", "fp16", "none", "huggingface", "pvc", "path", "mp3",
     "opus", "wav", "female", "male", "female_en-US", "4Gi", "a.jsonl", 0, 1, 2, 64, 0.5, 0.8, 1.5, -1, True]
)  # fmt: skip
SPEC_LIKE = st.recursive(
    _scalars | _SPEC_VALUES,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_SPEC_KEYS, children, max_size=5),
    max_leaves=30,
)
ENVELOPE = st.fixed_dictionaries(
    {
        "apiVersion": st.just(API_VERSION) | JSON_LIKE,
        "kind": st.sampled_from(["VoiceModel", "SpeechBatch"]) | JSON_LIKE,
        "metadata": st.fixed_dictionaries({"name": st.just("m") | JSON_LIKE}) | JSON_LIKE,
        "spec": SPEC_LIKE,
    }
)


def _parse_or_named_error(raw: Any) -> None:
    try:
        document = parse_document(raw, source="fuzz: ")
    except SpecError as error:
        caught = error
    else:
        assert isinstance(document.spec, VoiceModelSpec | SpeechBatchSpec)
        return
    if isinstance(raw, dict):
        assert caught.field, caught
        assert f"{caught.field}: " in str(caught)


@given(raw=JSON_LIKE | ENVELOPE)
@example(raw={"kind": ["VoiceModel"]})  # an unhashable kind raised TypeError
@example(raw={"kind": {"a": 1}})
@example(raw={"apiVersion": API_VERSION, "kind": "VoiceModel", "metadata": {"name": "m"}, "spec": ["x"]})
def test_any_document_parses_or_raises_spec_error_naming_a_field(raw: Any) -> None:
    _parse_or_named_error(raw)


_YAML_PIECES = st.sampled_from(
    ["apiVersion: ", API_VERSION, "kind: ", "VoiceModel", "metadata: {name: m}", "spec:", "  engine: ",
     "piper", "\n", "---\n", "[", "]", "{", "}", ": ", "- ", "&a ", "*a", "!!binary ", "!!python/name:os.system",
     "2001-13-45", "2026-02-30 25:61:00", "0x1F", "1e400", ".nan", "~", "'", '"', "\t", "%YAML 1.1\n", "? "]
)  # fmt: skip


@given(text=st.lists(_YAML_PIECES, max_size=30).map("".join) | st.text(max_size=60))
@example(text="a: 2001-13-01")  # PyYAML's ValueError for an impossible date
@example(text="[" * 600)  # PyYAML's RecursionError for deep nesting
@example(text="{a: 2001-02-30}")
def test_any_yaml_text_parses_or_raises_spec_error(text: str) -> None:
    try:
        documents = list(iter_documents(text, source="fuzz.yaml: "))
    except SpecError as error:
        message = str(error)
    else:
        assert all(isinstance(doc.spec, VoiceModelSpec | SpeechBatchSpec) for doc in documents)
        return
    assert message.startswith("fuzz.yaml: ")


# --- valid specs and their round trip ----------------------------------------------

_name = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=20)
_free_text = st.text(max_size=30)
_maybe_text = st.none() | _free_text


@st.composite
def _weights(draw: st.DrawFn) -> dict[str, Any]:
    source = draw(st.sampled_from(["packaged", "huggingface", "pvc", "path"]))
    weights: dict[str, Any] = {"source": source}
    if source == "huggingface":
        weights["repo"] = draw(st.text(min_size=1, max_size=40))
        weights["revision"] = draw(st.none() | st.text(max_size=40))
    elif source == "pvc":
        weights["claimName"] = draw(st.text(min_size=1, max_size=40))
        weights["path"] = draw(st.text(min_size=1, max_size=40))
    elif source == "path":
        weights["path"] = draw(st.text(min_size=1, max_size=40))
    return weights


@st.composite
def voice_model_specs(draw: st.DrawFn) -> dict[str, Any]:
    engine = draw(st.sampled_from(sorted(ENGINE_QUANTIZATIONS)))
    spec: dict[str, Any] = {"engine": engine, "weights": draw(_weights())}
    quantization = draw(st.none() | st.sampled_from(ENGINE_QUANTIZATIONS[engine]))
    if quantization is not None:
        spec["quantization"] = quantization
    voices = draw(
        st.lists(
            st.fixed_dictionaries(
                {"avatar": st.text(min_size=3, max_size=32)},
                optional={
                    "speaker": _free_text,
                    "engineLanguage": st.text(max_size=16),
                    "fallback": _free_text,
                },
            ),
            min_size=1 if engine == "vits" else 0,
            max_size=4,
        )
    )
    if voices or draw(st.booleans()):
        spec["voices"] = voices
    low = draw(st.integers(0, 100))
    high = draw(st.integers(max(low, 1), 100))
    replicas: dict[str, Any] = {"min": low, "max": high}
    if draw(st.booleans()):
        replicas["initial"] = draw(st.integers(low, high))
    spec["replicas"] = replicas
    spec["resources"] = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "gpu": st.integers(0, 8),
                "gpuFraction": st.floats(min_value=0, max_value=1, exclude_min=True),
                "cpu": st.floats(min_value=0, max_value=64, exclude_min=True),
                "memory": st.from_regex(r"[0-9]{1,6}(\.[0-9]{1,3})?(Ki|Mi|Gi|Ti|k|M|G|T)?", fullmatch=True),
                "accelerator": st.text(max_size=30),
            },
        )
    )
    spec["autoscaling"] = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "enabled": st.booleans(),
                "metric": st.sampled_from(["dcgm", "ray"]),
                "targetUtilization": st.floats(min_value=0, max_value=0.8, exclude_min=True),
                "tolerance": st.floats(min_value=0, max_value=0.5),
                "scaleUpStabilizationSeconds": st.integers(0, 3600),
                "maxScaleDownStep": st.integers(1, 100),
                "intervalSeconds": st.integers(5, 600),
            },
        )
    )
    spec["serving"] = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "maxOngoingRequests": st.integers(1, 1024),
                "maxBatchSize": st.integers(1, 64),
                "batchWaitTimeoutS": st.floats(min_value=0, max_value=1),
                "threads": st.integers(1, 64),
                "maxTextChars": st.integers(1, 100000),
            },
        )
    )
    for key, value in (("language", st.text(max_size=8)), ("image", st.text(max_size=60))):
        if draw(st.booleans()):
            spec[key] = draw(value)
    return spec


def is_output_location(value: str) -> bool:
    """Whether ``value`` is an output location a valid spec may hold (a blank one or an unknown
    scheme is refused: storage/location.py)."""
    try:
        parse_location(value)
    except LocationError:
        return False
    return True


@st.composite
def speech_batch_specs(draw: st.DrawFn) -> dict[str, Any]:
    source = draw(st.sampled_from(["items", "file", "configMap"]))
    if source == "items":
        items = st.fixed_dictionaries(
            {
                "index": st.integers(0, 10_000_000),
                "texts": st.dictionaries(
                    st.sampled_from(["en", "ar", "es", "hi", "ur"]), _free_text, min_size=1
                ),
            },
            optional={"id": st.text(max_size=20)},
        )
        input_spec: dict[str, Any] = {"items": draw(st.lists(items, min_size=1, max_size=3))}
    elif source == "file":
        input_spec = {"file": draw(st.text(min_size=1, max_size=40))}
    else:
        input_spec = {"configMap": {"name": draw(_name)}}
    if draw(st.booleans()):
        input_spec["limit"] = draw(st.integers(1, 10**6))
    audio_format = draw(st.sampled_from(["mp3", "wav", "flac", "opus"]))
    bitrate = draw(st.sampled_from(MP3_BITRATES) if audio_format == "mp3" else st.integers(6, 256))
    spec: dict[str, Any] = {
        "voiceModels": draw(st.lists(_name, max_size=3)),
        "input": input_spec,
        "variants": draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "all": st.booleans(),
                    "avatars": st.lists(st.text(max_size=12), max_size=3),
                    "genders": st.lists(st.sampled_from(["female", "male"]), max_size=2),
                },
            )
        ),
        "output": {
            "format": audio_format,
            "bitrateKbps": bitrate,
            "path": draw(st.text(min_size=1, max_size=30).filter(is_output_location)),
        },
        "utilizationCeiling": draw(st.floats(min_value=0, max_value=1, exclude_min=True)),
        "speed": draw(st.floats(min_value=0.25, max_value=4.0)),
        "retries": {"maxAttempts": draw(st.integers(1, 20)), "backoffSeconds": draw(st.floats(0, 600))},
    }
    if draw(st.booleans()):
        spec["concurrency"] = draw(st.integers(1, 1024))
    if draw(st.booleans()):
        spec["runOn"] = draw(
            st.sampled_from([{"dedicated": True, "workers": 2}, {"voiceModel": "piper-joe"}])
        )
    return spec


SPECS = st.tuples(st.just(VoiceModelSpec), voice_model_specs()) | st.tuples(
    st.just(SpeechBatchSpec), speech_batch_specs()
)


@given(model_and_spec=SPECS)
def test_valid_specs_survive_the_wire_form(
    model_and_spec: tuple[type[VoiceModelSpec] | type[SpeechBatchSpec], dict[str, Any]],
) -> None:
    model, raw = model_and_spec
    spec = model.model_validate(raw)
    wire = spec.to_wire()
    again = model.model_validate(wire)
    assert again == spec
    assert again.to_wire() == wire


@given(model_and_spec=SPECS)
def test_valid_specs_survive_a_yaml_document(
    model_and_spec: tuple[type[VoiceModelSpec] | type[SpeechBatchSpec], dict[str, Any]],
) -> None:
    model, raw = model_and_spec
    spec = model.model_validate(raw)
    kind = "VoiceModel" if model is VoiceModelSpec else "SpeechBatch"
    document = {"apiVersion": API_VERSION, "kind": kind, "metadata": {"name": "m"}, "spec": spec.to_wire()}
    # escaped non-ASCII: PyYAML writes NEL, LS and PS raw with allow_unicode, and reads them back as line breaks
    (parsed,) = iter_documents(yaml.safe_dump(document))
    assert parsed.spec == spec
