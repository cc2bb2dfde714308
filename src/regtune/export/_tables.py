"""Categorical encoders as lookup tables: one row per category, one for a missing value, one for
anything unseen. Both the ONNX converters and the compiled predictor read them, so the two compute
the same thing as the encoder's own ``transform``.

For a column with ``L`` fitted categories (sorted, ``categories_[j]``) and ``table`` rows::

    row(x) = position of x in categories          if x is one of them
           = missing                              if x is missing (NaN, None, pd.NA)
           = unknown                              otherwise
    out(x) = table[row(x)]                        (q columns)

* ``TargetEncoder``: ``table = [encodings_[j] (L rows, then the missing row); fill]`` with
  ``fill`` the prior (``handle_unknown="prior"``) or NaN; a missing value takes the missing row
  if fit saw missing values (or ``handle_missing="prior"``), else the unseen row ``L + 1``.
* ``CategoricalEncoder``: one-hot columns ``[identity (one row per level); zeros]``, binary
  columns ``[-1, +1, 0]`` (first level, second level, none), target-encoded columns as above
  from ``target_encoder_``; a missing value is its level if fit saw one, else unseen.
"""

from dataclasses import dataclass

import numpy as np

__all__ = ["ColumnTable", "categorical_encoder_tables", "target_encoder_tables"]


@dataclass(frozen=True)
class ColumnTable:
    """One column's encoding: ``table[row(x)]`` (see the module docstring)."""

    categories: np.ndarray
    table: np.ndarray
    missing: int
    unknown: int


def target_encoder_tables(encoder):
    """One ``ColumnTable`` per column of a fitted regtune ``TargetEncoder`` (in its ``dtype``)."""
    q = encoder.encodings_[0].shape[1]
    fill = np.atleast_1d(encoder.target_mean_) if encoder.handle_unknown == "prior" else np.full(q, np.nan)
    tables = []
    for j, categories in enumerate(encoder.categories_):
        n = len(categories)
        missing_is_category = encoder.handle_missing == "prior" or bool(encoder.has_missing_[j])
        table = np.vstack([encoder.encodings_[j], fill[None, :]]).astype(encoder.dtype)
        tables.append(ColumnTable(categories, table, n if missing_is_category else n + 1, n + 1))
    return tables


def categorical_encoder_tables(encoder):
    """One ``ColumnTable`` per column of a fitted ``regtune.preprocessing.CategoricalEncoder``."""
    targets = iter(target_encoder_tables(encoder.target_encoder_) if encoder.target_encoder_ else [])
    tables = []
    for j, kind in enumerate(encoder.encoding_.values()):
        if kind == "target":
            target = next(targets)
            tables.append(
                ColumnTable(
                    target.categories, target.table.astype(np.float64), target.missing, target.unknown
                )
            )
            continue
        categories, n_levels = encoder.categories_[j], int(encoder.n_levels_[j])
        if kind == "binary":
            table = np.array([[-1.0], [1.0], [0.0]])
        else:
            table = np.vstack([np.eye(n_levels), np.zeros((1, n_levels))])
        missing = len(categories) if encoder.has_missing_[j] else n_levels
        tables.append(ColumnTable(categories, table, missing, n_levels))
    return tables
