"""voxray runtime: the multilingual text-to-speech serving package."""
