"""Retention of generated audio: files older than a TTL are deleted from the output directory.

The policy (:func:`decide`) is pure: entries (relative name, kind, mtime) + now + TTL -> a verdict per
entry. :func:`scan` lists an output directory and :func:`sweep` applies the verdicts; :func:`run_forever`
sweeps periodically (what the Serve app runs when ``security.retentionSeconds`` is set) and ``voxray
retention --output-dir D --ttl 24h [--dry-run]`` sweeps once.

The rules:

1. Only what lies inside the output directory is considered, and never through a symlink: the walk does
   not follow links, symlinks themselves are kept (neither followed nor deleted), and every deletion
   re-checks that the file's directory still resolves inside the output directory.
2. Only files voxray writes are deleted: audio (``.mp3 .wav .flac .opus .pcm``), batch bookkeeping
   (``.jsonl``, ``.json``) and the atomic writer's temporary files. Anything else is kept and reported.
3. A file expires when its age (now - mtime) is at least the TTL. The same holds for the temporary file
   of a write in flight: a write takes seconds and the TTL is at least a minute, so a temporary file is
   deleted only when its writer is long dead (a writer never leaves one behind on an error).
4. A running batch is left alone: the driver keeps a marker (:data:`BATCH_MARKER`) in its output
   directory and touches it every few seconds while it runs. Nothing in or below a directory whose
   marker is younger than the TTL is deleted, so the manifest, summary and audio of a batch in progress
   are never removed under it (resume relies on them). A marker left by a killed driver goes stale after
   one TTL and is then deleted like the rest.
5. Empty directories below the swept root are removed once their own mtime is older than the TTL (a
   directory just created for a write in flight is never removed under its writer). The root stays.
"""

from __future__ import annotations

from voxray_runtime.storage.expiry import (
    BATCH_MARKER,
    DELETABLE_SUFFIXES,
    MARKER_REFRESH_S,
    MIN_TTL_S,
    STORED_SPEECH_DIR,
    Action,
    Entry,
    Kind,
    Verdict,
    decide,
    live_batch_dirs,
    parse_duration,
)
from voxray_runtime.storage.marker import BatchMarker
from voxray_runtime.storage.sweep import (
    RetentionSweeper,
    SweepReport,
    default_interval,
    run_forever,
    scan,
    sweep,
    sweep_stored_speech,
)

__all__ = [
    "BATCH_MARKER",
    "DELETABLE_SUFFIXES",
    "MARKER_REFRESH_S",
    "MIN_TTL_S",
    "STORED_SPEECH_DIR",
    "Action",
    "BatchMarker",
    "Entry",
    "Kind",
    "RetentionSweeper",
    "SweepReport",
    "Verdict",
    "decide",
    "default_interval",
    "live_batch_dirs",
    "parse_duration",
    "run_forever",
    "scan",
    "sweep",
    "sweep_stored_speech",
]
