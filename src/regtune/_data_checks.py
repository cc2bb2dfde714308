"""What ``tune`` (and the CLI's ``tune``, ``fit``, ``predict`` and ``encode``) check in the data first.

A messy table should stop before the first trial with one line that names the column, the rule and
the value, instead of failing inside every trial, inside scikit-learn, or not at all (a numeric column
with one stray ``12,5`` would otherwise be read as text and silently encoded as categories). Rows are
counted from 1, the header not included. Messages name the Python arguments (``X``, ``y``,
``categorical=``, ``cv=``); ``flags`` lets a caller with other words for them (the command line's
``--categorical``, ``--cv``) pass its own.
"""

import numpy as np
import pandas as pd

from ._data import infer_task

# Standardizing squares the values: beyond about 1e154 that overflows float64. 1e150 leaves room for
# sums over up to 1e8 rows.
LARGEST = 1e150


def _plain(value):
    """A NumPy scalar as the Python value it holds, so that messages show ``5``, not ``np.int64(5)``."""
    return value.item() if isinstance(value, np.generic) else value


def _plural(count, word):
    return f"{count} {word}{'s' * (count != 1)}"


def _row(frame_or_series, label):
    return frame_or_series.index.get_loc(label) + 1


def check_columns(frame, names, what="column"):
    """Raise a one-line ValueError naming every one of ``names`` missing from ``frame``."""
    missing = [n for n in names if n not in frame.columns]
    if missing:
        listed = ", ".join(map(str, frame.columns))
        if len(missing) == 1:
            raise ValueError(f"{what} {missing[0]!r} not found; columns are: {listed}")
        raise ValueError(f"{what}s {', '.join(map(repr, missing))} not found; columns are: {listed}")


def check_finite(values, name, what="column"):
    """Numbers in ``values`` must be finite and within +-``LARGEST`` (missing values pass).

    ``name=None`` names the values by ``what`` alone (``"y has ..."``).
    """
    x = values.to_numpy(dtype=np.float64, na_value=np.nan)
    label = what if name is None else f"{what} {name!r}"
    infinite = np.isinf(x)
    if infinite.any():
        first = int(np.argmax(infinite))
        raise ValueError(
            f"{label} has {_plural(int(infinite.sum()), 'infinite value')} "
            f"(first at row {first + 1}); numbers must be finite (leave a cell empty "
            "for a missing value)"
        )
    huge = np.abs(x) > LARGEST  # NaN compares False
    if huge.any():
        first = int(np.argmax(huge))
        raise ValueError(
            f"{label} has {_plural(int(huge.sum()), 'value')} beyond "
            f"+-{LARGEST:g} (first {x[first]:g} at row {first + 1}), too large to "
            "standardize without overflow; rescale the column"
        )


def _first_non_number(values):
    """``((value, row) or None, n_present, n_numbers)`` for a text column.

    ``(value, row)`` is the first non-missing value that is not a number; ``n_present`` counts the
    non-missing values and ``n_numbers`` those that are numbers. Each distinct value is parsed once.
    """
    present = values.dropna()
    counts = present.value_counts(sort=False)
    is_number = pd.to_numeric(pd.Series(counts.index.astype(str)), errors="coerce").notna()
    is_number = is_number.to_numpy()
    n_numbers = int(counts.to_numpy()[is_number].sum())
    if n_numbers == len(present):
        return None, len(present), n_numbers
    first = present.index[present.isin(counts.index[~is_number])][0]
    return (present[first], _row(values, first)), len(present), n_numbers


def check_text_columns(frame, columns, flag):
    """Refuse a text column that looks numeric: most values are numbers, a few are stray text.

    pandas reads a numeric column with one ``12,5`` or ``?`` as text, which would then be
    encoded as categories without a word. ``flag`` is the argument that lists a column to
    treat as text on purpose (``categorical=``; the command line passes its option's name).
    """
    for name in columns:
        values = frame[name]
        if values.dtype.kind in "fiub":
            continue
        first, n_present, n_numbers = _first_non_number(values)
        if first is not None and 2 * n_numbers > n_present:
            value, row = first
            raise ValueError(
                f"column {name!r} looks numeric but holds text that is not a number: "
                f"{_plain(value)!r} (row {row}); write numbers with a decimal point and no "
                f"thousands separator, leave missing cells empty, or list the column in {flag} "
                "to treat it as text"
            )


