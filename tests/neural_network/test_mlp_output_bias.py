"""output_bias="prior": the network starts as the best constant model of the training rows."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from regtune import MLPClassifier, MLPRegressor

# Zero inputs and a learning rate of 1e-12: hidden units output relu(0) = 0, nothing moves, and
# the prediction after one epoch is the output layer's initial bias.
FROZEN = dict(hidden_layer_sizes=(4,), learning_rate_init=1e-12, max_iter=1, random_state=0)


def _fit(model, y, sample_weight=None):
    X = np.zeros((len(y), 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y, sample_weight=sample_weight), X


def test_regressor_starts_at_the_weighted_mean_target():
    y = np.array([6.0, 6.5, 7.0, 5.5])
    w = np.array([1.0, 2.0, 1.0, 0.5])
    model, X = _fit(MLPRegressor(**FROZEN), y, w)
    np.testing.assert_allclose(model.predict(X), np.average(y, weights=w), rtol=1e-6)
    zero, X = _fit(MLPRegressor(output_bias="zero", **FROZEN), y, w)
    np.testing.assert_allclose(zero.predict(X), 0.0, atol=1e-6)


def test_multi_output_regressor_starts_at_each_outputs_mean():
    Y = np.array([[1.0, -3.0], [2.0, -5.0], [3.0, -4.0]])
    model, X = _fit(MLPRegressor(**FROZEN), Y)
    np.testing.assert_allclose(model.predict(X), np.tile(Y.mean(axis=0), (3, 1)), rtol=1e-6)


@pytest.mark.parametrize("labels", [["no", "yes", "yes", "yes"], [0, 1, 1, 2, 2, 2, 2, 2]])
def test_classifier_starts_at_the_class_rates(labels):
    y = np.array(labels)
    model, X = _fit(MLPClassifier(**FROZEN), y)
    rates = np.array([np.mean(y == c) for c in model.classes_])
    np.testing.assert_allclose(model.predict_proba(X), np.tile(rates, (len(y), 1)), rtol=1e-6)
    zero, X = _fit(MLPClassifier(output_bias="zero", **FROZEN), y)
    uniform = np.full(len(model.classes_), 1 / len(model.classes_))
    np.testing.assert_allclose(zero.predict_proba(X), np.tile(uniform, (len(y), 1)), rtol=1e-6)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_with_early_stopping_the_network_also_starts_at_the_target():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = 100 + rng.normal(size=200)
    model = MLPRegressor(early_stopping=True, max_iter=5, random_state=0).fit(X, y)
    assert abs(model.predict(X).mean() - 100) < 1  # started near the target, not near 0


def test_bad_value_is_refused():
    with pytest.raises(ValueError, match="output_bias"):
        MLPRegressor(output_bias="mean").fit(np.zeros((4, 2)), np.arange(4.0))
