"""Kokoro style blending: a voice made of several voices is the weighted mean of their style tables.

A Kokoro style table is 510 x 1 x 256 float32 (one style vector per token count). The blend of voices
``v_i`` with weights ``w_i`` (> 0) is ``sum(w_i * v_i) / sum(w_i)``, row by row, as Kokoro-FastAPI
combines voices. Pure numpy; table-tested in tests/unit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

StyleTable = npt.NDArray[np.float32]


def blend_styles(tables: Sequence[StyleTable], weights: Sequence[float]) -> StyleTable:
    """The weighted mean of style tables of one shape; weights must be > 0 (they need not sum to 1)."""
    if not tables or len(tables) != len(weights):
        raise ValueError(
            f"a blend needs one weight per style table ({len(tables)} tables, {len(weights)} weights)"
        )
    shape = tables[0].shape
    if any(t.shape != shape for t in tables):
        raise ValueError(f"style tables differ in shape: {sorted({t.shape for t in tables})}")
    w = np.asarray(weights, dtype=np.float64)
    if not np.all(w > 0) or not np.all(np.isfinite(w)):
        raise ValueError(f"blend weights must be finite and > 0, not {list(weights)}")
    stacked = np.stack([np.asarray(t, dtype=np.float64) for t in tables])
    mean = np.tensordot(w / w.sum(), stacked, axes=1)
    return np.asarray(mean, dtype=np.float32)
