"""Categorical columns in, integer codes out.

A column of any supported container (NumPy, pandas, polars) is factorized once into integer codes
and its sorted categories. The categories are stored as a plain NumPy array (``int64``, ``float64``
or fixed-width unicode), so a fitted encoder holds no Python objects and a lookup of new values is
a ``np.searchsorted`` on that array: nothing to rebuild, nothing to cache.

Codes follow one convention everywhere: ``0 .. L-1`` are the categories, ``L`` is the missing
value (NaN, None, ``pd.NA``), ``-1`` is a value unseen at fit time.
"""

import numpy as np
import pandas as pd
import scipy.sparse
from pandas.api.types import infer_dtype

__all__ = ["as_columns", "factorize", "lookup"]

_NUMERIC = {"integer", "floating", "mixed-integer-float", "boolean"}


def _is_polars(obj):
    return type(obj).__module__.split(".")[0] == "polars"


def as_columns(X):
    """Split ``X`` into a list of 1-D columns without copying where possible.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        NumPy array, nested list, pandas DataFrame or polars DataFrame.

    Returns
    -------
    columns : list of array-like of shape (n_samples,)
    """
    if scipy.sparse.issparse(X):
        raise TypeError(
            f"X must be dense (NumPy, pandas or polars); sparse input is not supported, got "
            f"{type(X).__name__}"
        )
    if isinstance(X, pd.DataFrame):
        columns = [X.iloc[:, j] for j in range(X.shape[1])]
        return [c.to_numpy() if isinstance(c.dtype, np.dtype) else c.array for c in columns]
    if _is_polars(X):
        import polars as pl

        columns = []
        for series in X.get_columns():
            if isinstance(series.dtype, (pl.Categorical, pl.Enum)):
                series = series.cast(pl.String)
            columns.append(series.to_numpy())
        return columns
    if not hasattr(X, "dtype"):
        # Nested lists: keep each value's own type, so 1 and "1" stay distinguishable.
        X = np.asarray(X, dtype=object)
    if X.ndim != 2:
        raise ValueError(
            f"X must be 2-D (n_samples, n_features), got an array of shape {X.shape}; "
            "Reshape your data with X.reshape(-1, 1) if it is a single column"
        )
    return [X[:, j] for j in range(X.shape[1])]


def _category_array(uniques, name):
    """Turn the non-missing unique values of a column into a plain NumPy array."""
    if isinstance(uniques, pd.Categorical):
        uniques = np.asarray(uniques)
    elif not isinstance(uniques, np.ndarray):
        uniques = uniques.to_numpy()
    kind = uniques.dtype.kind
    if kind in "iub":
        return uniques.astype(np.uint64 if uniques.dtype == np.uint64 else np.int64)
    if kind == "f":
        return uniques.astype(np.float64)
    if kind == "U":
        return uniques
    inferred = infer_dtype(uniques, skipna=True)
    if inferred == "empty":
        return np.empty(0, dtype=np.float64)
    if inferred == "string":
        strings = uniques.astype(str)
        if len(np.unique(strings)) != len(strings):
            raise ValueError(
                f"{name} has categories that differ only by trailing NUL characters, "
                "which cannot be stored; strip them first"
            )
        return strings
    if inferred in _NUMERIC:
        values = np.asarray(uniques.tolist())
        return values.astype(np.int64 if values.dtype.kind in "iub" else np.float64)
    is_str = np.array([isinstance(v, str) for v in uniques])
    if is_str.any() and not is_str.all():
        raise ValueError(
            f"{name} mixes strings and non-strings (for example {uniques[~is_str][0]!r} "
            f"and {uniques[is_str][0]!r}); a category column must hold one kind of value"
        )
    raise ValueError(
        f"{name} must hold strings or numbers, got values of type "
        f"{type(uniques[0]).__name__} (inferred {inferred!r})"
    )


def _factorize_integers(column):
    """Integers in a range not much wider than the column: codes by counting, not hashing.

    ``present = bincount(x - min) > 0`` marks the categories (already sorted) and
    ``cumsum(present) - 1`` is each one's code: three vectorized passes, no hash table.
    Returns None when the range is too wide for that to be cheap.
    """
    low, high = int(column.min()), int(column.max())
    widest = 2 * len(column) + 1024  # the widest range counted (bincount's length)
    if high - low > widest or high > np.iinfo(np.int64).max:
        return None
    if low >= 0 and high <= widest and column.dtype == np.int64:
        low, shifted = 0, column  # no shifted copy (values below min are simply absent)
    else:
        shifted = column - low if column.dtype == np.int64 else column.astype(np.int64) - low
    present = np.bincount(shifted) > 0
    rank = np.cumsum(present) - 1
    categories = np.flatnonzero(present) + low
    return rank[shifted], categories.astype(np.uint64 if column.dtype == np.uint64 else np.int64)


def factorize(column, name):
    """Factorize a training column into codes and sorted categories.

    Parameters
    ----------
    column : array-like of shape (n_samples,)
    name : str
        What the values are, for error messages (``"column 'brand'"``, ``"y"``).

    Returns
    -------
    codes : ndarray of shape (n_samples,), dtype int64
        ``0 .. L-1`` for the categories, ``L`` for missing values.
    categories : ndarray of shape (L,)
        Sorted categories (``int64``, ``float64`` or unicode).
    """
    if isinstance(column, np.ndarray) and column.dtype.kind in "iu" and len(column):
        fast = _factorize_integers(column)
        if fast is not None:
            return fast
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    categories = _category_array(uniques, name)
    order = np.argsort(categories, kind="stable")
    n_levels = len(categories)
    # rank[-1] = L sends the missing sentinel (-1) to code L in the same gather.
    rank = np.empty(n_levels + 1, dtype=np.int64)
    rank[order] = np.arange(n_levels)
    rank[-1] = n_levels
    return rank[codes], categories[order]


def lookup(column, categories, name):
    """Map a column onto fitted categories.

    Parameters
    ----------
    column : array-like of shape (n_samples,)
    categories : ndarray of shape (L,)
        Sorted categories learned at fit time.
    name : str
        What the values are, for error messages (``"column 'brand'"``, ``"y"``).

    Returns
    -------
    codes : ndarray of shape (n_samples,), dtype int64
        ``0 .. L-1`` for known categories, ``L`` for missing values, ``-1`` for unseen values.
    """
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    values = _category_array(uniques, name)
    n_levels = len(categories)
    fitted_str, given_str = categories.dtype.kind == "U", values.dtype.kind == "U"
    if n_levels and len(values) and fitted_str != given_str:
        fitted, given = ("strings", "numbers") if fitted_str else ("numbers", "strings")
        raise ValueError(
            f"{name} was fitted on {fitted} but transform received {given} (for example {values[0]!r})"
        )
    if n_levels == 0 or len(values) == 0:
        position, found = np.zeros(len(values), dtype=np.int64), np.zeros(len(values), dtype=bool)
    else:
        position = np.searchsorted(categories, values)
        clipped = np.minimum(position, n_levels - 1)
        found = (position < n_levels) & (categories[clipped] == values)
    mapping = np.append(np.where(found, position, -1), n_levels)
    return mapping[codes]
