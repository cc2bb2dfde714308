"""NumericScaler: the formulas on hand-computed values, the fallbacks, the indicators, and peers."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import RobustScaler, StandardScaler

from regtune.preprocessing import NumericScaler
from regtune.preprocessing._numeric import smooth_clip

NAN = np.nan


def test_smooth_clip_hand_values():
    # z / sqrt(1 + (z/3)^2): z=3 -> 3/sqrt(2); z=4 -> 4/sqrt(1 + 16/9) = 4/(5/3) = 2.4;
    # z=-0.5 -> -0.5/sqrt(1 + 1/36) = -3/sqrt(37); z=0 -> 0.
    z = np.array([3.0, 4.0, -0.5, 0.0])
    assert_allclose(smooth_clip(z), [3 / np.sqrt(2), 2.4, -3 / np.sqrt(37), 0.0], rtol=1e-15)
    # bound 1: z=1 -> 1/sqrt(2).
    assert_allclose(smooth_clip(np.array([1.0]), bound=1.0), [1 / np.sqrt(2)], rtol=1e-15)
    # Far values go to +-bound, without overflow (squaring 1e200 would give inf and then 0).
    far = smooth_clip(np.array([-1e12, 1e200, 1e308, -np.inf, np.inf]))
    assert_allclose(far, [-3.0, 3.0, 3.0, -3.0, 3.0], rtol=1e-15)
    assert np.all(np.abs(smooth_clip(np.linspace(-1e6, 1e6, 1001))) <= 3.0)


def test_smooth_clip_of_extreme_inputs_stays_finite():
    # IQR 0.75 - 0.25 = 0.5, so z = (1.7e308 - 0.5) / 0.5 overflows to inf: the output is the bound.
    scaler = NumericScaler().fit(np.array([[0.0], [0.25], [0.5], [0.75], [1.0]]))
    assert_allclose(scaler.scale_, [0.5])
    assert_allclose(scaler.transform(np.array([[1.7e308], [-1.7e308]])).ravel(), [3.0, -3.0])


def test_robust_scaling_and_clip_hand_values():
    # Sorted -9, 1, 3, 5, 15 (n=5): median = 3; q25 at position 0.25*4 = 1 -> 1; q75 at 3 -> 5.
    # IQR = 4, so z = (x - 3)/4 = -3, -0.5, 0, 0.5, 3.
    X = np.array([[1.0], [-9.0], [3.0], [15.0], [5.0]])
    scaler = NumericScaler(clip=False).fit(X)
    assert_allclose(scaler.center_, [3.0])
    assert_allclose(scaler.scale_, [4.0])
    assert_allclose(scaler.transform(X).ravel(), [-0.5, -3.0, 0.0, 3.0, 0.5], rtol=1e-15)
    clipped = NumericScaler().fit(X).transform(np.array([[1.0], [-9.0], [3.0], [15.0], [19.0]]))
    # 19 -> z = 16/4 = 4 -> 2.4 (see the smooth-clip values above).
    expected = [-3 / np.sqrt(37), -3 / np.sqrt(2), 0.0, 3 / np.sqrt(2), 2.4]
    assert_allclose(clipped.ravel(), expected, rtol=1e-14)


def test_robust_quantiles_interpolate_between_order_statistics():
    # Sorted 0, 1, 2, 10 (n=4): q25 at position 0.75 -> 0 + 0.75*(1-0) = 0.75;
    # median at 1.5 -> 1.5; q75 at 2.25 -> 2 + 0.25*(10-2) = 4. IQR = 3.25.
    scaler = NumericScaler(clip=False).fit(np.array([[10.0], [0.0], [2.0], [1.0]]))
    assert_allclose(scaler.center_, [1.5])
    assert_allclose(scaler.scale_, [3.25])


def test_zero_iqr_falls_back_to_half_the_range():
    # Sorted -2, 0, 0, 0, 0, 4 (n=6): q25 at position 1.25 -> 0, q75 at 3.75 -> 0: IQR = 0.
    # Fallback: (max - min)/2 = (4 - (-2))/2 = 3; median 0. So z = x/3.
    X = np.array([[0.0], [4.0], [0.0], [-2.0], [0.0], [0.0]])
    scaler = NumericScaler(clip=False).fit(X)
    assert_allclose(scaler.scale_, [3.0])
    assert_allclose(scaler.transform(X).ravel(), [0, 4 / 3, 0, -2 / 3, 0, 0], rtol=1e-15)


@pytest.mark.parametrize("scaling", ["robust", "standard"])
def test_a_column_without_spread_or_values_becomes_zero(scaling):
    X = np.array([[7.0, NAN], [7.0, NAN], [7.0, NAN]])
    scaler = NumericScaler(scaling=scaling).fit(X)
    assert_array_equal(scaler.scale_, [np.inf, np.inf])
    assert_array_equal(scaler.median_, [7.0, 0.0])
    out = scaler.transform(np.array([[7.0, 1.0], [8.0, NAN], [-1e6, 5.0]]))
    # Two zero value columns, then the indicator of column 1 (all missing in fit).
    assert_array_equal(out, [[0, 0, 0], [0, 0, 1], [0, 0, 0]])


def test_missing_values_filled_with_the_median_and_flagged():
    # Column 0 observed 1, 2, 3, 4, 100 -> median 3, q25 2, q75 4: the filled value is z = 0.
    # Column 1 has no missing value in fit: no indicator, and a NaN at transform is filled silently.
    X = np.array([[1, 5], [2, 6], [NAN, 7], [3, 8], [4, 9], [100, 10]], dtype=float)
    scaler = NumericScaler(clip=False).fit(X)
    assert_array_equal(scaler.missing_features_, [0])
    out = scaler.fit_transform(X)
    assert out.shape == (6, 3)
    assert_allclose(out[:, 0], [-1, -0.5, 0, 0, 0.5, 48.5])
    assert_array_equal(out[:, 2], [0, 0, 1, 0, 0, 0])
    new = scaler.transform(np.array([[NAN, NAN]]))
    assert_allclose(new, [[0.0, 0.0, 1.0]])  # column 1's median 7.5 -> z = 0, no indicator
    assert_array_equal(scaler.get_feature_names_out(), ["x0", "x1", "missingindicator_x0"])
    without = NumericScaler(add_indicator=False).fit(X)
    assert without.transform(X).shape == (6, 2)
    assert len(without.missing_features_) == 0


def test_standard_scaling_matches_simple_imputer_and_standard_scaler():
    rng = np.random.default_rng(0)
    X = rng.normal(loc=[1.0, -5.0, 20.0], scale=[1.0, 3.0, 0.1], size=(200, 3))
    X[rng.random(X.shape) < 0.15] = NAN
    ours = NumericScaler(scaling="standard", clip=False).fit_transform(X)
    # The peers, each on what it is the oracle for: SimpleImputer for the fill values and the
    # indicators; StandardScaler, fitted on X itself (it ignores NaN), for mean and std.
    imputer = SimpleImputer(strategy="median", add_indicator=True).fit(X)
    filled_and_flags = imputer.transform(X)
    scaled = StandardScaler().fit(X).transform(filled_and_flags[:, :3])
    assert_allclose(ours[:, :3], scaled, rtol=1e-12, atol=1e-12)
    assert_array_equal(ours[:, 3:], filled_and_flags[:, 3:])


def test_robust_scaling_matches_robust_scaler_when_the_iqr_is_positive():
    rng = np.random.default_rng(1)
    X = rng.standard_t(df=2, size=(301, 4))
    X[rng.random(X.shape) < 0.1] = NAN
    ours = NumericScaler(clip=False, add_indicator=False).fit(X)
    peer = RobustScaler().fit(X)
    assert_allclose(ours.center_, peer.center_, rtol=1e-14)
    assert_allclose(ours.scale_, peer.scale_, rtol=1e-14)
    X_new = rng.standard_t(df=2, size=(50, 4))
    assert_allclose(ours.transform(X_new), peer.transform(X_new), rtol=1e-12, atol=1e-14)


def test_pandas_frame_names_and_float32_input():
    X = pd.DataFrame({"age": [20.0, 30.0, NAN, 50.0], "income": np.float32([1, 2, 3, 4])})
    scaler = NumericScaler().fit(X)
    assert_array_equal(scaler.get_feature_names_out(), ["age", "income", "missingindicator_age"])
    out = scaler.transform(X)
    assert out.dtype == np.float64 and out.shape == (4, 3)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"scaling": "minmax"}, "scaling must be one of ('robust', 'standard'), got 'minmax'"),
        ({"clip": "yes"}, "clip must be a bool, got 'yes'"),
        ({"add_indicator": 1}, "add_indicator must be a bool, got 1"),
        ({"clip_bound": 0}, "clip_bound must be a finite number > 0, got 0"),
        ({"clip_bound": np.inf}, "clip_bound must be a finite number > 0, got inf"),
    ],
)
def test_invalid_parameters_name_the_rule_and_the_value(params, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        NumericScaler(**params).fit(np.ones((3, 1)))


def test_infinite_values_are_refused():
    with pytest.raises(ValueError, match="infinity"):
        NumericScaler().fit(np.array([[1.0], [np.inf]]))
