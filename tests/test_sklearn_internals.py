"""The door to scikit-learn's private API (``regtune._sklearn_internals``) against the installed
scikit-learn: the names exist with the signatures regtune calls, and each does its job."""

import inspect
from numbers import Integral, Real

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.metrics import log_loss, r2_score, roc_auc_score
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.utils import validation

from regtune._sklearn_internals import (
    Interval,
    Options,
    StrOptions,
    check_sample_weight,
    kfold_test_indices,
    scorer_function,
    stratified_test_folds,
    validate_params,
)


def _parameters(function):
    return list(inspect.signature(function).parameters)


def test_the_private_names_exist_with_their_signatures():
    weight_parameters = inspect.signature(validation._check_sample_weight).parameters
    assert _parameters(validation._check_sample_weight)[:2] == ["sample_weight", "X"]
    for keyword in ("dtype", "ensure_non_negative"):
        assert weight_parameters[keyword].kind == inspect.Parameter.KEYWORD_ONLY
    assert _parameters(KFold._iter_test_indices)[:3] == ["self", "X", "y"]
    assert _parameters(StratifiedKFold._make_test_folds) == ["self", "X", "y"]
    assert _parameters(Interval)[:3] == ["type", "left", "right"]
    assert "closed" in _parameters(Interval)
    assert _parameters(Options)[:2] == ["type", "options"]
    assert _parameters(StrOptions)[0] == "options"
    assert hasattr(BaseEstimator, "_validate_params")


class _Constrained(BaseEstimator):
    _parameter_constraints = {  # noqa: RUF012  (scikit-learn's convention: a plain class dict)
        "rate": [Interval(Real, 0, 1, closed="left")],
        "size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "mode": [Options(str, {"a", "b"})],
    }

    def __init__(self, rate=0.5, size="auto", mode="a"):
        self.rate, self.size, self.mode = rate, size, mode


def test_constraints_refuse_a_bad_parameter():
    validate_params(_Constrained(rate=0.0, size=3, mode="b"))
    validate_params(_Constrained())
    for bad, name in (({"rate": 1.0}, "rate"), ({"size": 0}, "size"), ({"mode": "c"}, "mode")):
        with pytest.raises(ValueError, match=rf"The '{name}' parameter of _Constrained must be"):
            validate_params(_Constrained(**bad))


def test_check_sample_weight():
    X = np.zeros((4, 2), dtype=np.float32)
    ones = check_sample_weight(None, X, dtype=X.dtype)
    np.testing.assert_array_equal(ones, np.ones(4))
    assert ones.dtype == np.float32
    np.testing.assert_array_equal(check_sample_weight([1, 2, 0, 3], X, dtype=np.float64), [1, 2, 0, 3])
    with pytest.raises(ValueError, match="Negative values in data passed to"):
        check_sample_weight([1, -2, 0, 3], X, ensure_non_negative=True)
    with pytest.raises(ValueError, match=r"sample_weight.shape == \(3,\), expected \(4,\)"):
        check_sample_weight([1, 2, 3], X)


def test_scorer_function():
    assert scorer_function("r2") is r2_score
    assert scorer_function("neg_log_loss") is log_loss
    assert scorer_function("roc_auc") is roc_auc_score
    # tuning/_metrics.py tells regression from classification metrics by these modules.
    assert scorer_function("neg_root_mean_squared_error").__module__.endswith("_regression")
    assert scorer_function("accuracy").__module__.endswith("_classification")
    assert scorer_function("average_precision").__module__.endswith("_ranking")


@pytest.mark.parametrize("shuffle", [False, True])
def test_fold_assignments_match_split(shuffle):
    rng = np.random.default_rng(0)
    X = np.zeros((53, 1))
    y = rng.integers(0, 3, size=53)
    seed = 7 if shuffle else None
    kfold = KFold(n_splits=4, shuffle=shuffle, random_state=seed)
    tested = [np.asarray(test) for test in kfold_test_indices(kfold, X, y)]
    split = [test for _train, test in kfold.split(X, y)]
    assert len(tested) == len(split) == 4
    for mine, theirs in zip(tested, split):
        np.testing.assert_array_equal(np.sort(mine), theirs)
    stratified = StratifiedKFold(n_splits=4, shuffle=shuffle, random_state=seed)
    fold = stratified_test_folds(stratified, X, y)
    for k, (_train, test) in enumerate(stratified.split(X, y)):
        np.testing.assert_array_equal(np.flatnonzero(fold == k), test)
