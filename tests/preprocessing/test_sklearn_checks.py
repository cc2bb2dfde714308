"""scikit-learn's estimator checks for both transformers (clone, params, fitted state, NaN, pandas...)."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from regtune.preprocessing import CategoricalEncoder, NumericScaler


@parametrize_with_checks(
    [CategoricalEncoder(), NumericScaler(), NumericScaler(scaling="standard", clip=False)]
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
