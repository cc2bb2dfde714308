"""The encoder's own shuffled folds for an int ``cv``: KFold's fold sizes, stratified classes,
every balanced assignment equally likely, reproducible from ``random_state``."""

import itertools
from collections import Counter

import numpy as np
import pytest
from sklearn.model_selection import KFold

from regtune import TargetEncoder
from regtune.encoding._folds import shuffled_folds


@pytest.mark.parametrize("n, k", [(2, 2), (10, 3), (101, 5), (1000, 7), (100_003, 10)])
def test_fold_sizes_are_kfolds(n, k):
    fold = shuffled_folds(k, n, random_state=0)
    expected = [len(test) for _, test in KFold(k).split(np.zeros(n))]
    assert np.bincount(fold, minlength=k).tolist() == expected
    assert fold.dtype == np.int64


@pytest.mark.parametrize("seed", range(5))
def test_stratified_folds_spread_each_class_evenly(seed):
    rng = np.random.default_rng(seed)
    strata = rng.choice(4, size=1003, p=[0.6, 0.3, 0.07, 0.03])
    fold = shuffled_folds(5, len(strata), strata, random_state=seed)
    per_class = np.zeros((4, 5), dtype=int)
    np.add.at(per_class, (strata, fold), 1)
    assert (per_class.max(axis=1) - per_class.min(axis=1) <= 1).all()
    totals = per_class.sum(axis=0)
    assert totals.max() - totals.min() <= 1 and totals.sum() == len(strata)


def test_every_balanced_assignment_is_equally_likely():
    # 5 rows in folds of 3 and 2 rows: 10 assignments, each with probability 1/10.
    draws = 20_000
    rng = np.random.RandomState(0)
    seen = Counter(tuple(shuffled_folds(2, 5, random_state=rng)) for _ in range(draws))
    assert len(seen) == 10
    expected = draws / 10
    sigma = np.sqrt(draws * 0.1 * 0.9)
    assert all(abs(count - expected) < 5 * sigma for count in seen.values()), seen


def test_each_row_is_equally_likely_in_each_fold_with_strata():
    strata = np.array([0, 0, 0, 1, 1, 1, 1])
    rng = np.random.RandomState(1)
    counts = np.zeros((7, 3))
    for _ in range(6000):
        counts[np.arange(7), shuffled_folds(3, 7, strata, random_state=rng)] += 1
    # Within a class the rows are exchangeable: their fold frequencies agree.
    for rows in (slice(0, 3), slice(3, 7)):
        block = counts[rows] / 6000
        assert np.abs(block - block.mean(axis=0)).max() < 0.04


def test_reproducible_from_random_state_and_different_across_seeds():
    a = shuffled_folds(5, 10_000, random_state=3)
    np.testing.assert_array_equal(a, shuffled_folds(5, 10_000, random_state=3))
    assert not np.array_equal(a, shuffled_folds(5, 10_000, random_state=4))


def test_int_cv_encoder_uses_the_shuffled_folds():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 20, size=(500, 1))
    y = rng.normal(size=500)
    out = TargetEncoder(smooth=0, cv=4, random_state=11).fit_transform(X, y)
    fold = shuffled_folds(4, 500, random_state=11)
    expected = np.empty(500)
    for k in range(4):
        train, test = fold != k, fold == k
        for level in np.unique(X[test, 0]):
            rows = test & (X[:, 0] == level)
            in_train = train & (X[:, 0] == level)
            expected[rows] = y[in_train].mean() if in_train.any() else y[train].mean()
    np.testing.assert_allclose(out[:, 0], expected, rtol=1e-12)


def test_int_cv_without_shuffle_is_kfold():
    rng = np.random.default_rng(1)
    X = rng.integers(0, 7, size=(60, 1))
    y = rng.normal(size=60)
    ours = TargetEncoder(cv=3, shuffle=False).fit_transform(X, y)
    np.testing.assert_array_equal(ours, TargetEncoder(cv=KFold(3)).fit_transform(X, y))


def test_small_sizes_cover_all_rows():
    for n, k in itertools.product(range(2, 9), range(2, 5)):
        if k <= n:
            fold = shuffled_folds(k, n, random_state=n * 10 + k)
            assert sorted(set(fold.tolist())) == list(range(k))
