"""The running-batch marker: the batch driver keeps it in its output directory while it runs, so that
retention leaves the directory alone (and the Playground's gallery shows the run's progress)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from voxray_runtime.storage.expiry import BATCH_MARKER, MARKER_REFRESH_S
from voxray_runtime.storage.location import Location, ObjectPrefix


class BatchMarker:
    """Context manager of the batch driver: keeps :data:`BATCH_MARKER` in its output directory, touched
    every :data:`MARKER_REFRESH_S` by a daemon thread, and removes it on exit. Retention leaves that
    directory alone while the marker is fresh. On an object store the marker is an object, written
    again (whole) at each refresh and deleted on exit."""

    def __init__(
        self, output_dir: Location, refresh_s: float = MARKER_REFRESH_S, manifest: str | None = None
    ) -> None:
        self.path: Location = (
            output_dir / BATCH_MARKER
            if isinstance(output_dir, ObjectPrefix)
            else Path(output_dir) / BATCH_MARKER
        )
        self.refresh_s = refresh_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._info: dict[str, object] = {"pid": os.getpid(), "host": socket.gethostname()}
        if manifest is not None:
            self._info["manifest"] = manifest

    def _write(self) -> None:
        from voxray_runtime.storage.store import write_location

        write_location(self.path, (json.dumps(self._info, sort_keys=True) + "\n").encode("utf-8"))

    def progress(self, progress: Mapping[str, object]) -> None:
        """Record the run's progress in the marker (the Playground's gallery shows it while it runs)."""
        self._info["progress"] = dict(progress)
        with contextlib.suppress(OSError):
            self._write()

    def __enter__(self) -> BatchMarker:
        self._info["started"] = time.time()
        self._write()
        self._thread = threading.Thread(target=self._touch, name="voxray-batch-marker", daemon=True)
        self._thread.start()
        return self

    def _touch(self) -> None:
        while not self._stop.wait(self.refresh_s):
            with contextlib.suppress(OSError):
                if isinstance(self.path, ObjectPrefix):
                    self._write()
                else:
                    os.utime(self.path)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with contextlib.suppress(OSError):
            if isinstance(self.path, ObjectPrefix):
                from voxray_runtime.storage.store import open_store, split

                parent, name = split(self.path)
                open_store(parent).delete(name)
            else:
                self.path.unlink()
