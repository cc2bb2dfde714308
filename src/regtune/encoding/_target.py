"""Validate the target and the sample weights, and turn the target into numeric output rows."""

import numpy as np
import pandas as pd
from sklearn.utils.multiclass import type_of_target

from ._columns import factorize

__all__ = ["check_sample_weight", "encode_target"]

_TARGET_TYPES = ("binary", "multiclass", "continuous")


def _as_1d(y, n_samples):
    if y is None:
        raise ValueError("TargetEncoder requires y to be passed, but the target y is None")
    if hasattr(y, "to_numpy"):  # pandas or polars Series / one-column DataFrame
        y = y.to_numpy()
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D (n_samples,), got an array of shape {y.shape}")
    if len(y) != n_samples:
        raise ValueError(f"y must have one value per row of X ({n_samples}), got {len(y)}")
    if y.dtype.kind == "f" and np.isinf(y).any():
        raise ValueError(f"y must be finite, got {np.isinf(y).sum()} infinite values")
    missing = pd.isna(y)
    if missing.any():
        raise ValueError(
            f"y must not contain missing values (NaN, None, pd.NA), got {missing.sum()} "
            f"(first at row {int(np.argmax(missing))})"
        )
    return y


def encode_target(y, n_samples, target_type, positive_label):
    """Check ``y`` and turn it into the rows the encoder averages.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
    n_samples : int
        Number of rows of X.
    target_type : {"auto", "binary", "multiclass", "continuous"}
    positive_label : object or None
        Positive class of a binary target; None takes the larger of the two sorted labels.

    Returns
    -------
    y : ndarray of shape (n_samples,)
        The checked target, for stratified splitting.
    target_type : str
        "binary", "multiclass" or "continuous".
    classes : ndarray of shape (n_classes,) or None
        Sorted class labels (None for a continuous target).
    positive_label : object or None
        The positive class of a binary target, else None.
    Yt : ndarray of shape (q, n_samples), dtype float64
        ``q = 1``: the target, or the indicator of the positive class; multiclass: one
        indicator row per class (one-vs-rest).
    """
    y = _as_1d(y, n_samples)
    if target_type == "auto":
        if y.dtype.kind == "O":
            codes, classes = factorize(y, "y")  # rejects mixed types such as 1 and "1"
            target_type = "binary" if len(classes) <= 2 else "multiclass"
        else:
            target_type = type_of_target(y, input_name="y")
        if target_type not in _TARGET_TYPES:
            raise ValueError(
                f"target_type='auto' must find one of {_TARGET_TYPES}, got {target_type!r}; "
                "set target_type explicitly"
            )
    if target_type == "continuous":
        if y.dtype.kind not in "fiub":
            raise ValueError(f"a continuous target must be numeric, got dtype {y.dtype}")
        y = y.astype(np.float64)
        if not np.isfinite(y).all():
            raise ValueError("a continuous target must be finite, got inf")
        return y, target_type, None, None, y[None, :]
    codes, classes = factorize(y, "y")
    n_classes = len(classes)
    if target_type == "binary":
        if n_classes != 2:
            raise ValueError(
                f"a binary target must have exactly 2 classes, got {n_classes} "
                f"class{'es' * (n_classes != 1)}: {classes.tolist()}"
            )
        if positive_label is None:
            positive = 1
        else:
            matches = [i for i, c in enumerate(classes.tolist()) if c == positive_label]
            if len(matches) != 1:
                raise ValueError(
                    f"positive_label must be one of the classes {classes.tolist()}, got {positive_label!r}"
                )
            positive = matches[0]
        return y, target_type, classes, classes[positive], (codes == positive)[None, :] * 1.0
    if n_classes < 2:
        raise ValueError(
            f"a multiclass target must have at least 2 classes, got {n_classes} class: {classes.tolist()}"
        )
    Yt = (codes[None, :] == np.arange(n_classes)[:, None]).astype(np.float64)
    return y, target_type, classes, None, Yt


def check_sample_weight(sample_weight, n_samples):
    """Check sample weights: 1-D, one per row, finite, >= 0, not all zero (None passes)."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.ndim != 1 or len(w) != n_samples:
        raise ValueError(f"sample_weight must have shape ({n_samples},), got an array of shape {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError(f"sample_weight must be finite and >= 0, got min {w.min()}, max {w.max()}")
    if w.sum() <= 0:
        raise ValueError("sample_weight must not be all zero, got a sum of weights of 0")
    return w
