"""One table of hyperparameters, and what is derived from it.

Each entry (``_table.py``) declares a hyperparameter's name, kind, limits, default, search range,
docs, receiving pipeline step and whether the report groups it with regularization. Derived from it:
the estimators' ``_parameter_constraints`` (:func:`sklearn_constraints`) and parameter docs
(``Hyperparameter.doc_entry``), the search space's default ranges and limits (``SearchSpace``), the
routing of a configuration to the pipeline's steps (:func:`route`, which multiplies a per-row
strength such as ``alpha_per_row`` by the number of training rows) and the report's grouping
(:func:`regularization_names`). Adding a hyperparameter is one entry plus its implementation.

This package imports neither scikit-learn (until :func:`sklearn_constraints` is called) nor Optuna,
so ``neural_network``, ``tuning`` and ``report`` all import it without an upward arrow.
"""

from ._entry import MLP, TARGET_ENCODER, Bounds, Derived, Hyperparameter, PerRow, Search
from ._route import route
from ._sklearn import sklearn_constraints
from ._table import HYPERPARAMETERS

__all__ = [
    "HYPERPARAMETERS",
    "MLP",
    "TARGET_ENCODER",
    "Bounds",
    "Derived",
    "Hyperparameter",
    "PerRow",
    "Search",
    "parameters_doc",
    "regularization_names",
    "route",
    "searched",
    "sklearn_constraints",
]


def searched():
    """The entries with a default search range, in table order (the order a trial samples them)."""
    return [e for e in HYPERPARAMETERS.values() if e.search is not None]


def regularization_names():
    """The names the report shows in its regularization section, in table order."""
    return tuple(e.name for e in HYPERPARAMETERS.values() if e.regularization)


def parameters_doc(step):
    """The numpydoc ``Parameters`` section of the estimator that receives ``step``'s own names."""
    entries = [e for e in HYPERPARAMETERS.values() if e.step == step and e.direct]
    return "    Parameters\n    ----------\n" + "".join(e.doc_entry() for e in entries)
