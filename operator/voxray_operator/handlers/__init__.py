"""The thin kopf layer. Importing this package registers every handler in kopf's default registry."""

from voxray_operator.handlers import autoscaling, common, speechbatch, textmodel, voicemodel

__all__ = ["autoscaling", "common", "speechbatch", "textmodel", "voicemodel"]
