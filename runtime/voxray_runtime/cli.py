"""The ``voxray`` command line: serve, voices, batch, and plugins (``render`` from the operator package).

Subcommands beyond the built-in ones come from the ``voxray.cli`` entry point group: each entry point
is a ``register(subparsers)`` function. That keeps the runtime free of operator imports.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import ipaddress
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from voxray_runtime.security.config import OidcArgs, SecurityArgs
from voxray_runtime.spec.documents import SpecError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def _models(files: Sequence[str] | None) -> list[object]:
    from voxray_runtime.models import default_models, load_models

    return list(load_models(files)) if files else list(default_models())


def _text_models(files: Sequence[str] | None, with_text: bool) -> list[object]:
    """TextModels of the files; without files the bundled one (unless ``--no-text``)."""
    from voxray_runtime.models import default_text_models, load_text_models

    if files:
        return list(load_text_models(files))
    return list(default_text_models()) if with_text else []


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


#: a local Ray's workers run at this niceness: Ray's default (15) starves the model replicas, which are
#: the work of ``voxray serve``, as soon as anything else runs on the machine
LOCAL_WORKER_NICENESS = {"RAY_worker_niceness": "0"}


def start_local_ray(address: str | None, num_cpus: int | None) -> None:
    import tempfile

    import ray

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if ray.is_initialized():
        return
    if address or os.environ.get("RAY_ADDRESS"):
        ray.init(address=address or os.environ["RAY_ADDRESS"], log_to_driver=False)
        return
    for key, value in LOCAL_WORKER_NICENESS.items():
        os.environ.setdefault(key, value)  # read by the raylet this ray.init starts
    ray.init(
        num_cpus=num_cpus or os.cpu_count() or 2,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        _temp_dir=tempfile.mkdtemp(prefix="voxray-ray-", dir="/tmp"),
        _metrics_export_port=int(os.environ.get("VOXRAY_METRICS_PORT", "8080")),
        log_to_driver=False,
    )


class InsecureServeError(ValueError):
    """``voxray serve`` on a non-loopback address with no credentials and no explicit opt-out."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve_security(
    host: str,
    *,
    api_keys_file: str | None = None,
    oidc_issuer: str | None = None,
    oidc_audience: str | None = None,
    oidc_jwks_url: str | None = None,
    insecure_no_auth: bool = False,
    cors_origins: Sequence[str] = (),
    audit_log: str | None = None,
    retention_s: int | None = None,
) -> tuple[SecurityArgs, list[str]]:
    """The security settings of ``voxray serve`` from its flags, and the warnings to print (pure).

    Credentials given: auth is required. None given: auth is disabled on a loopback address (a local
    developer run), and refused elsewhere unless ``insecure_no_auth`` says so explicitly.
    """
    if (oidc_issuer is None) != (oidc_audience is None):
        raise InsecureServeError("--oidc-issuer and --oidc-audience go together")
    if oidc_jwks_url is not None and oidc_issuer is None:
        raise InsecureServeError("--oidc-jwks-url needs --oidc-issuer and --oidc-audience")
    oidc = (
        OidcArgs(issuer=oidc_issuer, audience=oidc_audience, jwks_url=oidc_jwks_url)
        if oidc_issuer is not None and oidc_audience is not None
        else None
    )
    warnings: list[str] = []
    has_credentials = api_keys_file is not None or oidc is not None
    if insecure_no_auth and has_credentials:
        raise InsecureServeError("--insecure-no-auth contradicts --api-keys-file/--oidc-issuer")
    if insecure_no_auth and not is_loopback(host):
        warnings.append(
            f"WARNING: authentication is DISABLED (--insecure-no-auth) on {host}: anyone who can reach "
            "this address can synthesize speech and write files. Use --api-keys-file or --oidc-issuer "
            "for anything but a throwaway test."
        )
    elif insecure_no_auth:
        warnings.append("warning: authentication is disabled (--insecure-no-auth)")
    elif not has_credentials and not is_loopback(host):
        raise InsecureServeError(
            f"serving on {host} (beyond loopback) requires authentication: give --api-keys-file "
            "(or --oidc-issuer and --oidc-audience), or --insecure-no-auth to disable it explicitly"
        )
    elif not has_credentials:
        warnings.append(
            f"warning: authentication is disabled: {host} is a loopback address and no --api-keys-file "
            "or --oidc-issuer was given (local development only)"
        )
    security = SecurityArgs(
        auth="required" if has_credentials else "disabled",
        api_keys_file=str(Path(api_keys_file).resolve()) if api_keys_file else None,
        oidc=oidc,
        cors_allow_origins=list(cors_origins),
        audit_log_file=str(Path(audit_log).resolve()) if audit_log else None,
        retention_seconds=retention_s,
    )
    return security, warnings


