"""Text-generation engines: llama.cpp in process (CPU, the packaged Gemma 3 270M GGUF) and the Ray
Serve LLM (vLLM) deployment builder for GPU clusters. Import the submodules: this package imports
neither engine's library."""