def check_numeric(frame, columns, when):
    """Columns the model or study treats as numbers must hold numbers, finite and not huge."""
    for name in columns:
        values = frame[name]
        if values.dtype.kind not in "fiub":
            present = values.dropna()
            if len(present) == 0:
                continue  # all missing: imputed, like an empty numeric column
            first, _, _ = _first_non_number(values)
            value, row = first if first is not None else (present.iloc[0], _row(values, present.index[0]))
            raise ValueError(
                f"column {name!r} must be numeric, as it was when {when}, but holds "
                f"text such as {_plain(value)!r} (row {row})"
            )
        check_finite(values, name)


def check_target(y, name):
    """The target: no missing values, finite if numeric, at least 2 distinct values."""
    missing = y.isna().to_numpy()
    if missing.all():
        raise ValueError(f"target column {name!r} is empty: all {len(y)} values are missing")
    if missing.any():
        raise ValueError(
            f"target column {name!r} has {_plural(int(missing.sum()), 'missing value')}"
            f" (first at row {int(np.argmax(missing)) + 1}); drop those rows or fill "
            "them in"
        )
    if y.dtype.kind in "fiu":
        check_finite(y, name, what="target column")
    distinct = pd.unique(y.to_numpy())
    if len(distinct) < 2:
        raise ValueError(
            f"target column {name!r} holds a single value ({_plain(distinct[0])!r}); "
            "a model needs at least 2 distinct values"
        )


def check_classes(y, cv, flag="cv="):
    """Every class needs at least ``cv`` rows, so that stratified folds can each hold one."""
    counts = y.value_counts()
    label, count = counts.idxmin(), int(counts.min())
    if count < cv:
        raise ValueError(
            f"target class {_plain(label)!r} has {_plural(count, 'row')}, but {flag}"
            f"{cv} needs at least {cv} rows of every class; lower {flag.strip()} or "
            "drop the class"
        )


def numeric_target(y):
    """A regression target as float64; text that is not a number is refused, naming the row."""
    if y.dtype.kind in "fiu":
        return y
    values = pd.to_numeric(y, errors="coerce")
    bad = values.isna().to_numpy() & y.notna().to_numpy()
    if bad.any():
        first = int(np.argmax(bad))
        raise ValueError(
            f"y must be numeric for a regression task, got {_plain(y.iloc[first])!r} (row {first + 1})"
        )
    return values.astype(np.float64)


# How messages name the arguments: the Python API's words (the command line passes its own).
API_FLAGS = {"categorical": "categorical=", "cv": "cv="}


def check_training_data(X, y, target, *, categorical=None, task=None, cv=None, flags=API_FLAGS):
    """Everything ``tune`` and ``fit`` check before training: target, text and numeric columns.

    ``categorical`` lists the columns to treat as text on purpose (None: the non-numeric ones);
    with ``cv``, a classification target's smallest class must fill every fold. ``target=None``
    skips the checks of a target already validated by ``as_frame`` and calls it ``y``.
    """
    if X.shape[1] == 0:
        raise ValueError("X has no column; a model needs at least one input column")
    if target is not None:
        check_target(y, target)
    elif y.dtype.kind in "fiu":
        check_finite(y, None, what="y")
    listed = set(categorical or ())
    check_text_columns(X, [c for c in X.columns if c not in listed], flags["categorical"])
    for name in X.columns:
        if name not in listed and X[name].dtype.kind in "fiu":
            check_finite(X[name], name)
    if cv is not None and infer_task(y, task) != "regression":
        check_classes(y, cv, flags["cv"])


def model_numeric_columns(model):
    """The columns a saved ``tune``/``fit`` pipeline imputes and scales as numbers (else [])."""
    steps = getattr(model, "steps", None)
    if not steps:
        return []
    for name, _, columns in getattr(steps[0][1], "transformers_", []):
        if name == "numeric" and not isinstance(columns, str):
            return [str(c) for c in columns]
    return []
