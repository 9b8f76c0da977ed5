"""Logging of the operator process: kopf's JSON (or plain) format on stderr, noisy libraries quieted."""

from __future__ import annotations

import logging

import kopf

#: per-request INFO lines of HTTP clients would drown the operator's own
QUIET_LOGGERS = ("httpx", "httpcore", "aiohttp.access")


def configure(level: str = "INFO", fmt: str = "json") -> None:
    kopf.configure(
        verbose=level == "DEBUG",
        quiet=level in ("WARNING", "ERROR"),
        log_format=kopf.LogFormat.JSON if fmt == "json" else kopf.LogFormat.PLAIN,
        log_refkey="k8s" if fmt == "json" else None,
    )
    logging.getLogger().setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))
