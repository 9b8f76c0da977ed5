"""The tricky-inputs table: every row is read exactly as written, and the document shows the table."""

from __future__ import annotations

from pathlib import Path

import pytest
from gen_doc import DOC, TABLE, Row, load_table, render

from voxray_runtime.text import normalize

ROWS = load_table()


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_tricky_input_is_read_as_in_the_table(row: Row) -> None:
    assert normalize(row.text, row.language, row.dialect) == row.spoken


def test_table_covers_every_language_and_topic() -> None:
    topics = {"numbers", "currency", "dates", "times", "abbreviations", "mixed scripts", "emoji",
              "links and e-mail", "hashtags and mentions"}  # fmt: skip
    for language in ("en", "es", "ar", "hi", "ur"):
        assert {row.topic for row in ROWS if row.language == language} >= topics - {"mixed scripts"}, language
    assert {row.dialect for row in ROWS if row.language == "en"} >= {"en-US", "en-GB", "en-AU"}


def test_document_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == render(load_table()), (
        f"{DOC} is out of date with {TABLE.name}: run .venv/bin/python -m tests.unit.text.gen_doc"
    )


def test_a_changed_or_malformed_table_is_noticed(tmp_path: Path) -> None:
    table = TABLE.read_text(encoding="utf-8")
    changed = tmp_path / "changed.yaml"
    changed.write_text(table.replace('"ten to twelve guests"', '"minus ten twelve guests"'), encoding="utf-8")
    rows = load_table(changed)
    assert render(rows) != DOC.read_text(encoding="utf-8")
    (row,) = [row for row in rows if row.text == "10-12 guests"]
    assert normalize(row.text, row.language, row.dialect) != row.spoken
    malformed = tmp_path / "malformed.yaml"
    malformed.write_text("en:\n  numbers:\n    - {text: '1', said: one}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad row"):
        load_table(malformed)