def serve_app(
    files: Sequence[str] | None,
    host: str,
    port: int,
    output_dir: str,
    *,
    security: SecurityArgs,
    address: str | None = None,
    num_cpus: int | None = None,
    timeout_s: float = 600.0,
    with_text: bool = True,
) -> str:
    """Start Serve with the app on host:port; returns the base URL once ``GET /healthz`` answers.

    With files, exactly the VoiceModels and TextModels they hold; without, the bundled voices and
    (``with_text``) the bundled TextModel."""
    from ray import serve

    from voxray_runtime.models import NamedModel, NamedTextModel
    from voxray_runtime.serve.app import build_app
    from voxray_runtime.serve.args import APP_NAME, AppArgs

    models = [m for m in _models(files) if isinstance(m, NamedModel)]
    text_models = [m for m in _text_models(files, with_text) if isinstance(m, NamedTextModel)]
    args = AppArgs.model_validate(
        {
            "models": [{"name": m.name, "spec": m.spec} for m in models],
            "text_models": [{"name": m.name, "spec": m.spec} for m in text_models],
            "output_dir": str(Path(output_dir).resolve()),
            "security": security,
        }
    )
    start_local_ray(address, num_cpus)
    serve.start(http_options={"host": host, "port": port})
    serve.run(build_app(args.to_wire()), name=APP_NAME, route_prefix="/", blocking=False)
    base = f"http://{host}:{port}"
    _wait_ready(f"{base}/healthz", timeout_s)
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
    try:
        security, warnings = serve_security(
            args.host,
            api_keys_file=args.api_keys_file,
            oidc_issuer=args.oidc_issuer,
            oidc_audience=args.oidc_audience,
            oidc_jwks_url=args.oidc_jwks_url,
            insecure_no_auth=args.insecure_no_auth,
            cors_origins=args.cors_origin or (),
            audit_log=args.audit_log,
            retention_s=args.retention,
        )
        if security.api_keys_file:
            from voxray_runtime.security.keys import load_key_store

            load_key_store(security.api_keys_file)  # a bad file fails here, not in a replica later
    except ValueError as exc:
        print(f"voxray serve: {exc}", file=sys.stderr)
        return 2
    for line in warnings:
        print(line, file=sys.stderr, flush=True)
    if args.batch:
        start_local_ray(args.address, args.num_cpus)
        if _render_batch(args) == 2:
            return 2
    if args.generate:
        from voxray_runtime.generation.show import show_generated_post

        start_local_ray(args.address, args.num_cpus)
        generated = Path(args.output_dir) / "generated"
        if show_generated_post(args.generate, generated, models=args.file) == 2:
            return 2
    try:
        base = serve_app(
            args.file,
            args.host,
            args.port,
            args.output_dir,
            security=security,
            address=args.address,
            num_cpus=args.num_cpus,
            with_text=not args.no_text,
        )
    except SpecError as exc:
        print(f"voxray serve: {exc}", file=sys.stderr)
        return 2
    out = Path(args.output_dir).resolve()
    key = " -H 'Authorization: Bearer <key>'" if security.auth == "required" else ""
    print(f"voxray is serving on {base} (authentication {security.auth})")
    print(f"  playground: {base}/  (speak, compare voices, browse batches in a browser)")
    print(f"  voices:   curl{key} {base}/v1/voices")
    print(
        f"  speech:   curl{key} -o hello.mp3 {base}/v1/audio/speech -H 'Content-Type: application/json' "
        '-d \'{"model":"tts-1","input":"Hello from voxray.","voice":"female_en-GB"}\''
    )
    from voxray_runtime.models import NamedTextModel

    text_ids = [
        m.spec.model_id(m.name)
        for m in _text_models(args.file, not args.no_text)
        if isinstance(m, NamedTextModel)
    ]
    if text_ids:
        print(
            f"  text:     curl{key} {base}/v1/chat/completions -H 'Content-Type: application/json' "
            f'-d \'{{"model":"{text_ids[0]}","messages":[{{"role":"user","content":"Write a welcome line '
            'for a seaside hotel."}],"max_tokens":60}\''
        )
    print(f"  docs:     {base}/docs")
    print(f"  audio:    {out} (store=true writes to {out}/speech/)")
    if args.batch:
        print(f"  batch:    {out}/manifest.jsonl, {out}/summary.json")
    if args.generate:
        print(f"  post:     {out}/generated/posts.jsonl and its speech in {out}/generated/")
    print(f"  metrics:  http://127.0.0.1:{os.environ.get('VOXRAY_METRICS_PORT', '8080')}/metrics")
    print("Ctrl-C stops.", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    from ray import serve

    serve.shutdown()  # type: ignore[no-untyped-call]
    return 0


def _retention_seconds(text: str) -> int:
    """``--retention``: the durations ``voxray retention --ttl`` takes, in whole seconds."""
    from voxray_runtime.storage.retention import parse_duration

    try:
        return round(parse_duration(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="voxray", description="Multilingual text-to-speech on Ray.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="start local Ray and the Serve app (OpenAI-compatible speech API)")
    p.add_argument(
        "-f",
        "--file",
        action="append",
        help="VoiceModel / TextModel YAML (repeatable); default: bundled voices and text model",
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
    p.add_argument(
        "--no-text",
        action="store_true",
        help="leave out the bundled TextModel (Gemma 3 270M on llama.cpp); with -f, files decide",
    )
    p.add_argument(
        "--generate",
        default=None,
        metavar="FILE",
        help="first have a TextModel write one post of this spec.generate SpeechBatch and speak it "
        "(shown, and kept in OUTPUT_DIR/generated)",
    )
    g = p.add_argument_group(
        "security",
        "auth is required beyond loopback; on loopback with no credentials it is disabled (with a warning)",
    )
    g.add_argument(
        "--api-keys-file",
        default=os.environ.get("VOXRAY_API_KEYS_FILE"),
        metavar="FILE",
        help="API keys (YAML/JSON: {keys: [{id, key|sha256, models, scopes}]}); env VOXRAY_API_KEYS_FILE",
    )
    g.add_argument("--oidc-issuer", default=None, help="accept JWT bearer tokens from this issuer")
    g.add_argument("--oidc-audience", default=None, help="the audience (aud) the tokens must carry")
    g.add_argument("--oidc-jwks-url", default=None, help="JWKS URL (default: the issuer's discovery)")
    g.add_argument(
        "--insecure-no-auth",
        action="store_true",
        help="disable authentication explicitly, even beyond loopback (never in production)",
    )
    g.add_argument(
        "--cors-origin", action="append", metavar="ORIGIN", help="allow this browser origin (repeatable)"
    )
    g.add_argument(
        "--audit-log",
        default=os.environ.get("VOXRAY_AUDIT_LOG"),
        metavar="FILE",
        help="append audit events (JSON lines) to this file; default: stderr",
    )
    g.add_argument(
        "--retention",
        type=_retention_seconds,
        default=None,
        metavar="TTL",
        help="delete stored audio (store=true) older than this: 86400, 90m, 24h, 7d",
    )
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
    from voxray_runtime.generation.cli import register as register_generate

    register_generate(sub)
    from voxray_runtime.storage.retention import register as register_retention

    register_retention(sub)
    from voxray_runtime.evaluation.cli import register as register_eval

    register_eval(sub)
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
