"""The HTTP API: OpenAI-compatible and native speech routes, voices, models, health (FastAPI)."""
