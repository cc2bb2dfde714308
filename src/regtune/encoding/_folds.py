"""Cross-fitting folds: one fold number per row, from any scikit-learn splitter."""

from numbers import Integral

import numpy as np
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    StratifiedGroupKFold,
    StratifiedKFold,
    check_cv,
)

__all__ = ["assign_folds", "make_folds"]

_KFOLD_SPLITTERS = (KFold, StratifiedKFold, GroupKFold, StratifiedGroupKFold)


def make_folds(cv, shuffle, random_state, classification, X, y, groups):
    """Fold number of each row (each row's training part is every other row).

    Parameters
    ----------
    cv : int, splitter, iterable of (train, test) or None
        An int k (None: 5) means ``StratifiedKFold(k)`` for classification, ``KFold(k)`` else.
    shuffle : bool
        Shuffle before an int ``cv`` splits.
    random_state : int, RandomState or None
        Seed of that shuffle.
    classification : bool
    X : array-like of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    groups : array-like of shape (n_samples,) or None

    Returns
    -------
    fold : ndarray of shape (n_samples,), dtype int64
    n_folds : int
    """
    cv = 5 if cv is None else cv
    if isinstance(cv, Integral):
        splitter_class = StratifiedKFold if classification else KFold
        splitter = splitter_class(
            cv, shuffle=bool(shuffle), random_state=random_state if shuffle else None
        )
    else:
        splitter = check_cv(cv, y, classifier=classification)
    if type(splitter) in (KFold, StratifiedKFold):
        return _kfold_test_folds(splitter, X, y)
    splits = splitter.split(X, y, groups)
    return assign_folds(splits, len(y), check_train=not isinstance(splitter, _KFOLD_SPLITTERS))


def _kfold_test_folds(splitter, X, y):
    """Fold of each row for ``KFold`` and ``StratifiedKFold``, without building the training
    index arrays that ``split`` yields (on 10 million rows they cost as much as the encoding).

    Uses the splitters' own fold assignment (``_iter_test_indices``, ``_make_test_folds``), so the
    folds are those of ``split``; ``tests/encoding/test_parity.py`` checks it.
    """
    n_samples = len(y)
    if splitter.n_splits > n_samples:
        next(splitter.split(X, y))  # let scikit-learn raise its own error
    if isinstance(splitter, StratifiedKFold):
        return splitter._make_test_folds(X, y).astype(np.int64), splitter.n_splits
    fold = np.empty(n_samples, dtype=np.int64)
    for k, test in enumerate(splitter._iter_test_indices(X, y)):
        fold[test] = k
    return fold, splitter.n_splits


def assign_folds(splits, n_samples, check_train=True):
    """Turn ``(train, test)`` index pairs into one fold number per row.

    Parameters
    ----------
    splits : iterable of (ndarray, ndarray)
        The splitter's output.
    n_samples : int
    check_train : bool, default=True
        Also check that each training part is exactly the rows outside its fold (skipped for
        scikit-learn's K-fold splitters, which guarantee it).

    Returns
    -------
    fold : ndarray of shape (n_samples,), dtype int64
    n_folds : int
    """
    fold = np.full(n_samples, -1, dtype=np.int64)
    n_folds = n_tested = 0
    for train, test in splits:
        test = np.asarray(test)
        if test.dtype == bool:
            test = np.flatnonzero(test)
        fold[test] = n_folds
        n_tested += len(test)
        if check_train:
            in_train = np.zeros(n_samples, dtype=bool)
            in_train[np.asarray(train)] = True
            if in_train[test].any() or np.count_nonzero(in_train) != n_samples - len(test):
                raise ValueError(
                    "cv must use every row outside the validation fold for training, but fold "
                    f"{n_folds} trains on {np.count_nonzero(in_train)} rows, validation rows "
                    f"included, instead of the {n_samples - len(test)} others"
                )
        n_folds += 1
    # n_samples validation slots that cover every row: each row is in exactly one fold.
    if n_folds < 2 or n_tested != n_samples or np.any(fold == -1):
        raise ValueError(
            f"cv must put each row in exactly one validation fold, got {n_folds} folds with "
            f"{n_tested} validation rows for {n_samples} rows"
        )
    return fold, n_folds
