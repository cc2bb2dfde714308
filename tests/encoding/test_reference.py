"""Options scikit-learn lacks (sample weights, unknown/missing policies), against a naive loop."""

import math
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import KFold, StratifiedKFold

from regtune import TargetEncoder

MISSING = object()


def _key(value):
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return value


def naive_fit(values, y, w, rows, smooth, handle_missing):
    """Category -> encoding, and the prior, from ``rows`` only: plain Python loops."""
    total_w = sum(w[i] for i in rows)
    prior = sum(w[i] * y[i] for i in rows) / total_w
    tau2 = sum(w[i] * (y[i] - prior) ** 2 for i in rows) / total_w
    groups = defaultdict(list)
    for i in rows:
        groups[_key(values[i])].append(i)
    table = {}
    for category, members in groups.items():
        w_c = sum(w[i] for i in members)
        s_c = sum(w[i] * y[i] for i in members)
        if w_c == 0:
            table[category] = prior
            continue
        mean = s_c / w_c
        if smooth == "auto":
            s2 = sum(w[i] * (y[i] - mean) ** 2 for i in members) / w_c
            denominator = w_c * tau2 + s2
            lam = w_c * tau2 / denominator if denominator > 0 else None
            table[category] = prior if lam is None else lam * mean + (1 - lam) * prior
        else:
            table[category] = (s_c + smooth * prior) / (w_c + smooth)
    if handle_missing == "prior":
        table[MISSING] = prior
    return table, prior


def naive_transform(values, table, prior, handle_unknown):
    unknown = math.nan if handle_unknown == "nan" else prior
    return np.array([table.get(_key(v), unknown) for v in values])


def naive_fit_transform(values, y, w, fold, smooth, handle_missing):
    out = np.empty(len(values))
    for k in np.unique(fold):
        train = np.flatnonzero(fold != k)
        table, prior = naive_fit(values, y, w, train, smooth, handle_missing)
        test = np.flatnonzero(fold == k)
        out[test] = naive_transform(values[test], table, prior, "prior")
    return out


def _data(seed, n=240, binary=False):
    rng = np.random.default_rng(seed)
    values = rng.choice(np.array(["a", "b", "c", "d", "e", "f", None, np.nan], dtype=object), n)
    values[:3] = ["rare1", "rare2", "rare3"]
    if binary:
        y = (rng.random(n) < 0.4).astype(float)
    else:
        y = rng.normal(loc=50, scale=10, size=n) + (values == "a") * 15
    w = rng.gamma(2.0, 1.0, size=n)
    w[rng.random(n) < 0.1] = 0.0  # zero weights are allowed and must not count
    return values, y, w


@pytest.mark.parametrize("smooth", ["auto", 0.0, 4.0])
@pytest.mark.parametrize("handle_missing", ["value", "prior"])
@pytest.mark.parametrize("weighted", [False, True])
def test_fit_transform_and_transform_match_naive_loop(smooth, handle_missing, weighted):
    values, y, w = _data(1)
    if not weighted:
        w = np.ones_like(w)
    cv = KFold(4, shuffle=True, random_state=0)
    fold = np.empty(len(y), dtype=int)
    for k, (_, test) in enumerate(cv.split(values)):
        fold[test] = k
    enc = TargetEncoder(smooth=smooth, cv=cv, handle_missing=handle_missing)
    sample_weight = w if weighted else None
    out = enc.fit_transform(values[:, None], y, sample_weight=sample_weight)
    expected = naive_fit_transform(values, y, w, fold, smooth, handle_missing)
    np.testing.assert_allclose(out.ravel(), expected, rtol=1e-12)
    table, prior = naive_fit(values, y, w, range(len(y)), smooth, handle_missing)
    new = np.array(["a", "zzz", None, "rare2", pd.NA, "f"], dtype=object)
    np.testing.assert_allclose(
        enc.transform(new[:, None]).ravel(), naive_transform(new, table, prior, "prior"), rtol=1e-12
    )
    np.testing.assert_allclose(enc.target_mean_, prior, rtol=1e-13)


@pytest.mark.parametrize("smooth", ["auto", 2.0])
def test_weighted_binary_matches_naive_loop(smooth):
    values, y, w = _data(2, binary=True)
    cv = StratifiedKFold(3, shuffle=True, random_state=4)
    fold = np.empty(len(y), dtype=int)
    for k, (_, test) in enumerate(cv.split(values, y)):
        fold[test] = k
    out = TargetEncoder(smooth=smooth, cv=cv).fit_transform(values[:, None], y, sample_weight=w)
    expected = naive_fit_transform(values, y, w, fold, smooth, "value")
    np.testing.assert_allclose(out.ravel(), expected, rtol=1e-12, atol=1e-15)


def test_integer_weights_equal_repeated_rows():
    values, y, _ = _data(3, n=120)
    counts = np.random.default_rng(0).integers(1, 4, size=len(y))
    weighted = TargetEncoder(smooth="auto").fit(values[:, None], y, sample_weight=counts)
    repeated = TargetEncoder(smooth="auto").fit(np.repeat(values, counts)[:, None], np.repeat(y, counts))
    for a, b in zip(weighted.encodings_, repeated.encodings_):
        np.testing.assert_allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize("handle_unknown", ["prior", "nan"])
def test_handle_unknown_matches_naive_loop(handle_unknown):
    values, y, w = _data(4)
    enc = TargetEncoder(smooth=1.0, handle_unknown=handle_unknown).fit(values[:, None], y)
    table, prior = naive_fit(values, y, np.ones_like(w), range(len(y)), 1.0, "value")
    new = np.array(["b", "never", "seen", None, "a"], dtype=object)
    np.testing.assert_allclose(
        enc.transform(new[:, None]).ravel(),
        naive_transform(new, table, prior, handle_unknown),
        rtol=1e-12,
    )


def test_handle_unknown_error_names_column_and_value():
    enc = TargetEncoder(handle_unknown="error").fit(
        pd.DataFrame({"brand": ["a", "b", "a", "b"]}), [1.0, 2.0, 3.0, 4.0]
    )
    with pytest.raises(ValueError, match=r"'brand'.*'zzz'"):
        enc.transform(pd.DataFrame({"brand": ["a", "zzz"]}))


def test_missing_unseen_in_fit_is_unknown():
    X = np.array([["a"], ["b"], ["a"], ["b"]], dtype=object)
    y = [1.5, 2.0, 3.0, 4.5]
    new = np.array([[None], [np.nan]], dtype=object)
    enc = TargetEncoder(smooth=0, handle_unknown="nan").fit(X, y)
    assert np.isnan(enc.transform(new)).all()
    enc = TargetEncoder(smooth=0).fit(X, y)
    np.testing.assert_allclose(enc.transform(new).ravel(), [2.75, 2.75], rtol=1e-15)
    with pytest.raises(ValueError, match="not seen in fit"):
        TargetEncoder(handle_unknown="error").fit(X, y).transform(new)


def test_none_nan_and_pd_na_are_one_category():
    X = np.array([[None], [np.nan], [pd.NA], ["a"]], dtype=object)
    enc = TargetEncoder(smooth=0, target_type="continuous").fit(X, [1.0, 2.0, 6.0, 10.0])
    np.testing.assert_allclose(enc.transform(X).ravel(), [3, 3, 3, 10], rtol=1e-15)
    assert enc.has_missing_.tolist() == [True]
