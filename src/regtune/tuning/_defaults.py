"""Defaults the library and the command line share; a light module (no NumPy, no Optuna)."""

__all__ = ["DEFAULT_STORAGE"]

# Where a study lives when no storage is given: a SQLite file in the current directory.
DEFAULT_STORAGE = "sqlite:///regtune.db"
