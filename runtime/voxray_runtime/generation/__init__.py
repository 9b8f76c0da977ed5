"""Content generation: a TextModel writes the posts a SpeechBatch speaks.

Pure parts (no I/O, table-tested): ``prompts`` (the messages sent for a post and for each translation),
``clean`` (model output -> speakable text, or a clear rejection), ``records`` (the ``posts.jsonl`` record,
per-post seeds, the brief hash) and ``plan`` (what a resumed run still has to write). I/O: ``client``
(the ``TextClient`` protocol and its OpenAI-compatible HTTP client), ``step`` (the resumable generation
step the batch runs before speech) and ``cli`` (``voxray generate``).
"""
