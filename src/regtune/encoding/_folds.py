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
from sklearn.utils import check_random_state

from .._sklearn_internals import kfold_test_indices, stratified_test_folds

__all__ = ["assign_folds", "make_folds", "shuffled_folds"]

_KFOLD_SPLITTERS = (KFold, StratifiedKFold, GroupKFold, StratifiedGroupKFold)


def make_folds(cv, shuffle, random_state, strata, X, y, groups):
    """Fold number of each row (each row's training part is every other row).

    Parameters
    ----------
    cv : int, splitter, iterable of (train, test) or None
        An int k (None: 5) makes k folds: shuffled by :func:`shuffled_folds` (stratified on
        ``strata`` for classification), or without shuffling ``StratifiedKFold(k)`` for
        classification and ``KFold(k)`` else.
    shuffle : bool
        Shuffle before an int ``cv`` splits.
    random_state : int, RandomState or None
        Seed of that shuffle.
    strata : ndarray of shape (n_samples,) of class codes 0..C-1, or None
        The classes of a classification target (None for a continuous target).
    X : array-like of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    groups : array-like of shape (n_samples,) or None

    Returns
    -------
    fold : ndarray of shape (n_samples,), dtype int64
    n_folds : int
    """
    cv = 5 if cv is None else cv
    classification = strata is not None
    if isinstance(cv, Integral) and not isinstance(cv, bool):
        splitter_class = StratifiedKFold if classification else KFold
        splitter = splitter_class(cv)  # validates n_splits with scikit-learn's own message
        if cv > len(y):
            next(splitter.split(X, y))  # and lets scikit-learn refuse more folds than rows
        if shuffle:
            return shuffled_folds(cv, len(y), strata, random_state), cv
    else:
        splitter = check_cv(cv, y, classifier=classification)
    if type(splitter) in (KFold, StratifiedKFold):
        return _kfold_test_folds(splitter, X, y)
    splits = splitter.split(X, y, groups)
    return assign_folds(splits, len(y), check_train=not isinstance(splitter, _KFOLD_SPLITTERS))


def shuffled_folds(n_splits, n_samples, strata=None, random_state=None):
    """A uniformly random assignment of rows to ``n_splits`` folds of balanced sizes.

    The fold sizes are those of ``KFold`` (``n // k`` rows, one more in the first ``n % k``
    folds); with ``strata`` each class is also spread as evenly as possible over the folds, and
    the fold sizes stay within one row of each other (as with ``StratifiedKFold``).

    ``KFold(shuffle=True)`` draws a permutation of all rows, a Fisher-Yates shuffle that costs a
    random memory access per row (1.2 s for 10 million rows, as much as the whole encoding).
    Here every row draws a fold independently (one vectorized pass), then the few rows of the
    folds that came out too large (about sqrt(n)) move to the folds that came out too small.
    Rows to move are chosen at random within their fold and dealt to the short folds in random
    order, so the procedure treats every row alike: each assignment with these fold sizes is
    equally likely, as with a permutation.

    Parameters
    ----------
    n_splits : int
    n_samples : int
    strata : ndarray of shape (n_samples,) of int codes, default=None
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    fold : ndarray of shape (n_samples,), dtype int64
    """
    # A NumPy Generator seeded from random_state (scikit-learn's seed semantics: an int is
    # reproducible, a RandomState instance is advanced, None draws from the global state).
    rng = np.random.default_rng(check_random_state(random_state).randint(2**32, dtype=np.uint64))
    if strata is None:
        return _balanced_draw(rng, _even_sizes(n_samples, n_splits, 0))
    strata = np.asarray(strata)
    n_classes = int(strata.max()) + 1 if len(strata) else 0
    if n_classes < 2**15:
        strata = strata.astype(np.int16, copy=False)
    order = np.argsort(strata, kind="stable")  # rows grouped by class (radix sort: linear)
    class_sizes = np.bincount(strata, minlength=n_classes)
    fold = np.empty(n_samples, dtype=np.int64)
    start = offset = 0
    for size in class_sizes:
        # The class's leftover rows go to the folds after the previous class's leftovers, so
        # the totals over classes stay balanced.
        rows = order[start : start + size]
        fold[rows] = _balanced_draw(rng, _even_sizes(size, n_splits, offset))
        start += size
        offset = (offset + size) % n_splits
    return fold


def _even_sizes(n, k, offset):
    """``n`` rows over ``k`` folds: ``n // k`` each, one more for the ``n % k`` folds from
    ``offset`` on (cyclically)."""
    sizes = np.full(k, n // k, dtype=np.int64)
    sizes[(offset + np.arange(n % k)) % k] += 1
    return sizes


def _balanced_draw(rng, sizes):
    """Uniformly random fold labels (int64) with exactly ``sizes[j]`` rows in fold j."""
    k, n = len(sizes), int(sizes.sum())
    # Drawn as small integers (a quarter of the memory traffic) and widened once at the end.
    label = rng.integers(0, k, size=n, dtype=np.int8 if k < 128 else np.int64)
    # k comparisons beat np.bincount here (it would copy the labels first).
    excess = np.array([np.count_nonzero(label == j) for j in range(k)]) - sizes
    if not excess.any():
        return label.astype(np.int64)
    # A uniform random subset of excess[j] rows of each too-large fold j: the first distinct
    # rows of fold j in a stream of uniformly drawn row numbers (about k * sqrt(n) draws,
    # instead of a pass over every fold's members).
    need = np.maximum(excess, 0)
    moved, taken = [], np.zeros(0, dtype=np.int64)
    while need.any():
        draws = rng.integers(0, n, size=max(256, 2 * k * int(need.max())))
        _, first = np.unique(draws, return_index=True)
        draws = draws[np.sort(first)]
        draws = draws[~np.isin(draws, taken)]
        for j in np.flatnonzero(need):
            rows = draws[label[draws] == j][: need[j]]
            moved.append(rows)
            need[j] -= len(rows)
        taken = np.concatenate(moved)
    moved = np.concatenate(moved)
    rng.shuffle(moved)
    short = np.flatnonzero(excess < 0)
    label[moved] = np.repeat(short, -excess[short])
    return label.astype(np.int64)


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
        return stratified_test_folds(splitter, X, y).astype(np.int64), splitter.n_splits
    fold = np.empty(n_samples, dtype=np.int64)
    for k, test in enumerate(kfold_test_indices(splitter, X, y)):
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
