"""``voxray voices``: the voice table, every avatar and the voice it resolves to."""

from __future__ import annotations

import argparse

from voxray_runtime.commands.local import model_list


def cmd_voices(args: argparse.Namespace) -> int:
    from voxray_runtime.models import NamedModel, catalog_for

    models = [m for m in model_list(args.file) if isinstance(m, NamedModel)]
    catalog = catalog_for(models)
    rows = [
        (
            b.avatar.name,
            b.model,
            b.engine,
            b.speaker,
            "fallback: " + b.fallback if b.fallback else "true voice",
        )
        for b in catalog.table()
    ]
    header = ("AVATAR", "MODEL", "ENGINE", "SPEAKER", "VOICE")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    for r in [header, *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=False)) + "  " + r[4])
    missing = 18 - len(rows)
    if missing:
        print(f"\n{missing} of the 18 avatars are not served by these models.")
    return 0
