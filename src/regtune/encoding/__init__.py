"""Leak-free target encoding of categorical columns (``MATH.md`` section 1)."""

from ._target_encoder import TargetEncoder

__all__ = ["TargetEncoder"]
