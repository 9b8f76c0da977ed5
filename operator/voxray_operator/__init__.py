"""voxray operator: VoiceModel -> RayService, SpeechBatch -> RayJob, GPU replicas scaled from Prometheus."""

__version__ = "0.1.0"
