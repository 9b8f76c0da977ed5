"""The SpeechBatch driver: texts x avatars rendered into audio files and a manifest, resumable."""
