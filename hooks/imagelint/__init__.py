"""imagelint: pre-commit hooks and a DVC-aware CLI that keep image datasets healthy."""

__version__ = "0.1.0"
