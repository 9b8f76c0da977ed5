"""Progress lines the batch driver prints, and the operator parses from the RayJob's driver logs.

One line per update: ``voxray-progress {"total": 1800, "done": 120, "failed": 2, ...}``. A ``spec.generate``
batch adds ``posts_total`` and ``posts_done`` (posts with every text written), from its generation step on;
a batch whose files are checked by speech recognition adds ``qa``: ``{"checked", "passed", "failed",
"unchecked"}``. Pure.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

PROGRESS_PREFIX = "voxray-progress "


@dataclass(frozen=True)
class Progress:
    total: int
    done: int
    failed: int
    skipped: int = 0
    audio_seconds: float = 0.0
    elapsed_seconds: float = 0.0
    finished: bool = False
    #: a spec.generate batch: posts planned, and those with every text written (0: not such a batch)
    posts_total: int = 0
    posts_done: int = 0
    #: quality check counts (checked, passed, failed, unchecked); None: no file checked yet
    qa: dict[str, int] | None = None

    def line(self) -> str:
        data = asdict(self)
        if not self.posts_total:
            del data["posts_total"], data["posts_done"]
        if self.qa is None:
            del data["qa"]
        return PROGRESS_PREFIX + json.dumps(data, separators=(",", ":"), sort_keys=True)


def parse_progress(logs: str) -> Progress | None:
    """The last well-formed progress line in a block of log text, or None."""
    for raw in reversed(logs.splitlines()):
        idx = raw.find(PROGRESS_PREFIX)
        if idx < 0:
            continue
        try:
            data = json.loads(raw[idx + len(PROGRESS_PREFIX) :])
            return Progress(
                total=int(data["total"]),
                done=int(data["done"]),
                failed=int(data["failed"]),
                skipped=int(data.get("skipped", 0)),
                audio_seconds=float(data.get("audio_seconds", 0.0)),
                elapsed_seconds=float(data.get("elapsed_seconds", 0.0)),
                finished=bool(data.get("finished", False)),
                posts_total=int(data.get("posts_total", 0)),
                posts_done=int(data.get("posts_done", 0)),
                qa=_qa(data.get("qa")),
            )
        except (ValueError, KeyError, TypeError):
            continue
    return None


def _qa(value: Any) -> dict[str, int] | None:
    if not isinstance(value, dict):
        return None
    return {k: int(value.get(k, 0)) for k in ("checked", "passed", "failed", "unchecked")}
