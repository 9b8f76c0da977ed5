"""onnxruntime sessions with the thread and device settings every ONNX engine shares."""

from __future__ import annotations

from pathlib import Path

import onnxruntime as ort

from voxray_runtime.engines.base import EngineError

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
    source = model if isinstance(model, bytes) else str(model)
    try:
        return ort.InferenceSession(
            source, sess_options=session_options(threads), providers=providers(device)
        )
    except EngineError:
        raise
    except Exception as exc:  # onnxruntime raises its own Fail/InvalidGraph types for a bad file
        where = "the in-memory graph" if isinstance(model, bytes) else str(model)
        raise EngineError(f"onnxruntime cannot load {where}: {exc}") from exc
