"""One speech job, free of Ray: what a request becomes, how its audio is made, and who makes it.

- :mod:`.job`: :class:`~.job.SpeechJob` (a validated text cut into chunks for one voice) and
  :class:`~.job.SpeechResult` (the encoded audio and its timings). Both cross Ray Serve handles as they
  are: the API builds the job, the model replica returns the result, nothing is turned into a dict;
- :mod:`.assembly`: the one place audio is assembled: trimming each chunk, the pause between sentences,
  joining, the encode hand-off and the pieces of a stream. Serve, the API, the batch driver, the
  evaluation and the benchmarks all go through it, so they speak identically;
- :mod:`.worker`: :class:`~.worker.ModelWorker`, one VoiceModel's engine session plus assembly;
- :mod:`.layout`: how a replica spreads its threads over engine sessions (pure);
- :mod:`.sessions`: :class:`~.sessions.SessionPool`, the sessions a replica's calls share.

The Serve deployment (:mod:`voxray_runtime.serve.model`) only wraps these. Nothing here imports Ray.
"""
