"""Properties that hold for every input (hypothesis)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regtune import TargetEncoder

SETTINGS = settings(max_examples=40, deadline=None)
smooths = st.one_of(st.just("auto"), st.floats(0.0, 50.0))
levels = st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f", "g"]), min_size=6, max_size=40)


@st.composite
def binary_data(draw):
    column = draw(levels)
    y = draw(st.lists(st.integers(0, 1), min_size=len(column), max_size=len(column)))
    if len(set(y)) < 2:
        y[0], y[1] = 0, 1
    return np.array(column, dtype=object)[:, None], np.array(y)


@st.composite
def continuous_data(draw):
    column = draw(levels)
    values = st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False)
    y = draw(st.lists(values, min_size=len(column), max_size=len(column)))
    return np.array(column, dtype=object)[:, None], np.array(y)


@SETTINGS
@pytest.mark.filterwarnings("ignore:The least populated class:UserWarning")  # tiny draws
@given(binary_data(), smooths)
def test_binary_encodings_stay_in_unit_interval(data, smooth):
    X, y = data
    enc = TargetEncoder(smooth=smooth, cv=2, random_state=0, target_type="binary")
    for out in (enc.fit_transform(X, y), enc.transform(X)):
        assert np.all((out >= 0) & (out <= 1))


@SETTINGS
@given(continuous_data(), smooths)
def test_continuous_encodings_stay_within_target_range(data, smooth):
    X, y = data
    enc = TargetEncoder(smooth=smooth, cv=2, random_state=0, target_type="continuous")
    for out in (enc.fit_transform(X, y), enc.transform(X)):
        assert np.all((out >= y.min()) & (out <= y.max()))


@SETTINGS
@given(continuous_data(), smooths, st.randoms(use_true_random=False))
def test_row_order_does_not_change_fit_then_transform(data, smooth, random):
    X, y = data
    order = np.array(random.sample(range(len(y)), len(y)))
    enc = TargetEncoder(smooth=smooth, target_type="continuous")
    out = enc.fit(X, y).transform(X)
    shuffled = enc.fit(X[order], y[order]).transform(X)
    scale = max(1.0, np.abs(y).max())
    np.testing.assert_allclose(shuffled, out, rtol=1e-9, atol=1e-9 * scale)


@SETTINGS
@given(continuous_data(), smooths, st.lists(st.text(min_size=1, max_size=5), min_size=1))
def test_unseen_categories_map_to_prior(data, smooth, unseen):
    X, y = data
    enc = TargetEncoder(smooth=smooth, target_type="continuous").fit(X, y)
    new = np.array([v for v in unseen if v not in "abcdefg"] + ["zz-new"], dtype=object)[:, None]
    np.testing.assert_array_equal(enc.transform(new).ravel(), enc.target_mean_)
    np.testing.assert_allclose(enc.target_mean_, y.mean(), rtol=1e-9, atol=1e-9)
