"""The exceptions regtune raises on purpose, so callers can tell them from bugs."""

__all__ = ["DivergenceError", "ModelFileError", "RegtuneError"]


class RegtuneError(Exception):
    """Base class of the errors regtune raises on purpose."""


class DivergenceError(RegtuneError, FloatingPointError):
    """Training produced a non-finite loss or weights (learning rate too high, penalty too large)."""


class ModelFileError(RegtuneError, ValueError):
    """A model file is not a regtune model file, is truncated or corrupt, or holds untrusted types."""
