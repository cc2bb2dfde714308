"""TabularRegressor and TabularClassifier: scikit-learn's contract, raw frames, save/load, the pipeline."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from regtune import TabularClassifier, TabularRegressor


@parametrize_with_checks([TabularRegressor(random_state=0), TabularClassifier(random_state=0)])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)
