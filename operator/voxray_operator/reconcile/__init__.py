"""Reconciliation, kind by kind, below the kopf wiring of :mod:`voxray_operator.handlers`.

- :mod:`~voxray_operator.reconcile.served`: VoiceModel and TextModel, one reconcile parameterised by a
  :class:`~voxray_operator.reconcile.kinds.ServedModelKind` (parse -> validate -> credentials -> build ->
  ensure the RayService -> status);
- :mod:`~voxray_operator.reconcile.speechbatch`: SpeechBatch -> ConfigMap + RayJob, with
  :mod:`~voxray_operator.reconcile.batch_inputs` (waiting for its VoiceModels and TextModel) and
  :mod:`~voxray_operator.reconcile.batch_progress` (progress from the Ray dashboard -> status);
- :mod:`~voxray_operator.reconcile.children`: the one create-or-patch (with drift check) of every child;
- :mod:`~voxray_operator.reconcile.credentials`: the generated Secrets of a served model;
- :mod:`~voxray_operator.reconcile.lexicons`: Lexicon status, and the Lexicons a VoiceModel or SpeechBatch
  names.

No module here imports kopf's decorators or another handler; each takes the operator context.
"""
