"""The metric a study optimizes, in natural units, with its direction."""

from dataclasses import dataclass

import numpy as np

__all__ = ["Metric", "log_loss", "resolve_metric"]


@dataclass(frozen=True)
class Metric:
    """A metric in natural units: ``log_loss`` and ``rmse`` are minimized, ``roc_auc`` maximized.

    Attributes
    ----------
    name : str
        ``"log_loss"``, ``"rmse"``, or a scikit-learn scorer name without its ``neg_`` prefix.
    direction : {"minimize", "maximize"}
    scorer : str or None
        The scikit-learn scorer behind it (None for the built-in log loss and RMSE).
    """

    name: str
    direction: str
    scorer: str | None = None

    def __call__(self, model, X, y):
        """The metric of a fitted ``model`` on rows ``X`` with targets ``y``."""
        if self.name == "log_loss" and self.scorer is None:
            return log_loss(y, model.predict_proba(X), model.classes_)
        if self.name == "rmse" and self.scorer is None:
            residual = np.asarray(y, dtype=np.float64) - np.asarray(model.predict(X), np.float64)
            return float(np.sqrt(np.mean(residual**2)))
        from sklearn.metrics import get_scorer

        value = float(get_scorer(self.scorer)(model, X, y))
        return -value if self.direction == "minimize" else value


def log_loss(y, proba, classes):
    """Mean negative log-likelihood ``-mean_i log p_i[y_i]``, probabilities clipped to [eps, 1-eps].

    The same number as ``sklearn.metrics.log_loss(y, proba, labels=classes)`` without its input
    checks, which cost more than the network's epoch on small data (it is called every epoch).
    ``classes`` must be sorted, as an estimator's ``classes_`` are.
    """
    y = np.asarray(y)
    column = np.searchsorted(classes, y)
    column = np.minimum(column, len(classes) - 1)
    if not np.array_equal(np.asarray(classes)[column], y):
        raise ValueError(f"y holds labels the model does not know; its classes are {classes!r}")
    eps = np.finfo(np.float64).eps
    p = np.clip(np.asarray(proba, dtype=np.float64)[np.arange(len(y)), column], eps, 1 - eps)
    return float(-np.mean(np.log(p)))


def resolve_metric(metric, task):
    """The :class:`Metric` for a name (None: log loss for classification, RMSE for regression).

    Any scikit-learn scorer name is accepted (``"roc_auc"``, ``"accuracy"``, ``"r2"``,
    ``"neg_mean_absolute_error"``); a ``neg_`` scorer is reported without the sign and minimized, so
    ``"neg_mean_absolute_error"`` and ``"mean_absolute_error"`` name the same metric.
    """
    from sklearn.metrics import get_scorer_names

    if metric is None:
        metric = "rmse" if task == "regression" else "log_loss"
    if not isinstance(metric, str):
        raise ValueError(f"metric must be a metric or scikit-learn scorer name, got {metric!r}")
    if metric in ("log_loss", "neg_log_loss"):
        if task == "regression":
            raise ValueError("metric 'log_loss' needs a classification task, got 'regression'")
        return Metric("log_loss", "minimize")
    if metric in ("rmse", "neg_root_mean_squared_error", "root_mean_squared_error"):
        if task != "regression":
            raise ValueError(f"metric 'rmse' needs task 'regression', got {task!r}")
        return Metric("rmse", "minimize")
    names = set(get_scorer_names())
    if metric.startswith("neg_") and metric in names:
        return _checked(Metric(metric[4:], "minimize", metric), task)
    if "neg_" + metric in names:
        return _checked(Metric(metric, "minimize", "neg_" + metric), task)
    if metric in names:
        return _checked(Metric(metric, "maximize", metric), task)
    raise ValueError(
        f"metric must be 'log_loss', 'rmse' or a scikit-learn scorer name "
        f"(sklearn.metrics.get_scorer_names()), got {metric!r}"
    )


def _checked(metric, task):
    """Refuse a classification scorer for regression and a regression scorer for classification."""
    from .._sklearn_internals import scorer_function

    module = getattr(scorer_function(metric.scorer), "__module__", "")
    is_regression_metric = module.endswith("_regression")
    is_class_metric = module.endswith(("_classification", "_ranking"))
    if (task == "regression" and is_class_metric) or (task != "regression" and is_regression_metric):
        kind = "regression" if is_regression_metric else "classification"
        raise ValueError(f"metric {metric.name!r} is a {kind} metric, got task {task!r}")
    return metric
