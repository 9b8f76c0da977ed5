"""onnxruntime sessions with the thread and device settings every ONNX engine shares."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from voxray_runtime.engines.base import EngineError
from voxray_runtime.engines.int8_conv import prepared_graph, rewrite_enabled

_log = logging.getLogger(__name__)

_CUDA = "CUDAExecutionProvider"
_CPU = "CPUExecutionProvider"


def providers(device: str) -> list[str]:
    """Execution providers for ``device`` ("cpu" or "cuda"); CUDA must be available when asked for."""
    if device == "cpu":
        return [_CPU]
    if device == "cuda":
        if _CUDA not in ort.get_available_providers():
            raise EngineError(
                "device cuda asked for, but this onnxruntime has no CUDAExecutionProvider "
                "(install onnxruntime-gpu on a GPU node, or use device cpu)"
            )
        return [_CUDA, _CPU]
    raise EngineError(f"unknown device {device!r}; use cpu or cuda")


def session_options(threads: int | None) -> ort.SessionOptions:
    """Intra-op threads as given (onnxruntime's default, all cores, when None); inter-op always 1.

    Requests are served one at a time per engine, so parallelism inside an operator is all that helps;
    several replicas on one node each get their share of cores through ``threads``.
    """
    opts = ort.SessionOptions()
    if threads is not None:
        if threads < 1:
            raise EngineError(f"threads must be at least 1, got {threads}")
        opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return opts


def inference_session(model: bytes | Path, *, threads: int | None, device: str) -> ort.InferenceSession:
    """An InferenceSession from a file or from the serialized graph in memory."""
    return onnx_session(model, threads=threads, device=device)[0]


#: the inputs of one short utterance for a session of the graph
Probe = Callable[[ort.InferenceSession], Mapping[str, npt.NDArray[Any]]]


def onnx_session(
    model: bytes | Path, *, threads: int | None, device: str, int8_probe: Probe | None = None
) -> tuple[ort.InferenceSession, int]:
    """An InferenceSession, and how many of the graph's int8 convolutions run as int8 GEMMs.

    With ``int8_probe``, where this CPU has exact int8 dot products, the graph's ConvIntegers are
    rewritten as int8 GEMMs (:mod:`voxray_runtime.engines.int8_conv`) and the rewrite is kept only if it
    gives the probe utterance's outputs bit for bit (checked once per process and graph); otherwise the
    graph runs as it ships.
    """
    graph: bytes | Path = model
    rewritten = 0
    checked: list[ort.InferenceSession] = []  # the rewritten graph's session, warm, once checked
    if int8_probe is not None and rewrite_enabled(device):
        probe = int8_probe

        def identical(candidate: bytes) -> bool:
            reference = _session(model, threads, device)
            feeds = dict(probe(reference))
            original = reference.run(None, feeds)
            checked.append(_session(candidate, threads, device))
            outputs = checked[0].run(None, feeds)
            same = all(np.array_equal(a, b) for a, b in zip(original, outputs, strict=True))
            if not same:
                checked.clear()
                _log.warning(
                    "%s: int8 convolutions as GEMMs change the outputs on this machine; "
                    "onnxruntime's ConvInteger kernels are kept",
                    _where(model),
                )
            return same

        try:
            prepared = prepared_graph(model, identical)
            graph, rewritten = prepared.graph, prepared.rewritten
        except Exception as exc:  # onnx cannot parse or rewrite it: onnxruntime loads (and judges) it as is
            _log.warning("int8 convolution rewrite skipped for %s: %s", _where(model), exc)
            checked.clear()
    if checked and rewritten:
        return checked[0], rewritten
    return _session(graph, threads, device), rewritten


def _session(model: bytes | Path, threads: int | None, device: str) -> ort.InferenceSession:
    source = model if isinstance(model, bytes) else str(model)
    try:
        return ort.InferenceSession(
            source, sess_options=session_options(threads), providers=providers(device)
        )
    except EngineError:
        raise
    except Exception as exc:  # onnxruntime raises its own Fail/InvalidGraph types for a bad file
        raise EngineError(f"onnxruntime cannot load {_where(model)}: {exc}") from exc


def _where(model: bytes | Path) -> str:
    return "the in-memory graph" if isinstance(model, bytes) else str(model)


def kernels_note(int8_gemm_convs: int) -> str:
    """How the session runs its int8 convolutions, as /v1/models shows it."""
    if int8_gemm_convs:
        return f"{int8_gemm_convs} int8 convolutions as u8s8 GEMMs (VNNI/AMX)"
    return "onnxruntime's kernels as the graph names them"
