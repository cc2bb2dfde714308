"""One-hot and signed binary columns from integer level codes, written in place (no loop over rows).

Level codes follow ``regtune.encoding``'s convention, read with the fitted missing flag:
``0 .. L-1`` are the categories seen in fit (sorted), ``L`` is the missing value when missing
values were seen in fit, and ``-1`` is anything else (a category unseen in fit, or a missing
value when fit saw none). ``-1`` encodes as "no level": an all-zero row, or 0 in a binary column.
"""

import numpy as np

__all__ = ["level_names", "levels", "write_binary", "write_one_hot"]

MISSING_NAME = "nan"


def levels(codes, n_categories, has_missing):
    """Level of each row from codes (``L = n_categories`` is missing, ``-1`` unseen).

    A missing value is a level of its own only if fit saw one; otherwise it is unseen (-1).
    """
    if has_missing:
        return codes
    return np.where(codes == n_categories, -1, codes)


def write_one_hot(out, start, level):
    """``out[i, start + level[i]] = 1`` for every row with a level; the caller zeroed ``out``."""
    rows = np.flatnonzero(level >= 0)
    out[rows, start + level[rows]] = 1.0


def write_binary(out, start, level):
    """``out[i, start] = 2 * level[i] - 1``: -1 for the first level, +1 for the second, 0 for none."""
    out[:, start] = np.where(level >= 0, 2.0 * level - 1.0, 0.0)


def level_names(name, categories, has_missing):
    """``<name>_<level>`` for every level, the missing value's level named ``<name>_nan``."""
    names = [f"{name}_{value}" for value in categories.tolist()]
    if has_missing:
        names.append(f"{name}_{MISSING_NAME}")
    return names
