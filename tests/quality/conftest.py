"""The quality guard's shared parts: the checkers and the engines load once per session, and each
guarded avatar's sentence is rendered once, exactly as the service renders it (bundled models, the
binding the catalog resolves, in-process ModelWorker; no Serve needed)."""

from __future__ import annotations

import pytest
from guarded import GUARDED, SENTENCE_ID, Clip, clip_key

from voxray_runtime.evaluation.checkers import Recognizer
from voxray_runtime.evaluation.corpus import load_sentence_set
from voxray_runtime.evaluation.rendering import synthesize
from voxray_runtime.models import catalog_for, default_models
from voxray_runtime.speech.worker import ModelWorker
from voxray_runtime.voices import parse_avatar


@pytest.fixture(scope="session")
def whisper_base() -> Recognizer:
    return Recognizer.base(threads=2)


@pytest.fixture(scope="session")
def whisper_tiny_en() -> Recognizer:
    return Recognizer.tiny_en(threads=2)


@pytest.fixture(scope="session")
def clips() -> dict[str, Clip]:
    models = default_models()
    catalog = catalog_for(models)
    sentence = next(s for s in load_sentence_set().sentences if s.id == SENTENCE_ID)
    needed = {catalog.resolve(parse_avatar(a), m).model for a, m in GUARDED}
    workers = {x.name: ModelWorker(x.name, x.spec, threads=2) for x in models if x.name in needed}
    out = {}
    for avatar, model in GUARDED:
        b = catalog.resolve(parse_avatar(avatar), model)
        text = sentence.text(b.avatar.language)
        pcm, _ = synthesize(workers[b.model], b, text)
        out[clip_key(avatar, model)] = Clip(clip_key(avatar, model), b, text, pcm, workers[b.model].rate)
    return out
