"""Render docs/text-frontend.md from tricky_inputs.yaml, the table the tests check.

.venv/bin/python -m tests.unit.text.gen_doc           # rewrite the document
.venv/bin/python -m tests.unit.text.gen_doc --check   # exit 1 when it is out of date
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

TABLE = Path(__file__).with_name("tricky_inputs.yaml")
DOC = Path(__file__).resolve().parents[3] / "docs" / "text-frontend.md"
LANGUAGES = {"en": "English", "es": "Spanish", "ar": "Arabic", "hi": "Hindi", "ur": "Urdu"}


@dataclass(frozen=True)
class Row:
    language: str
    topic: str
    text: str
    spoken: str
    dialect: str | None = None
    note: str = ""

    @property
    def id(self) -> str:
        dialect = f"-{self.dialect}" if self.dialect else ""
        return f"{self.language}{dialect}-{self.topic}-{self.text}"


def load_table(path: Path = TABLE) -> list[Row]:
    """Every row of the table, in file order; a malformed row is an error, not a skip."""
    table = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows: list[Row] = []
    for language, topics in table.items():
        if language not in LANGUAGES:
            raise ValueError(f"{path}: unknown language {language!r}")
        for topic, entries in topics.items():
            for entry in entries:
                unknown = set(entry) - {"text", "spoken", "dialect", "note"}
                if unknown or not {"text", "spoken"} <= set(entry):
                    raise ValueError(f"{path}: {language}/{topic}: bad row {entry!r}")
                text, spoken = str(entry["text"]), str(entry["spoken"])
                rows.append(Row(language, topic, text, spoken, entry.get("dialect"), entry.get("note", "")))
    return rows


def _cell(text: str) -> str:
    """A Markdown table cell that shows the text as written (pipes escaped, spaces visible)."""
    escaped = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "↵")
    return f"`{escaped}`" if escaped.strip() == escaped and "`" not in escaped else repr(text)


def render(rows: list[Row]) -> str:
    lines = [
        "# Text front-end: tricky inputs",
        "",
        "What `voxray_runtime.text.normalize(text, language, dialect)` says for inputs that are easy to",
        "read wrongly: numbers, money, dates, times, abbreviations, mixed scripts, emoji, links and",
        "social-media tags, per language. Every row is a test (`tests/unit/text/test_tricky_inputs.py`);",
        "this page is generated from `tests/unit/text/tricky_inputs.yaml`, and a test fails when it is",
        "out of date. After editing the table, regenerate it with",
        "",
        "```bash",
        ".venv/bin/python -m tests.unit.text.gen_doc",
        "```",
        "",
        "Conventions worth knowing: numeric dates are month first only in US English; phone numbers",
        "are read digit by digit; links lose their scheme, `www.` and query; Latin brand names inside",
        "Arabic, Urdu and Hindi text stay as written for the engine's own letter reading; emoji are",
        "dropped; digits of every script are read in the text's language.",
        "",
    ]
    for language, name in LANGUAGES.items():
        lines += [f"## {name} (`{language}`)", ""]
        topics = dict.fromkeys(row.topic for row in rows if row.language == language)
        for topic in topics:
            lines += [
                f"### {topic.capitalize()}",
                "",
                "| Input | Dialect | Spoken | Why |",
                "|---|---|---|---|",
            ]
            for row in rows:
                if row.language == language and row.topic == topic:
                    dialect = f"`{row.dialect}`" if row.dialect else ""
                    note = row.note.replace("|", "\\|")
                    lines.append(f"| {_cell(row.text)} | {dialect} | {_cell(row.spoken)} | {note} |")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the document is out of date")
    args = parser.parse_args(argv)
    expected = render(load_table())
    if args.check:
        current = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
        if current != expected:
            print(f"{DOC} is out of date: run python -m tests.unit.text.gen_doc", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(expected, encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
