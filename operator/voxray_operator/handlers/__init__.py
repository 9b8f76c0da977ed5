"""The thin kopf layer. Importing this package registers every handler in kopf's default registry.

- :mod:`~voxray_operator.handlers.common`: login, startup (settings, clients, metrics endpoint), cleanup;
- :mod:`~voxray_operator.handlers.served`: VoiceModel and TextModel -> RayService;
- :mod:`~voxray_operator.handlers.speechbatch`: SpeechBatch -> ConfigMap + RayJob, progress;
- :mod:`~voxray_operator.handlers.autoscaling`: the per-model autoscaler daemons;
- :mod:`~voxray_operator.handlers.lexicon`: Lexicon status, and the VoiceModels naming it reconciled again.

Handlers only wire kopf to :mod:`voxray_operator.reconcile` and :mod:`voxray_operator.scaling`; none
imports another.
"""

from voxray_operator.handlers import autoscaling, common, lexicon, served, speechbatch

__all__ = ["autoscaling", "common", "lexicon", "served", "speechbatch"]
