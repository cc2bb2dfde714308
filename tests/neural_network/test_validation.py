"""Bad input: a clear error naming the parameter and the value, and the estimator left as it was."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from regtune.exceptions import DivergenceError
from regtune.neural_network import MLPClassifier, MLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FAST = {"hidden_layer_sizes": (4,), "max_iter": 3, "random_state": 0}


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    return X, (X[:, 0] > 0).astype(int), X @ [1.0, -2.0, 0.5]


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"dropout": 1.0}, r"'dropout' parameter .* range \[0(\.0)?, 1(\.0)?\).* Got 1\.0"),
        ({"dropout": -0.1}, r"'dropout' parameter .* Got -0\.1"),
        ({"alpha": -1.0}, r"'alpha' parameter .* Got -1\.0"),
        ({"l1": -0.5}, r"'l1' parameter .* Got -0\.5"),
        ({"weight_decay": -2.0}, r"'weight_decay' parameter .* Got -2\.0"),
        ({"max_norm": 0.0}, r"'max_norm' parameter .* Got 0\.0"),
        ({"activation": "swish"}, r"'activation' parameter .* Got 'swish'"),
        ({"dropout_scaling": "none"}, r"'dropout_scaling' parameter .* Got 'none'"),
        ({"hidden_layer_sizes": (4, 0)}, r"hidden_layer_sizes must hold integers >= 1, got \(4, 0\)"),
        ({"solver": "lbfgs", "dropout": 0.2}, r"dropout needs solver='sgd' or 'adam'.*dropout=0\.2"),
        ({"solver": "lbfgs", "batch_norm": True}, r"batch_norm needs solver"),
    ],
)
@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_bad_parameters(data, Est, params, match):
    X, y_class, y_reg = data
    y = y_class if Est is MLPClassifier else y_reg
    with pytest.raises(ValueError, match=match):
        Est(**{**FAST, **params}).fit(X, y)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_x_or_y(data, bad):
    X, y_class, y_reg = data
    X_bad = X.copy()
    X_bad[3, 1] = bad
    with pytest.raises(ValueError, match=r"Input X contains (NaN|infinity)"):
        MLPClassifier(**FAST).fit(X_bad, y_class)
    y_bad = y_reg.copy()
    y_bad[2] = bad
    with pytest.raises(ValueError, match=r"Input y contains (NaN|infinity)"):
        MLPRegressor(**FAST).fit(X, y_bad)


def test_wrong_shapes(data):
    X, y_class, _ = data
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        MLPClassifier(**FAST).fit(X, y_class[:-1])
    clf = MLPClassifier(**FAST).fit(X, y_class)
    with pytest.raises(ValueError, match="X has 2 features, but MLPClassifier is expecting 3"):
        clf.predict(X[:, :2])


def test_one_class_and_string_target_for_the_regressor(data):
    X, _, _ = data
    with pytest.raises(ValueError, match=r"at least 2 classes.*got 1 class \('a'\)"):
        MLPClassifier(**FAST).fit(X, ["a"] * 30)
    with pytest.raises(ValueError, match=r"y must be numeric for MLPRegressor, got dtype <U3"):
        MLPRegressor(**FAST).fit(X, ["cat", "dog", "cow"] * 10)


def test_batch_norm_needs_two_rows():
    with pytest.raises(ValueError, match="batch_norm=True needs at least 2 training rows"):
        MLPRegressor(batch_norm=True, **FAST).fit([[1.0, 2.0]], [3.0])


def test_bad_mc_samples(data):
    X, y_class, _ = data
    clf = MLPClassifier(dropout=0.2, **FAST).fit(X, y_class)
    with pytest.raises(ValueError, match="mc_samples must be None or an integer >= 1, got 0"):
        clf.predict_proba(X, mc_samples=0)


def snapshot(est):
    return {
        k: (
            v.copy()
            if isinstance(v, np.ndarray)
            else [a.copy() for a in v]
            if k in ("coefs_", "intercepts_")
            else v
        )
        for k, v in vars(est).items()
    }


def assert_same(before, after):
    assert before.keys() == after.keys()
    for key, value in before.items():
        if key in ("coefs_", "intercepts_"):
            for a, b in zip(value, after[key]):
                np.testing.assert_array_equal(a, b)
        elif isinstance(value, np.ndarray):
            np.testing.assert_array_equal(value, after[key])
        elif key != "network_state_":
            assert value == after[key], key
    np.testing.assert_array_equal(before["network_state_"]["theta"], after["network_state_"]["theta"])


def test_a_failed_fit_leaves_the_estimator_as_it_was(data):
    X, y_class, _ = data
    clf = MLPClassifier(**FAST).fit(X, np.array(["no", "yes"])[y_class])
    before = snapshot(clf)
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    for bad_X, bad_y in [(X_nan, y_class), (X, y_class[:-1]), (X, ["a"] * 30)]:
        with pytest.raises(ValueError):
            clf.fit(bad_X, bad_y)
        assert_same(before, snapshot(clf))
    clf.set_params(dropout=2.0)
    before = snapshot(clf)
    with pytest.raises(ValueError):
        clf.fit(X, y_class)
    assert_same(before, snapshot(clf))


def test_divergence_raises_with_the_epoch_and_leaves_the_estimator_unfitted(data):
    X, _, y_reg = data
    reg = MLPRegressor(
        hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=1e8, max_iter=5, random_state=0
    )
    with (
        pytest.raises(DivergenceError, match=r"diverged at epoch [1-5]: non-finite"),
        np.errstate(all="ignore"),
    ):
        reg.fit(X, y_reg * 1e6)
    with pytest.raises(NotFittedError):
        reg.predict(X)
    with (
        pytest.raises(FloatingPointError, match=r"epoch [1-5]"),  # DivergenceError is one
        np.errstate(all="ignore"),
    ):
        list(reg.iter_fit(X, y_reg * 1e6))
