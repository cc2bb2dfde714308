"""CategoricalEncoder: the cardinality switch, one-hot and +-1 columns against a naive loop, unknown and
missing values, target-encoded columns against regtune's TargetEncoder, names, and a ColumnTransformer."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.compose import ColumnTransformer

from regtune import TargetEncoder
from regtune.preprocessing import CategoricalEncoder, NumericScaler


def naive_one_hot(values, levels):
    """One row per value, a 1 in the column of its level (None matches a missing value)."""
    out = np.zeros((len(values), len(levels)))
    for i, value in enumerate(values):
        for k, level in enumerate(levels):
            missing = value is None or (isinstance(value, float) and np.isnan(value))
            if (level is None and missing) or (level is not None and not missing and value == level):
                out[i, k] = 1.0
    return out


def test_the_switch_at_and_above_the_threshold():
    rng = np.random.default_rng(0)
    n = 400
    X = pd.DataFrame(
        {
            "at": rng.choice(list("abcd"), n),  # 4 levels
            "above": rng.choice(list("abcde"), n),  # 5 levels
            "missing_tips_it": rng.choice(np.array(["a", "b", "c", "d", None], dtype=object), n),
        }
    )
    y = rng.normal(size=n)
    encoder = CategoricalEncoder(max_onehot=4, random_state=0).fit(X, y)
    assert encoder.encoding_ == {"at": "onehot", "above": "target", "missing_tips_it": "target"}
    assert_array_equal(encoder.n_levels_, [4, 5, 5])
    assert_array_equal(encoder.has_missing_, [False, False, True])
    assert encoder.transform(X).shape == (n, 4 + 1 + 1)
    assert CategoricalEncoder(max_onehot=5).fit(X, y).encoding_ == dict.fromkeys(X.columns, "onehot")
    assert CategoricalEncoder(max_onehot=3).fit(X, y).encoding_ == dict.fromkeys(X.columns, "target")


def test_one_hot_columns_match_a_naive_loop_with_unknown_and_missing_values():
    train = np.array(["b", "a", None, "c", "a", np.nan], dtype=object)
    encoder = CategoricalEncoder().fit(train.reshape(-1, 1))
    assert encoder.encoding_ == {"x0": "onehot"}
    assert_array_equal(encoder.categories_[0], ["a", "b", "c"])
    levels = ["a", "b", "c", None]  # sorted, the missing level last
    new = np.array(["c", "zzz", None, "a", np.nan, "b"], dtype=object)
    for values in (train, new):
        assert_array_equal(encoder.transform(values.reshape(-1, 1)), naive_one_hot(values, levels))
    assert_array_equal(encoder.transform([["zzz"]]), [[0, 0, 0, 0]])  # unseen: an all-zero row
    assert_array_equal(encoder.get_feature_names_out(), ["x0_a", "x0_b", "x0_c", "x0_nan"])


def test_missing_values_unseen_in_fit_are_unknown():
    encoder = CategoricalEncoder().fit(np.array([["a"], ["b"], ["c"]], dtype=object))
    assert_array_equal(encoder.transform(np.array([[None], ["b"]], dtype=object)), [[0, 0, 0], [0, 1, 0]])


def test_a_binary_column_is_one_plus_minus_one_column():
    X = pd.DataFrame({"smoker": ["yes", "no", "no", "yes"], "flag": [True, False, True, True]})
    encoder = CategoricalEncoder().fit(X)
    assert encoder.encoding_ == {"smoker": "binary", "flag": "binary"}
    assert_array_equal(encoder.get_feature_names_out(), ["smoker_yes", "flag_True"])
    new = pd.DataFrame({"smoker": ["no", "yes", "maybe"], "flag": [False, True, True]})
    assert_array_equal(encoder.transform(new), [[-1, -1], [1, 1], [0, 1]])  # unseen "maybe": 0


def test_a_value_and_missing_make_a_binary_column_with_missing_as_plus_one():
    X = np.array([["a"], [None], ["a"]], dtype=object)
    encoder = CategoricalEncoder().fit(X)
    assert encoder.encoding_ == {"x0": "binary"}
    assert_array_equal(encoder.get_feature_names_out(), ["x0_nan"])
    assert_array_equal(encoder.transform(np.array([["a"], [None], ["b"]], dtype=object)), [[-1], [1], [0]])


def test_target_columns_equal_regtune_target_encoder_on_those_columns():
    rng = np.random.default_rng(1)
    n = 600
    high = rng.choice([f"c{i}" for i in range(40)], n).astype(object)
    high[rng.random(n) < 0.05] = None
    X = pd.DataFrame({"low": rng.choice(["p", "q", "r"], n), "high": high})
    y = rng.normal(size=n) + (X["low"] == "q")
    encoder = CategoricalEncoder(smooth=2.0, random_state=7)
    reference = TargetEncoder(smooth=2.0, random_state=7)
    assert_allclose(encoder.fit_transform(X, y)[:, 3], reference.fit_transform(X[["high"]], y).ravel())
    X_new = pd.DataFrame({"low": ["p", "s"], "high": ["c3", "never seen"]})
    assert_allclose(encoder.transform(X_new)[:, 3], reference.transform(X_new[["high"]]).ravel())
    assert encoder.transform(X_new)[1, 3] == reference.target_mean_  # unknown: the prior
    assert encoder.target_encoder_.smooth == 2.0


def test_multiclass_target_gives_one_column_per_class():
    rng = np.random.default_rng(2)
    n = 300
    X = pd.DataFrame({"city": rng.choice([f"t{i}" for i in range(20)], n), "size": rng.choice(["s", "m"], n)})
    y = rng.choice(["red", "green", "blue"], n)
    encoder = CategoricalEncoder(smooth=5.0, random_state=0)
    out = encoder.fit_transform(X, y)
    assert encoder.encoding_ == {"city": "target", "size": "binary"}
    names = ["city_blue", "city_green", "city_red", "size_s"]
    assert_array_equal(encoder.get_feature_names_out(), names)
    assert out.shape == (n, 4)
    # m-estimates of the one-vs-rest rates, all toward their priors with the same m: they sum to 1.
    assert_allclose(encoder.transform(X)[:, :3].sum(axis=1), 1.0, rtol=1e-12)
    assert_allclose(out[:, :3], TargetEncoder(smooth=5.0, random_state=0).fit_transform(X[["city"]], y))


def test_fit_transform_is_leak_free_on_a_noise_column():
    # 1000 levels, ~2 rows each, labels independent of the column (see tests/encoding/test_leakage.py):
    # encoded out of fold, the training rows carry no label information; encoded with their own
    # labels (fit().transform()), they correlate strongly with them.
    rng = np.random.default_rng(0)
    n = 2000
    X = pd.DataFrame({"id": rng.integers(0, 1000, n).astype(str)})
    y = rng.integers(0, 2, n)
    encoder = CategoricalEncoder(random_state=0)
    assert encoder.fit(X, y).encoding_ == {"id": "target"}
    cross_fitted = encoder.fit_transform(X, y).ravel()
    leaky = encoder.fit(X, y).transform(X).ravel()
    assert abs(np.corrcoef(cross_fitted, y)[0, 1]) < 0.1
    assert np.corrcoef(leaky, y)[0, 1] > 0.5


def test_inside_a_column_transformer_with_pandas_dtypes():
    rng = np.random.default_rng(3)
    n = 120
    X = pd.DataFrame(
        {
            "s": pd.array(rng.choice(["a", "b", "c"], n), dtype="string"),
            "k": pd.Categorical(rng.choice(["x", "y"], n)),
            "o": rng.choice(np.array(["p", None], dtype=object), n),
            "b": pd.array(rng.random(n) < 0.5, dtype="boolean"),
            "id": rng.choice([f"u{i}" for i in range(30)], n),
            "age": np.where(rng.random(n) < 0.1, np.nan, rng.normal(40, 10, n)),
        }
    )
    y = rng.normal(size=n)
    columns = ColumnTransformer(
        [
            ("cat", CategoricalEncoder(random_state=0), ["s", "k", "o", "b", "id"]),
            ("num", NumericScaler(), ["age"]),
        ]
    )
    out = columns.fit_transform(X, y)
    expected = ["cat__s_a", "cat__s_b", "cat__s_c", "cat__k_y", "cat__o_nan", "cat__b_True", "cat__id"]
    expected += ["num__age", "num__missingindicator_age"]
    assert_array_equal(columns.get_feature_names_out(), expected)
    assert out.shape == (n, len(expected))
    new = X.head(3).copy()
    new.loc[0, "b"] = pd.NA  # missing, unseen in fit: 0 in the binary column
    frame = columns.set_output(transform="pandas").transform(new)
    assert list(frame.columns) == expected
    assert frame.loc[0, "cat__b_True"] == 0.0


def test_numpy_and_list_input_name_columns_x0_x1():
    X = [["a", "u"], ["b", "v"], ["a", "w"]]
    encoder = CategoricalEncoder(max_onehot=2).fit(X, [1.0, 2.0, 3.5])
    assert encoder.encoding_ == {"x0": "binary", "x1": "target"}
    assert_array_equal(encoder.get_feature_names_out(["c0", "c1"]), ["c0_b", "c1"])


def test_y_is_needed_only_for_target_encoded_columns():
    X = np.array([["a"], ["b"], ["c"]], dtype=object)
    assert CategoricalEncoder().fit_transform(X).shape == (3, 3)
    with pytest.raises(ValueError, match="CategoricalEncoder requires y to be passed"):
        CategoricalEncoder(max_onehot=2).fit(X)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"max_onehot": -1}, "max_onehot must be an int >= 0, got -1"),
        ({"max_onehot": 2.5}, "max_onehot must be an int >= 0, got 2.5"),
        ({"smooth": -1}, "smooth must be 'auto' or a finite number >= 0, got -1"),
        ({"cv": 1}, "cv must be an int >= 2"),
    ],
)
def test_invalid_parameters_fail_even_without_a_target_encoded_column(params, message):
    with pytest.raises(ValueError, match=message):
        CategoricalEncoder(**params).fit(np.array([["a"], ["b"]], dtype=object))


def test_polars_pandas_and_numpy_input_give_the_same_encoding():
    import polars as pl

    rng = np.random.default_rng(4)
    n = 200
    data = {
        "low": rng.choice(["a", "b", "c"], n).tolist(),
        "high": rng.choice(list("abcdefghijk"), n).tolist(),
    }
    y = rng.normal(size=n)
    outputs = []
    for X in (pd.DataFrame(data), pl.DataFrame(data), np.array([data["low"], data["high"]], dtype=object).T):
        encoder = CategoricalEncoder(random_state=0)
        outputs.append((encoder.fit_transform(X, y), encoder.transform(X)))
    for fitted, transformed in outputs[1:]:
        assert_array_equal(fitted, outputs[0][0])
        assert_array_equal(transformed, outputs[0][1])
