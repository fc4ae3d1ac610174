"""Offline question answering with cited sources over Chinese GBA policy documents."""

__version__ = "0.1.0"
