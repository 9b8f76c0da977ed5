"""voxray's speech-quality evaluation: ``voxray eval`` (``make eval``) and the regression guard.

- :mod:`.corpus`: the fixed, versioned sentence sets (``sentences/v1.json``);
- :mod:`.metrics`: pure measurements (scoring form, WER/CER, clipping, silence, voicing, cosine);
- :mod:`.bounds`: what only a broken pipeline produces, each bound with its reason (``tests/quality``);
- :mod:`.quantization`: the rule that picks an engine's default numeric format from the figures;
- :mod:`.checkers`: Whisper base, Whisper tiny.en and a d-vector embedder (``voxray[eval]``);
- :mod:`.rendering`: speech made as the service makes it (in-process ``ModelWorker``);
- :mod:`.measuring`: the checkers loaded once, and one voice's renders measured into its report row;
- :mod:`.sections` (avatars, controls, similarity, fallbacks) and :mod:`.side_by_side` (quantization);
- :mod:`.runner` and :mod:`.report`: the run and its markdown + JSON report.

The checkers and engines are imported only by the run's modules (rendering, measuring, sections,
side_by_side, runner), so the pure modules import anywhere.
"""
