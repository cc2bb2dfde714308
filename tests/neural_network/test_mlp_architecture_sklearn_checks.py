"""scikit-learn's own estimator checks for each architecture option: feature scaling, the three
numeric embeddings and the k-member network."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from regtune.neural_network import MLPClassifier, MLPRegressor

# the checks train for a fixed, small number of epochs on purpose
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SMALL = {"hidden_layer_sizes": (16,), "learning_rate_init": 0.01, "max_iter": 100, "random_state": 0}
CONFIGS = [
    {"feature_scaling": True},
    {"numeric_embedding": "pbld"},
    {"numeric_embedding": "plr"},
    {"numeric_embedding": "ple", "n_bins": 4},
    {"n_members": 3},
]
ESTIMATORS = [Est(**SMALL, **cfg) for cfg in CONFIGS for Est in (MLPClassifier, MLPRegressor)]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check):
    check(estimator)
