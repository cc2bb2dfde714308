"""What regtune infers from a table: the frame itself, the task and the column kinds.

The one place for these rules: ``tune``, ``fit_configuration``, the data checks and the command line
all call them, so a column is categorical, and a target binary, for the same reason everywhere. Below
``tuning`` and the data checks; it imports only NumPy and pandas.
"""

import numpy as np
import pandas as pd

__all__ = ["TASKS", "as_frame", "categorical_columns", "detect_columns", "drop_ignored", "infer_task"]

TASKS = ("binary", "multiclass", "regression")
# A numeric target with more distinct values than this is treated as a regression target.
_MAX_CLASSES = 20


def as_frame(X, y=None):
    """``X`` (pandas, polars or NumPy) as a pandas DataFrame, and ``y`` as a pandas Series.

    NumPy columns are named ``x0, x1, ...``; a target without a name is named ``target``.
    """
    if hasattr(X, "to_pandas") and not isinstance(X, pd.DataFrame):  # polars
        X = X.to_pandas()
    if not isinstance(X, pd.DataFrame):
        array = np.asarray(X)
        if array.ndim != 2:
            raise ValueError(f"X must be 2-dimensional, got an array of shape {array.shape}")
        X = pd.DataFrame(array, columns=[f"x{j}" for j in range(array.shape[1])])
    X = X.copy()
    X.columns = [str(c) for c in X.columns]
    duplicated = sorted(set(X.columns[X.columns.duplicated()]))
    if duplicated:
        raise ValueError(f"X has duplicated column names {duplicated}")
    if y is None:
        return X
    if hasattr(y, "to_pandas") and not isinstance(y, pd.Series):
        y = y.to_pandas()
    name = getattr(y, "name", None)
    y = pd.Series(np.asarray(y), name=str(name) if name is not None else "target")
    if len(y) != len(X):
        raise ValueError(f"X and y must have the same number of rows, got {len(X)} and {len(y)}")
    if y.isna().any():
        raise ValueError(f"y must not contain missing values, got {int(y.isna().sum())}")
    return X.reset_index(drop=True), y


def drop_ignored(X, ignore, *, named=True):
    """The frame ``X`` without the columns of ``ignore`` (``tune(ignore=...)``, ``--ignore``).

    ``named=False`` says ``X`` came from an array: its columns have no names to ignore by.
    """
    if ignore is None:
        return X
    names = [ignore] if isinstance(ignore, str) else [str(n) for n in ignore]
    if names and not named:
        raise ValueError("ignore needs X as a DataFrame (columns with names), got an array")
    missing = [n for n in names if n not in X.columns]
    if missing:
        raise ValueError(
            f"ignore names columns that X does not have: {missing}; X's columns: {list(X.columns)}"
        )
    return X.drop(columns=names)


def infer_task(y, task=None):
    """``task`` if given, else "binary", "multiclass" or "regression" from the target's values.

    Floats with non-integer values, and numbers with more than 20 distinct values, are regression;
    anything else with 2 distinct values is binary, with more multiclass.
    """
    if task is not None:
        if task not in TASKS:
            raise ValueError(f"task must be one of {list(TASKS)}, got {task!r}")
        return task
    values = np.asarray(y)
    n_unique = len(pd.unique(values))
    if values.dtype.kind in "fiu":
        is_integer = values.dtype.kind in "iu" or bool(np.all(np.mod(values, 1) == 0))
        if not is_integer or n_unique > _MAX_CLASSES:
            return "regression"
    if n_unique < 2:
        raise ValueError(f"y must have at least 2 distinct values, got {n_unique}")
    return "binary" if n_unique == 2 else "multiclass"


def categorical_columns(X):
    """The columns of ``X`` that hold categories: dtype object, string, category or bool."""
    return [
        c
        for c in X.columns
        if isinstance(X[c].dtype, (pd.CategoricalDtype, pd.StringDtype)) or X[c].dtype.kind in "OSUb"
    ]


def detect_columns(X, categorical=None):
    """Split ``X``'s columns into (categorical, numeric) lists of names.

    Categorical: the columns named in ``categorical``, or else :func:`categorical_columns`. Every
    other column must be numeric.
    """
    columns = list(X.columns)
    if categorical is None:
        categorical = categorical_columns(X)
    else:
        categorical = [str(c) for c in categorical]
        missing = [c for c in categorical if c not in columns]
        if missing:
            raise ValueError(f"categorical names columns that X does not have: {missing}")
    numeric = [c for c in columns if c not in categorical]
    not_numeric = [c for c in numeric if X[c].dtype.kind not in "fiu"]
    if not_numeric:
        raise ValueError(f"columns must be numeric or listed in categorical; not numeric: {not_numeric}")
    if not columns:
        raise ValueError("X must have at least one column, got 0")
    return categorical, numeric
