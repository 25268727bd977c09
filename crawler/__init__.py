"""crawler: link health and metadata for registries of medical LLMs and their corpora."""

__version__ = "0.1.0"

__all__ = ["__version__"]
