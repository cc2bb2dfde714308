"""scikit-learn estimators on the regtune engine: ``MLPClassifier`` and ``MLPRegressor``."""

from ._classifier import MLPClassifier
from ._regressor import MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor"]
