"""Publish-ready speech: sentence audio with word timing, assembled on one time line, captions from the
written text, loudness normalised to a delivery target. Used by the speech path and the batch."""

from voxray_runtime.publish.assemble import (
    Published,
    PublishOptions,
    TimedChunk,
    finish,
    synthesize_timed_chunks,
)

__all__ = ["PublishOptions", "Published", "TimedChunk", "finish", "synthesize_timed_chunks"]
