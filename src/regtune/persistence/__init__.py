"""Saving and loading models without pickle: ``regtune.save`` and ``regtune.load``."""

from ._io import TRUSTED_TYPES, load, save

__all__ = ["TRUSTED_TYPES", "load", "save"]
