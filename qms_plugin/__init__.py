"""Document control for an ISO 9001 quality manual kept as Markdown in Git."""

__version__ = "0.1.0"
