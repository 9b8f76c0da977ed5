"""Ray Serve: the FastAPI ingress and model deployments, and the app builder serveConfigV2 points at."""
