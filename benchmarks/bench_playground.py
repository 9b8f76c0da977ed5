"""Time to first sound in the Playground (a real headless Chromium playing the streamed MP3 through
MediaSource) against the API's time to first byte, for the same 5-sentence text and voice.

Setup: a private local Ray (2 CPUs), Serve with the bundled models on a free loopback port, the
Playground at its ``/``. Rounds alternate side by side (API, then browser), after one warm-up of each:
- API: ``POST /v1/speech`` with ``stream: true`` over httpx; first body byte and last byte.
- Browser: click Speak; first sound is the audio element's ``playing`` event (the page's own
  ``data-ttfs-ms``, measured from the click), the whole clip when the stream has ended (duration known).

Writes benchmarks/results/playground.{json,md}. ``PLAYGROUND_ROUNDS`` (default 5) sets the rounds.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import machine, machine_line, stop_serve, wait_http_ok, write_results

from tests.playground.browser import launch

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("RAY_AUTH_MODE", "disabled")

ROUNDS = int(os.environ.get("PLAYGROUND_ROUNDS", "5"))
AVATAR = "female_en-GB"
TEXT = (
    "Welcome to the Azure Palm, where every suite looks over the sea. "
    "Breakfast is served on the terrace from seven until half past ten. "
    "The concierge can arrange a private yacht for the afternoon. "
    "Late check-out until two is complimentary for loyalty members. "
    "We wish you a restful stay with us."
)


def start(out: str) -> str:
    import socket

    import ray
    from ray import serve

    from voxray_runtime.models import default_models
    from voxray_runtime.serve.app import build_app

    ray.init(
        num_cpus=2,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        _temp_dir=tempfile.mkdtemp(prefix="vxr-pg-", dir="/tmp"),
        log_to_driver=False,
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    serve.start(http_options={"host": "127.0.0.1", "port": port})
    args = {
        "models": [{"name": m.name, "spec": m.spec.to_wire()} for m in default_models()],
        "output_dir": out,
        "ingress_num_cpus": 0.05,
        "security": {"auth": "disabled", "requests_per_minute": 1_000_000, "max_concurrent": 10_000},
    }
    serve.run(build_app(args), name="voxray", route_prefix="/", blocking=False)
    url = f"http://127.0.0.1:{port}"
    wait_http_ok(f"{url}/readyz")
    return url


def api_round(url: str) -> dict[str, float]:
    body = {"text": TEXT, "avatar": AVATAR, "format": "mp3", "stream": True}
    client = httpx.Client()  # made before the clock starts: a new client spends 30-45 ms on TLS setup
    started = time.perf_counter()
    first = 0.0
    size = 0
    with client, client.stream("POST", f"{url}/v1/speech", json=body, timeout=300) as r:
        r.raise_for_status()
        for chunk in r.iter_raw():
            if chunk and not first:
                first = time.perf_counter() - started
            size += len(chunk)
    return {"first_s": first, "total_s": time.perf_counter() - started, "bytes": float(size)}


def browser_round(page: Any, url: str) -> dict[str, float]:
    page.goto(f"{url}/")
    page.wait_for_function("() => document.querySelector('#speak-voice .voice-line') !== null")
    page.fill("#speak-text", TEXT)
    started = time.perf_counter()
    page.click("#speak-button")
    page.wait_for_function(
        "() => { const a = document.querySelector('#speak-result audio');"
        " return a && Number.isFinite(a.duration) && a.duration > 1 }",
        timeout=300_000,
    )
    total = time.perf_counter() - started
    page.wait_for_function(
        "() => document.querySelector('#speak-result .clip').dataset.ttfsMs", timeout=300_000
    )
    ttfs_ms = float(page.get_attribute("#speak-result .clip", "data-ttfs-ms"))
    duration = float(page.evaluate("document.querySelector('#speak-result audio').duration"))
    return {"first_s": ttfs_ms / 1000.0, "total_s": total, "audio_s": duration}


def main() -> int:
    from playwright.sync_api import sync_playwright

    m = machine()
    with tempfile.TemporaryDirectory(prefix="vxr-pg-out-") as out:
        url = start(out)
        try:
            with sync_playwright() as p:
                browser = launch(p)
                page = browser.new_page()
                api_round(url)  # warm-up: engines loaded, caches filled
                browser_round(page, url)
                api, web = [], []
                for i in range(ROUNDS):
                    api.append(api_round(url))
                    web.append(browser_round(page, url))
                    print(
                        f"round {i + 1}: api first byte {api[-1]['first_s']:.2f} s, "
                        f"browser first sound {web[-1]['first_s']:.2f} s",
                        flush=True,
                    )
                browser.close()
        finally:
            stop_serve()
    med = {
        "api_first_byte_s": statistics.median(r["first_s"] for r in api),
        "api_total_s": statistics.median(r["total_s"] for r in api),
        "browser_first_sound_s": statistics.median(r["first_s"] for r in web),
        "browser_total_s": statistics.median(r["total_s"] for r in web),
        "audio_s": statistics.median(r["audio_s"] for r in web),
    }
    ratio = med["browser_first_sound_s"] / med["api_first_byte_s"] if med["api_first_byte_s"] else 0.0
    share = med["browser_first_sound_s"] / med["browser_total_s"] if med["browser_total_s"] else 0.0
    data = {
        "machine": m,
        "text_chars": len(TEXT),
        "sentences": 5,
        "avatar": AVATAR,
        "rounds": ROUNDS,
        "median": med,
        "first_sound_over_first_byte": round(ratio, 3),
        "first_sound_over_whole_clip": round(share, 3),
        "api": api,
        "browser": web,
    }
    md = f"""# Playground: time to first sound in the browser vs the API's time to first byte

{machine_line(m)}

The same {len(TEXT)}-character, 5-sentence English text in {AVATAR} (Kokoro), {ROUNDS} rounds side by side
after a warm-up of each; medians. The browser is Debian's headless Chromium playing the streamed MP3
through MediaSource; its first sound is the audio element's `playing` event, timed from the click.

| | first byte / first sound | whole answer |
|---|---|---|
| API, `POST /v1/speech` stream=true (httpx) | {med["api_first_byte_s"]:.2f} s | {med["api_total_s"]:.2f} s |
| Playground in Chromium | {med["browser_first_sound_s"]:.2f} s | {med["browser_total_s"]:.2f} s |

- First sound in the browser / the API's first byte: **{ratio:.2f}x**. What the page adds (request
  setup, MediaSource buffering, the start of playback) is this ratio's excess over 1; rounds on a
  loaded machine vary by seconds, so a ratio near 1 means no overhead measurable above that noise.
- First sound / the whole clip in the browser: **{share:.2f}** ({med["audio_s"]:.1f} s of audio): playback
  starts long before synthesis ends, sentence by sentence.
"""
    write_results("playground", data, md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
