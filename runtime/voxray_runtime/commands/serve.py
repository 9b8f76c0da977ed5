"""``voxray serve``: the flags, and a local Ray serving the app (after an optional batch or generated
post), until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import signal
import sys
import threading
from pathlib import Path

from voxray_runtime.commands.local import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    model_list,
    serve_app,
    start_local_ray,
    text_model_list,
    transcription_model_list,
)
from voxray_runtime.commands.ports import METRICS_ENV, PortInUseError, is_free, pick_free, plan_ports
from voxray_runtime.commands.serve_security import serve_security
from voxray_runtime.spec.documents import SpecError
from voxray_runtime.storage.location import LocationError, ObjectPrefix, parse_location


def add_serve_arguments(p: argparse.ArgumentParser) -> None:
    """The flags of ``voxray serve``."""
    p.add_argument(
        "-f",
        "--file",
        action="append",
        help="VoiceModel / TextModel / TranscriptionModel YAML (repeatable); default: bundled voices, text "
        "model and Whisper base",
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
        "--no-stt",
        action="store_true",
        help="leave out speech recognition (a file's TranscriptionModel, else Whisper base, behind "
        "POST /v1/audio/transcriptions)",
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


def _retention_seconds(text: str) -> int:
    """``--retention``: the durations ``voxray retention --ttl`` takes, in whole seconds."""
    from voxray_runtime.storage.retention import parse_duration

    try:
        return round(parse_duration(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _render_batch(args: argparse.Namespace, cpus: float | None) -> int:
    """``voxray serve --batch``: render the batch on the same Ray while the app serves; ``cpus`` are the
    machine's cores given to the batch (its ceiling applies to them), beside the app's reservations."""
    out = parse_location(args.output_dir).resolve()
    batch_argv = ["batch", "-f", args.batch, "--out", args.output_dir]
    if args.posts:
        batch_argv += ["--limit", str(args.posts)]
    if cpus is not None:
        batch_argv += ["--cpus", f"{cpus:g}"]
    if args.file:
        for f in args.file:
            batch_argv += ["-m", f]
    from voxray_runtime.cli import build_parser

    batch_args = build_parser().parse_args(batch_argv)
    code = int(batch_args.func(batch_args))
    state = "complete" if code == 0 else f"finished with failures (exit code {code}); rerun to retry them"
    print(f"batch {state}: files, manifest.jsonl and summary.json in {out}", flush=True)
    return code


def app_reserved_cpus(args: argparse.Namespace) -> float:
    """The CPUs the Serve app reserves in Ray: every model replica's and the ingress's."""
    from voxray_runtime.models import NamedModel, NamedTextModel, NamedTranscriptionModel
    from voxray_runtime.serve.args import AppArgs

    total = float(AppArgs.model_fields["ingress_num_cpus"].default)
    served = [
        *model_list(args.file),
        *text_model_list(args.file, not args.no_text),
        *transcription_model_list(args.file, not args.no_stt),
    ]
    for m in served:
        if isinstance(m, NamedModel | NamedTextModel | NamedTranscriptionModel):
            r = m.spec.replicas
            total += m.spec.resources.cpu * max(1, r.initial if r.initial is not None else r.min)
    return total


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        location = parse_location(args.output_dir, field="--output-dir")
    except LocationError as exc:
        print(f"voxray serve: {exc}", file=sys.stderr)
        return 2
    if args.generate and isinstance(location, ObjectPrefix):
        print("voxray serve: --generate writes a local folder; give it a local --output-dir", file=sys.stderr)
        return 2
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
    if not (args.address or os.environ.get("RAY_ADDRESS")):
        try:  # before Ray starts: a taken port is named at once, not after Ray's start-up timeout
            ports = plan_ports(args.host, args.port, os.environ, is_free, pick_free)
        except PortInUseError as exc:
            print(f"voxray serve: {exc}", file=sys.stderr)
            return 2
        os.environ[METRICS_ENV] = str(ports.metrics_port)
        if ports.note:
            print(ports.note, file=sys.stderr, flush=True)
    local = not (args.address or os.environ.get("RAY_ADDRESS"))
    batch_cpus: float | None = None
    if args.batch:
        from voxray_runtime.batch.cli import load_speechbatch

        try:  # a bad batch document fails before anything starts
            load_speechbatch(Path(args.batch))
        except (SpecError, OSError) as exc:
            print(f"voxray serve: --batch {args.batch}: {exc}", file=sys.stderr)
            return 2
        if local:
            # the batch renders while the app serves: it gets the machine's cores (its utilisation ceiling
            # keeps room for requests), the app's mostly idle replicas keep their own reservations
            batch_cpus = float(args.num_cpus or os.cpu_count() or 2)
            start_local_ray(None, math.ceil(batch_cpus + app_reserved_cpus(args)))
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
            with_stt=not args.no_stt,
        )
    except SpecError as exc:
        print(f"voxray serve: {exc}", file=sys.stderr)
        return 2
    out = location.resolve()
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
        for m in text_model_list(args.file, not args.no_text)
        if isinstance(m, NamedTextModel)
    ]
    if text_ids:
        print(
            f"  text:     curl{key} {base}/v1/chat/completions -H 'Content-Type: application/json' "
            f'-d \'{{"model":"{text_ids[0]}","messages":[{{"role":"user","content":"Write a welcome line '
            'for a seaside hotel."}],"max_tokens":60}\''
        )
    if not args.no_stt:
        print(f"  transcribe: curl{key} {base}/v1/audio/transcriptions -F model=whisper-1 -F file=@hello.mp3")
    print(f"  docs:     {base}/docs")
    print(f"  audio:    {out} (store=true writes to {out}/speech/)")
    if args.generate:
        print(f"  post:     {out}/generated/posts.jsonl and its speech in {out}/generated/")
    print(f"  metrics:  http://127.0.0.1:{os.environ.get(METRICS_ENV, '8080')}/metrics")
    if args.batch:
        from voxray_runtime.batch.audit import audit_destination

        if isinstance(out, Path):
            found = audit_destination(os.environ, sys.stderr.isatty(), out)
        else:  # never audit events into an object store
            found = audit_destination(os.environ, False, Path("."))
        audit = str(found) if found is not None else "stderr"
        print(
            f"  batch:    rendering {args.batch} into {out} in the background (progress below and in the "
            f"Playground's Batches panel; manifest.jsonl and summary.json there; audit events: {audit})"
        )
    print("Ctrl-C stops.", flush=True)
    if args.batch:
        threading.Thread(target=_render_batch, args=(args, batch_cpus), name="batch", daemon=True).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    from ray import serve

    serve.shutdown()  # type: ignore[no-untyped-call]
    return 0
