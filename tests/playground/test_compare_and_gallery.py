"""Compare avatars side by side, and the batch gallery over a small real batch."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from tests.batch.helpers import short_spec, write_doc
from tests.playground.browser import axe_source
from tests.playground.conftest import axe_violations, download, wait_ready
from voxray_runtime.batch.cli import EXIT_OK, run_batch

pytestmark = [pytest.mark.ray, pytest.mark.timeout(400)]

RUN = "gallery-demo"
AVATARS = ["female_en-GB", "male_ar-EG"]


@pytest.fixture(scope="module")
def batch(serve_url: str, output_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One post in two voices (a true one and a fallback), quality-checked, with SRT and WebVTT captions,
    rendered by the real batch driver into the served output directory."""
    spec = short_spec(
        variants={"avatars": AVATARS},
        quality={"check": True},
        output={"path": "audio-output", "captions": ["srt", "vtt"]},
    )
    doc = write_doc(tmp_path_factory.mktemp("gallery") / "batch.yaml", spec)
    out = output_dir / RUN
    args = argparse.Namespace(
        file=doc,
        limit=1,
        out=out,
        address=None,
        concurrency=1,
        models=None,
        threads=None,
        design="actors",
        progress="none",
        cpus=None,
    )
    assert run_batch(args) == EXIT_OK
    return out


def test_compare_two_avatars_side_by_side(page: Any, serve_url: str) -> None:
    page.goto(f"{serve_url}/#compare")
    wait_ready(page)
    page.uncheck("#compare-female_en-US")
    assert page.is_checked("#compare-female_en-GB")
    assert page.is_checked("#compare-female_en-AU")
    page.fill("#compare-text", "Good evening. Your room is ready.")
    page.click("#compare-button")
    page.wait_for_function(
        """() => [...document.querySelectorAll('#compare-grid audio')].length === 2 &&
                 [...document.querySelectorAll('#compare-grid audio')].every(a => Number.isFinite(a.duration) && a.duration > 1)"""
    )
    clips = page.locator("#compare-grid [data-testid=clip]")
    assert [clips.nth(i).get_attribute("data-avatar") for i in range(2)] == ["female_en-GB", "female_en-AU"]
    assert [clips.nth(i).get_attribute("data-fallback") for i in range(2)] == ["false", "true"]
    assert clips.nth(1).locator("[data-testid=fallback-badge]").count() == 1


def test_the_gallery_lists_the_batch_and_plays_a_file(page: Any, serve_url: str, batch: Path) -> None:
    names = sorted(p.name for p in batch.glob("*.mp3"))
    assert names == ["post_01_female_en-GB.mp3", "post_01_male_ar-EG.mp3"]
    page.goto(f"{serve_url}/#batches")
    page.wait_for_selector("#batch-run option[value='gallery-demo']", state="attached")
    page.select_option("#batch-run", RUN)
    page.wait_for_function("() => document.querySelectorAll('#batch-grid button.cell').length === 2")
    cells = page.eval_on_selector_all("#batch-grid button.cell", "bs => bs.map(b => b.dataset.name)")
    assert sorted(cells) == names
    assert "2 files" in page.inner_text("#batch-summary")
    assert "complete" in page.inner_text("#batch-summary")
    # each file shows its quality verdict, and the run its counts
    assert page.locator("#batch-grid [data-testid=qa-badge]").count() == 2
    assert "quality: 2 checked" in page.inner_text("#batch-summary")
    # the fallback file says so; the true voice does not
    arabic = page.locator("#batch-grid td", has=page.locator("[data-name='post_01_male_ar-EG.mp3']"))
    assert arabic.locator("[data-testid=fallback-badge]").count() == 1
    page.click("[data-name='post_01_female_en-GB.mp3']")
    page.wait_for_function(
        "() => { const a = document.getElementById('batch-audio'); return Number.isFinite(a.duration) && a.duration > 1 }"
    )
    assert page.get_attribute("#batch-audio", "data-name") == "post_01_female_en-GB.mp3"
    assert "kokoro" in page.inner_text("#batch-now")
    # filters
    page.select_option("#batch-gender", "male")
    assert page.eval_on_selector_all("#batch-grid button.cell", "bs => bs.map(b => b.dataset.name)") == [
        "post_01_male_ar-EG.mp3"
    ]


def test_the_gallery_shows_a_files_captions(page: Any, serve_url: str, batch: Path) -> None:
    assert (batch / "post_01_female_en-GB.vtt").is_file()
    page.goto(f"{serve_url}/#batches")
    page.wait_for_selector("#batch-run option[value='gallery-demo']", state="attached")
    page.select_option("#batch-run", RUN)
    page.wait_for_function("() => document.querySelectorAll('#batch-grid [data-testid=cc]').length === 2")
    page.click("[data-name='post_01_female_en-GB.mp3']")
    # the WebVTT is a <track> of the player; its cues are the caption text under it, highlighted as it plays
    page.wait_for_function(
        "() => Number(document.querySelector('[data-testid=gallery-captions]')?.dataset.cues) > 0"
    )
    assert page.eval_on_selector("#batch-audio track", "t => [t.kind, t.srclang]") == ["captions", "en"]
    vtt = (batch / "post_01_female_en-GB.vtt").read_text(encoding="utf-8")
    first = page.inner_text("[data-testid=gallery-caption-text] .word")
    assert first in vtt
    page.wait_for_function(
        "() => document.querySelector('[data-testid=gallery-caption-text] .word.now') !== null"
    )
    name, data = download(page, "[data-testid=batch-download-vtt]")
    assert (name, data.decode("utf-8")) == ("post_01_female_en-GB.vtt", vtt)
    name, data = download(page, "[data-testid=batch-download-srt]")
    assert data == (batch / "post_01_female_en-GB.srt").read_bytes()
    page.evaluate(axe_source() + "\n;undefined")
    assert axe_violations(page) == []
