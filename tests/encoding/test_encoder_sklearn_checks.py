"""scikit-learn's estimator checks (the transformer contract: clone, params, fitted state...)."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from regtune import TargetEncoder


@parametrize_with_checks([TargetEncoder()])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
