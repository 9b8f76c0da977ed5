"""Autoscaling: the pure policy, the Prometheus client, and applying decisions to a RayService."""
