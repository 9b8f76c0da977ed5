"""voxray runtime: multilingual text-to-speech on Ray Serve, and the batch driver."""

__version__ = "0.1.0"
