"""Batch runs in the output directory, read-only: list them, read one (manifest, failures, progress,
summary), fetch one of its audio files. Everything is read through the one output-path resolver
(:mod:`voxray_runtime.batch.gallery`), and a caller sees only what its models rendered."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, Response

from voxray_runtime.api.deps import Caller, Frontend
from voxray_runtime.api.errors import Problem, problem_responses
from voxray_runtime.api.schemas import (
    BatchEntry,
    BatchFailure,
    BatchProgress,
    BatchRunDetail,
    BatchRunInfo,
    BatchRunsResponse,
)
from voxray_runtime.batch.gallery import (
    AUDIO_TYPES,
    ROOT_RUN,
    GalleryError,
    RunFiles,
    find_runs,
    read_run,
    run_file,
    visible,
)
from voxray_runtime.batch.gallery_captions import CAPTION_TYPES, caption_file, is_caption_name
from voxray_runtime.storage.objects import ObjectStoreError

_T = TypeVar("_T")
_log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/batches", tags=["batches"])

RunId = Annotated[
    str,
    Query(
        min_length=1,
        max_length=512,
        description="a run id from GET /v1/batches ('.' is the output directory itself)",
        examples=[ROOT_RUN],
    ),
]
FileName = Annotated[
    str, Query(min_length=1, max_length=1024, description="a file name from the run's manifest")
]
_BINARY = {"type": "string", "format": "binary"}
_ERRORS = problem_responses(400, 401, 404, 413, 422, 429, 500, 502, 503)


def _problem(exc: GalleryError) -> Problem:
    slug = "not-found" if exc.status == 404 else "invalid-request"
    title = "Not found" if exc.status == 404 else "Invalid request"
    return Problem(exc.status, slug, title, exc.detail, field=exc.field)


async def _read(fn: Callable[..., _T], *args: Any) -> _T:
    """``fn(*args)`` in a thread; an object store that cannot be read is a 502 (the detail is logged)."""
    try:
        return await asyncio.to_thread(fn, *args)
    except ObjectStoreError as exc:
        _log.error("batch output store: %s", exc)
        detail = "the batch output store could not be read"
        raise Problem(502, "storage-failed", "Storage failed", detail) from None


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def _info(run: RunFiles, allowed: frozenset[str] | None) -> BatchRunInfo:
    summary = run.summary or {}
    everything = allowed is None or set(run.models) <= allowed
    raw = run.marker.get("progress") if run.state == "running" and run.marker else None
    progress = BatchProgress.model_validate(raw) if isinstance(raw, dict) else None
    total = summary.get("total") if everything else None
    if progress is not None and everything:
        total = progress.total
    return BatchRunInfo(
        id=run.id,
        state=run.state,
        updated_at=_iso(run.updated),
        manifest=run.manifest,
        models=[m for m in run.models if allowed is None or m in allowed],
        files=len(visible(run.entries.values(), allowed)),
        failed=len(visible(run.failures, allowed)),
        total=total if isinstance(total, int) else None,
        started_at=summary.get("started_at") if run.state != "running" else None,
        finished_at=summary.get("finished_at") if run.state != "running" else None,
        progress=progress if everything else None,
    )


@router.get("", response_model=BatchRunsResponse, responses=_ERRORS)
async def list_batches(frontend: Frontend, caller: Caller) -> BatchRunsResponse:
    """Batch runs found in the output directory (a directory with a manifest, a summary.json or a
    running driver's marker, up to two levels down), most recently updated first."""
    runs = await _read(find_runs, frontend.output_dir, caller.models)
    infos = [_info(r, caller.models) for r in runs]
    return BatchRunsResponse(count=len(infos), runs=infos)


@router.get("/manifest", response_model=BatchRunDetail, responses=_ERRORS)
async def read_batch(run: RunId, frontend: Frontend, caller: Caller) -> BatchRunDetail:
    """One run: its files (the manifest's entries, sorted by name), failures with their reasons, the
    driver's progress while it runs, and its summary once finished."""
    try:
        found = await _read(read_run, frontend.output_dir, run)
    except GalleryError as exc:
        raise _problem(exc) from None
    allowed = caller.models
    if found is None or (allowed is not None and found.models and not set(found.models) & allowed):
        raise Problem(404, "not-found", "Not found", f"no batch run {run!r} in the output directory")
    info = _info(found, allowed)
    entries = [
        BatchEntry.model_validate(e) for e in sorted(visible(found.entries.values(), allowed), key=_key)
    ]
    failures = [BatchFailure.model_validate(f) for f in visible(found.failures, allowed)]
    everything = allowed is None or set(found.models) <= allowed
    return BatchRunDetail(
        **info.model_dump(),
        entries=entries,
        failures=failures,
        summary=found.summary if everything else None,
    )


def _key(entry: dict[str, object]) -> str:
    return str(entry.get("name", ""))


@router.get(
    "/file",
    response_class=FileResponse,
    responses={
        200: {
            "description": "the audio file, or a caption file (SRT, WebVTT) the manifest lists",
            "content": {
                **{t: {"schema": _BINARY} for t in sorted(set(AUDIO_TYPES.values()))},
                **{t.split(";")[0]: {"schema": {"type": "string"}} for t in CAPTION_TYPES.values()},
            },
        },
        **_ERRORS,
    },
)
async def batch_file(
    run: RunId,
    name: FileName,
    frontend: Frontend,
    caller: Caller,
) -> Response:
    """One audio file of a run, as its manifest lists it, or one of its caption files (``.srt``,
    ``.vtt``) as the manifest row's ``captions`` lists it (read whole from an object store output)."""
    read = caption_file if is_caption_name(name) else run_file
    try:
        found, kind = await _read(read, frontend.output_dir, run, name, caller.models)
    except GalleryError as exc:
        raise _problem(exc) from None
    headers = {"Cache-Control": "private, no-store"}
    if isinstance(found, bytes):
        return Response(found, media_type=kind, headers=headers)
    return FileResponse(found, media_type=kind, headers=headers)
