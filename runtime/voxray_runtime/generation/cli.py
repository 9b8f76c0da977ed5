"""``voxray generate``: one hospitality post (and its translations) from a brief, printed.

    voxray generate --brief "A seaside hotel in Cádiz" --translate es,ar --seed 7
    voxray generate --brief "..." --url http://127.0.0.1:8000/v1        # voxray serve's text model

The post is written exactly as a ``spec.generate`` SpeechBatch writes post ``--number``: same prompts,
same cleaning, same seeds (so the same brief, model and seed print the same post as the batch's).
Without ``--url`` (or VOXRAY_TEXT_MODEL_URL) the packaged TextModel runs in this process. ``--out DIR``
also writes it to ``DIR/posts.jsonl``. Exit status: 0 written, 1 the model failed or its answers were
refused, 2 bad arguments (the message names the flag).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import ValidationError

from voxray_runtime.commands import add_command
from voxray_runtime.spec.documents import SpecError, format_validation_error

#: the one-line help of ``voxray generate``
HELP = "write one hospitality post (and its translations) with a TextModel and print it"

#: GenerateSpec fields -> the flags that set them (errors name the flag)
FLAGS = {
    "spec.brief": "--brief",
    "spec.sourceLanguage": "--language",
    "spec.languages": "--translate",
    "spec.seed": "--seed",
    "spec.temperature": "--temperature",
    "spec.maxTokens": "--max-tokens",
    "spec.textModel": "--model",
    "spec.count": "--number",
    "spec.generate.textModel": "--model",
}


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = add_command(subparsers, "generate", help=HELP, description=__doc__)
    p.add_argument("--brief", required=True, help="what the post is about")
    p.add_argument("--language", default="en", help="language the post is written in (default en)")
    p.add_argument(
        "--translate", default="", metavar="LANGS", help="comma-separated languages to translate into: es,ar"
    )
    p.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    p.add_argument("--number", type=int, default=1, help="which post of a batch to write (default 1)")
    p.add_argument("--temperature", type=float, default=0.7)
    p.add_argument("--max-tokens", type=int, default=160, help="tokens per text (default 160)")
    p.add_argument(
        "--url",
        default=None,
        help="OpenAI-compatible base URL (default: VOXRAY_TEXT_MODEL_URL, else in-process)",
    )
    p.add_argument("--model", default=None, help="text model id (default: the packaged TextModel)")
    p.add_argument("-f", "--file", type=Path, action="append", help="YAML with the TextModel document")
    p.add_argument("--out", type=Path, default=None, help="also write the post to DIR/posts.jsonl")
    p.add_argument("--json", action="store_true", help="print the posts.jsonl record instead of the text")
    p.set_defaults(func=cmd_generate)


def _flag(field: str) -> str:
    return FLAGS.get(field, field)


def cmd_generate(args: argparse.Namespace) -> int:
    from voxray_runtime.generation.client import TextModelError
    from voxray_runtime.generation.plan import plan_generation
    from voxray_runtime.generation.records import Settings
    from voxray_runtime.generation.source import open_text_source
    from voxray_runtime.generation.step import generate_posts
    from voxray_runtime.spec.speechbatch import GenerateSpec
    from voxray_runtime.voices.avatars import LANGUAGES

    def fail(flag: str, message: str) -> int:
        print(f"voxray generate: {flag}: {message}", file=sys.stderr)
        return 2

    languages = [x.strip() for x in args.translate.split(",") if x.strip()]
    if not args.brief.strip():
        return fail("--brief", "the brief is empty: say what the post is about")
    for flag, langs in (("--language", [args.language]), ("--translate", languages)):
        bad = [x for x in langs if x not in LANGUAGES]
        if bad:
            return fail(flag, f"unsupported language(s) {', '.join(bad)}; supported: {', '.join(LANGUAGES)}")
    if args.number < 1:
        return fail("--number", "post numbers start at 1")
    try:
        gen = GenerateSpec.model_validate(
            {
                "textModel": args.model,
                "brief": args.brief,
                "count": args.number,
                "sourceLanguage": args.language,
                "languages": languages,
                "seed": args.seed,
                "temperature": args.temperature,
                "maxTokens": args.max_tokens,
            }
        )
    except ValidationError as exc:
        field, message = format_validation_error(exc)
        return fail(_flag(field), message)
    try:
        source = open_text_source(
            gen, url=args.url, model_id=args.model, files=args.file or [], url_flag="--url"
        )
    except SpecError as exc:
        return fail(_flag(exc.field), exc.message)
    settings = Settings.from_spec(gen, model=source.client.model)
    plan = plan_generation(settings, {}, indexes=[args.number])
    try:
        result = generate_posts(
            plan, source.client, args.out, say=lambda m: print(m, file=sys.stderr, flush=True)
        )
    except TextModelError as exc:
        print(f"voxray generate: the text model failed: {exc}", file=sys.stderr)
        return 1
    finally:
        source.client.close()
    record = result.records.get(args.number, {})
    if result.failures or not record.get("texts"):
        return 1
    if args.json:
        print(json.dumps(record, ensure_ascii=False, sort_keys=True))
    else:
        print(f"# post {args.number} by {record['model']} (seed {record['seed']})")
        for lang in settings.languages:
            print(f"[{lang}] {record['texts'].get(lang, '')}")
    if result.path is not None:
        print(f"written to {result.path}", file=sys.stderr)
    return 0
