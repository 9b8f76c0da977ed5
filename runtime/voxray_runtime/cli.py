"""The ``voxray`` command line: serve, voices, batch, and plugins (``render`` from the operator package).

Subcommands beyond the built-in ones come from the ``voxray.cli`` entry point group: each entry point
is a ``register(subparsers)`` function. That keeps the runtime free of operator imports.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from voxray_runtime.spec.documents import SpecError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def _models(files: Sequence[str] | None) -> list[object]:
    from voxray_runtime.models import default_models, load_models

    return list(load_models(files)) if files else list(default_models())


# ---- voxray voices -----------------------------------------------------------------------------------
def cmd_voices(args: argparse.Namespace) -> int:
    from voxray_runtime.models import NamedModel, catalog_for

    models = [m for m in _models(args.file) if isinstance(m, NamedModel)]
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


# ---- voxray serve ------------------------------------------------------------------------------------
def _wait_ready(url: str, timeout_s: float) -> None:
    import httpx

    deadline = time.monotonic() + timeout_s
    last = ""
    while time.monotonic() < deadline:
        try:
            r = httpx.get(url, timeout=5)
            if r.status_code == 200:
                return
            last = f"HTTP {r.status_code}"
        except httpx.HTTPError as exc:
            last = str(exc)
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout_s:.0f} s ({last})")


def start_local_ray(address: str | None, num_cpus: int | None) -> None:
    import tempfile

    import ray

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if ray.is_initialized():
        return
    if address or os.environ.get("RAY_ADDRESS"):
        ray.init(address=address or os.environ["RAY_ADDRESS"], log_to_driver=False)
        return
    ray.init(
        num_cpus=num_cpus or os.cpu_count() or 2,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        _temp_dir=tempfile.mkdtemp(prefix="voxray-ray-", dir="/tmp"),
        _metrics_export_port=int(os.environ.get("VOXRAY_METRICS_PORT", "8080")),
        log_to_driver=False,
    )


def serve_app(
    files: Sequence[str] | None,
    host: str,
    port: int,
    output_dir: str,
    *,
    address: str | None = None,
    num_cpus: int | None = None,
    timeout_s: float = 600.0,
) -> str:
    """Start Serve with the app on host:port; returns the base URL once ``GET /v1/voices`` answers."""
    from ray import serve

    from voxray_runtime.models import NamedModel
    from voxray_runtime.serve.app import build_app
    from voxray_runtime.serve.args import APP_NAME, AppArgs

    models = [m for m in _models(files) if isinstance(m, NamedModel)]
    args = AppArgs.model_validate(
        {
            "models": [{"name": m.name, "spec": m.spec} for m in models],
            "output_dir": str(Path(output_dir).resolve()),
        }
    )
    start_local_ray(address, num_cpus)
    serve.start(http_options={"host": host, "port": port})
    serve.run(build_app(args.to_wire()), name=APP_NAME, route_prefix="/", blocking=False)
    base = f"http://{host}:{port}"
    _wait_ready(f"{base}/v1/voices", timeout_s)
    return base


def _render_batch(args: argparse.Namespace) -> int:
    """``voxray serve --batch``: render the batch on the local Ray first, with every CPU it has."""
    out = Path(args.output_dir).resolve()
    print(f"rendering {args.batch} into {out} (then serving) ...", flush=True)
    batch_argv = ["batch", "-f", args.batch, "--out", args.output_dir]
    if args.posts:
        batch_argv += ["--limit", str(args.posts)]
    if args.file:
        for f in args.file:
            batch_argv += ["-m", f]
    batch_args = build_parser().parse_args(batch_argv)
    code = int(batch_args.func(batch_args))
    state = "complete" if code == 0 else f"finished with failures (exit code {code}); rerun to retry them"
    print(f"batch {state}: files, manifest.jsonl and summary.json in {out}", flush=True)
    return code


def cmd_serve(args: argparse.Namespace) -> int:
    if args.batch:
        start_local_ray(args.address, args.num_cpus)
        if _render_batch(args) == 2:
            return 2
    try:
        base = serve_app(
            args.file, args.host, args.port, args.output_dir, address=args.address, num_cpus=args.num_cpus
        )
    except SpecError as exc:
        print(f"voxray serve: {exc}", file=sys.stderr)
        return 2
    out = Path(args.output_dir).resolve()
    print(f"voxray is serving on {base}")
    print(f"  voices:   curl {base}/v1/voices")
    print(
        f"  speech:   curl -o hello.mp3 {base}/v1/audio/speech -H 'Content-Type: application/json' "
        '-d \'{"model":"tts-1","input":"Hello from voxray.","voice":"female_en-GB"}\''
    )
    print(f"  docs:     {base}/docs")
    print(f"  audio:    {out} (store=true writes to {out}/speech/)")
    if args.batch:
        print(f"  batch:    {out}/manifest.jsonl, {out}/summary.json")
    print(f"  metrics:  http://127.0.0.1:{os.environ.get('VOXRAY_METRICS_PORT', '8080')}/metrics")
    print("Ctrl-C stops.", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    from ray import serve

    serve.shutdown()  # type: ignore[no-untyped-call]
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="voxray", description="Multilingual text-to-speech on Ray.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="start local Ray and the Serve app (OpenAI-compatible speech API)")
    p.add_argument(
        "-f", "--file", action="append", help="VoiceModel YAML (repeatable); default: bundled models"
    )
    p.add_argument("--host", default=DEFAULT_HOST)
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument(
        "--output-dir",
        default=os.environ.get("VOXRAY_OUTPUT_DIR", "audio-output"),
        help="where store=true writes audio",
    )
    p.add_argument("--address", default=None, help="connect to a running Ray cluster instead of starting one")
    p.add_argument("--num-cpus", type=int, default=None, help="CPUs for the local Ray (default: all)")
    p.add_argument(
        "--batch",
        default=None,
        metavar="FILE",
        help="first render this SpeechBatch on the same local Ray, then serve",
    )
    p.add_argument("--posts", type=int, default=None, help="with --batch: render only the first N items")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("voices", help="print the voice table: every avatar and the voice it resolves to")
    p.add_argument(
        "-f", "--file", action="append", help="VoiceModel YAML (repeatable); default: bundled models"
    )
    p.set_defaults(func=cmd_voices)

    try:
        from voxray_runtime.batch.cli import register as register_batch

        register_batch(sub)
    except ImportError:  # the batch driver needs the runtime extra; serve/voices stay usable
        pass
    for ep in importlib.metadata.entry_points(group="voxray.cli"):
        try:
            ep.load()(sub)
        except ImportError:  # the plugin's extra is not installed
            continue
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except SpecError as exc:
        print(f"voxray {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
