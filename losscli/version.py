"""losscli's version (the one in pyproject.toml; a test keeps them equal)."""

__version__ = "0.1.0"
