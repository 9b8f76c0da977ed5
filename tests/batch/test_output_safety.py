"""A batch never writes outside its output directory: hostile item ids and batch names, symlinks planted in
the output directory, a symlinked manifest. Files 0640, directories 0750."""

from __future__ import annotations

import json
import logging
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from voxray_runtime.batch.cli import EXIT_FAILED, run_batch
from voxray_runtime.batch.plan import build_plan
from voxray_runtime.models import default_models
from voxray_runtime.security.audit import AUDIT_LOGGER
from voxray_runtime.spec.documents import SpecError, parse_document
from voxray_runtime.spec.speechbatch import SpeechBatchSpec

from .helpers import batch_doc, write_doc
from .test_batch_run import batch_args

AR = "مرحبا بكم في فندقنا."


def _spec(item_id: str, template: str = "{id}_{avatar}.{ext}") -> dict[str, Any]:
    return {
        "input": {"items": [{"index": 1, "id": item_id, "texts": {"ar": AR}}]},
        "variants": {"avatars": ["female_ar-EG"]},
        "output": {"path": "out", "fileNameTemplate": template},
    }


@pytest.mark.parametrize(
    ("item_id", "message"),
    [
        ("../../../etc/cron.d/x", "'..'"),
        ("a/../../x", "'..'"),
        ("evil\x00", "forbidden"),
        ("line\nbreak", "forbidden"),
        ("back\\slash", "forbidden"),
        ("CON", "reserved"),
        ("x" * 150, "longer than 255"),
        ("what?", "refuse"),
        (".hidden", "hidden"),
        ("/etc/passwd", "absolute"),
    ],
)
def test_hostile_item_ids_are_refused_before_any_work(item_id: str, message: str, tmp_path: Path) -> None:
    template = "{id}.{ext}" if item_id in ("CON", ".hidden", "/etc/passwd") else "{id}_{avatar}.{ext}"
    if len(item_id) == 150:
        template = "{id}_{id}_{avatar}.{ext}"
    doc = parse_document(batch_doc(_spec(item_id, template)))
    assert isinstance(doc.spec, SpeechBatchSpec)
    with pytest.raises(SpecError) as info:
        build_plan(doc.spec, models=default_models(), output_dir=tmp_path / "out")
    assert info.value.field == "spec.output.fileNameTemplate"
    assert message in str(info.value)
    assert not (tmp_path / "out").exists()


def test_a_symlinked_manifest_pointing_outside_stops_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], audit_events: list[dict[str, Any]]
) -> None:
    out, outside = tmp_path / "out", tmp_path / "outside"
    out.mkdir()
    outside.mkdir()
    victim = outside / "victim.txt"
    victim.write_text("keep me")
    (out / "manifest.jsonl").symlink_to(victim)
    path = write_doc(tmp_path / "b.yaml", _spec("post_01"))
    assert run_batch(batch_args(path, out, progress="none")) == EXIT_FAILED
    assert "outside the output directory" in capsys.readouterr().err
    assert victim.read_text() == "keep me"
    assert not list(out.glob("*.mp3"))
    assert not (out / ".voxray-batch-running").exists()
    finish = audit_events[-1]
    assert (finish["action"], finish["outcome"]) == ("batch.finish", "error")
    assert finish["detail"]["stopped"].startswith("SymlinkEscapeError")


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.events: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.events.append(json.loads(record.getMessage()))


@pytest.fixture
def audit_events() -> Iterator[list[dict[str, Any]]]:
    logger, handler = logging.getLogger(AUDIT_LOGGER), _Lines()
    logger.addHandler(handler)
    try:
        yield handler.events
    finally:
        logger.removeHandler(handler)


@pytest.mark.ray
@pytest.mark.timeout(300)
def test_symlink_escape_in_the_output_dir_fails_that_file_only(
    ray_cluster: dict[str, Any], tmp_path: Path, audit_events: list[dict[str, Any]]
) -> None:
    """``{locale}/...`` with ``out/ar-EG`` a symlink to a directory outside: that file fails at once (no
    retry, nothing written outside), the other renders; files 0640, directories 0750."""
    out, outside = tmp_path / "out", tmp_path / "outside"
    out.mkdir()
    outside.mkdir()
    (out / "ar-EG").symlink_to(outside, target_is_directory=True)
    spec = {
        "input": {"items": [{"index": 1, "id": "post_01", "texts": {"ar": AR}}]},
        "variants": {"avatars": ["female_ar-EG", "male_ar-SA"]},
        "output": {"path": "out", "fileNameTemplate": "{locale}/{id}_{gender}.{ext}"},
        "retries": {"maxAttempts": 3, "backoffSeconds": 0.1},
    }
    doc = batch_doc(spec, name="../../evil\nname")
    doc["metadata"]["namespace"] = "hotel"
    path = tmp_path / "b.yaml"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert run_batch(batch_args(path, out, progress="none")) == EXIT_FAILED

    assert list(outside.iterdir()) == []
    good = out / "ar-SA" / "post_01_male.mp3"
    assert good.is_file()
    assert stat.S_IMODE(good.stat().st_mode) == 0o640
    assert stat.S_IMODE((out / "ar-SA").stat().st_mode) == 0o750
    for name in ("manifest.jsonl", "summary.json", "failures.jsonl"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o640, name
    [failure] = [json.loads(line) for line in (out / "failures.jsonl").read_text().splitlines()]
    assert failure["name"] == "ar-EG/post_01_female.mp3"
    assert failure["error_type"] == "SymlinkEscapeError"
    assert failure["attempts"] == 1
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["files"], summary["failed"]) == (1, 1)

    # the audit trail names the batch (its hostile name is data, not a path) and the failed file
    items = [e for e in audit_events if e["action"] == "batch.item"]
    assert {(e["output_path"].split("/out/")[1], e["outcome"]) for e in items} == {
        ("ar-SA/post_01_male.mp3", "ok"),
        ("ar-EG/post_01_female.mp3", "error"),
    }
    assert {e["actor"] for e in audit_events} == {"hotel/../../evil\nname"}
    finish = audit_events[-1]
    assert (finish["action"], finish["outcome"], finish["detail"]["failed"]) == ("batch.finish", "error", 1)
