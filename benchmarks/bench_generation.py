"""Content generation on the packaged Gemma 3 270M Q4_K_M (a base model, no chat template): how many
posts and translations pass voxray's cleaning checks (``generation/clean.py``) on the first answer, and
how many answers a post needs, with the two prompt styles side by side on the same briefs and seeds:

- ``chat`` (prompt version 2's way): instructions and request in one user turn, rendered with llama.cpp's
  built-in Gemma turn format;
- ``completion`` (the few-shot documents of ``generation/prompts.py``, with their stop sequences).

Posts: every brief, up to ``ATTEMPTS`` answers each (seeds as the generation step draws them).
Translations: the same fixed English posts (ours) into each language, one answer each, so that both
styles translate the same text. The engine runs in this process (``LocalTextClient``), as ``voxray
generate`` does without a text model URL.

Writes benchmarks/results/generation.{json,md}. ``GEN_BENCH_BRIEFS=2`` shortens it.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, machine_line, write_results

from voxray_runtime.generation.clean import OutputRejectedError, clean_output
from voxray_runtime.generation.client import Completion, ask
from voxray_runtime.generation.local import LocalTextClient
from voxray_runtime.generation.prompts import PROMPT_STYLES, Prompt, post_prompt, translation_prompt
from voxray_runtime.generation.records import post_seed
from voxray_runtime.generation.step import echo_reference

BRIEFS = [
    "a boutique hotel in Lisbon with a rooftop pool",
    "a business hotel at the airport with a 24-hour gym",
    "a lakeside spa hotel with a vegan restaurant",
    "a historic castle hotel with guided wine tastings",
][: int(os.environ.get("GEN_BENCH_BRIEFS", "4"))]
SOURCES = [
    "Our rooftop pool is open every day from eight in the morning. Come for a swim and enjoy the view "
    "over the old town.",
    "Welcome to the lake. Our spa team looks forward to helping you relax after your journey.",
][: int(os.environ.get("GEN_BENCH_SOURCES", "2"))]
LANGUAGES = ["es", "ar", "hi", "ur"]
ATTEMPTS = 3
MAX_TOKENS = int(os.environ.get("GEN_BENCH_MAX_TOKENS", "80"))
TEMPERATURE = 0.7
BATCH_SEED = 7


def judge(answer: Completion, language: str, prompt: Prompt, own: str, source: str | None) -> str:
    """``ok`` or the reason the cleaning refuses the answer."""
    try:
        clean_output(
            answer.text,
            language,
            truncated=answer.truncated,
            source_text=source,
            instructions=echo_reference(prompt, own),
        )
    except OutputRejectedError as exc:
        return exc.reason
    return "ok"


def run_style(client: LocalTextClient, style: Any) -> dict[str, Any]:
    posts: list[dict[str, Any]] = []
    t0 = time.monotonic()
    for n, brief in enumerate(BRIEFS, start=1):
        prompt = post_prompt(brief, number=n, max_tokens=MAX_TOKENS, style=style)
        verdicts = []
        for attempt in range(1, ATTEMPTS + 1):
            seed = post_seed(BATCH_SEED, n, "en", attempt)
            answer = ask(client, prompt, max_tokens=MAX_TOKENS, temperature=TEMPERATURE, seed=seed)
            verdicts.append(judge(answer, "en", prompt, brief, None))
            print(f"{style} post {n} answer {attempt}: {verdicts[-1]}: {answer.text[:100]!r}", flush=True)
            if verdicts[-1] == "ok":
                break
        posts.append({"brief": brief, "verdicts": verdicts, "sample": answer.text[:200]})
    translations: list[dict[str, Any]] = []
    for i, text in enumerate(SOURCES, start=1):
        for lang in LANGUAGES:
            prompt = translation_prompt(text, source="en", target=lang, style=style)
            seed = post_seed(BATCH_SEED, i, lang, 1)
            answer = ask(client, prompt, max_tokens=MAX_TOKENS, temperature=TEMPERATURE, seed=seed)
            verdict = judge(answer, lang, prompt, text, text)
            print(f"{style} translation {i} {lang}: {verdict}: {answer.text[:100]!r}", flush=True)
            translations.append(
                {"source": i, "language": lang, "verdict": verdict, "sample": answer.text[:200]}
            )
    return {"posts": posts, "translations": translations, "seconds": round(time.monotonic() - t0, 1)}


def table(results: dict[str, dict[str, Any]]) -> str:
    rows = [
        "| prompt style | posts ok on 1st answer | posts ok within "
        f"{ATTEMPTS} | answers per ok post | translations ok on 1st answer | "
        + " | ".join(LANGUAGES)
        + " | refusals | seconds |",
        "|---" * (7 + len(LANGUAGES)) + "|",
    ]
    for style, r in results.items():
        posts, trs = r["posts"], r["translations"]
        first = sum(p["verdicts"][0] == "ok" for p in posts)
        ok = [p for p in posts if p["verdicts"][-1] == "ok"]
        per = f"{sum(len(p['verdicts']) for p in ok) / len(ok):.2f}" if ok else "-"
        tr_ok = sum(t["verdict"] == "ok" for t in trs)
        by_lang = [
            f"{sum(t['verdict'] == 'ok' for t in trs if t['language'] == lang)}/{len(SOURCES)}"
            for lang in LANGUAGES
        ]
        reasons = Counter(v for p in posts for v in p["verdicts"] if v != "ok")
        reasons.update(t["verdict"] for t in trs if t["verdict"] != "ok")
        refused = ", ".join(f"{k} {v}" for k, v in reasons.most_common()) or "-"
        rows.append(
            f"| {style} | {first}/{len(posts)} | {len(ok)}/{len(posts)} | {per} | {tr_ok}/{len(trs)} | "
            + " | ".join(by_lang)
            + f" | {refused} | {r['seconds']} |"
        )
    return "\n".join(rows)


def main() -> None:
    m = machine()
    from voxray_runtime.engines.text.llamacpp import LlamaCppEngine

    engine = LlamaCppEngine.packaged(context_length=2048, slots=1, threads=2)
    client = LocalTextClient(engine, str(engine.info.model))
    try:
        results: dict[str, dict[str, Any]] = {s: run_style(client, s) for s in PROMPT_STYLES[::-1]}
    finally:
        client.close()
    md = (
        "# Content generation: cleaning pass rates by prompt style\n\n"
        f"{machine_line(m)}\n\n"
        f"Model {engine.info.model} ({engine.info.chat_format} chat format), in process, 2 threads; "
        f"{len(BRIEFS)} briefs (posts, up to {ATTEMPTS} answers each), {len(SOURCES)} fixed English posts "
        f"translated into {', '.join(LANGUAGES)} (one answer each); maxTokens {MAX_TOKENS}, temperature "
        f"{TEMPERATURE}, batch seed {BATCH_SEED}. A pass is an answer `clean_output` accepts (the checks "
        "the generation step applies); refusal reasons are clean.py's.\n\n"
        f"{table(results)}\n\n"
        "The checks judge the script, the language's function words, echoes of the prompt, repetition and "
        "runaway length: not the meaning. Answers that pass (read them in generation.json) are far from "
        "equal: with the chat style the model mostly restates the instructions, and what passes is often "
        "such a restatement with its first sentence dropped as an echo; with the completion documents the "
        "English posts and Spanish translations are on topic, while the Arabic, Hindi and Urdu ones are in "
        "the right script but mostly lose or change the meaning (a 270M base model), or mix in English "
        "words, which the script check refuses.\n\n"
        "Completion-style samples (first answer):\n\n"
        + "\n".join(
            f"- {t['language']}: {' '.join(t['sample'].split())[:110]} ({t['verdict']})"
            for t in results["completion"]["translations"]
        )
        + "\n"
    )
    write_results("generation", {"machine": m, "results": results}, md)


if __name__ == "__main__":
    main()
