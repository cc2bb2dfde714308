"""One table of hyperparameters, and what is derived from it.

Each entry (``_table.py``) declares a hyperparameter's name, kind, limits, default, search range,
docs, receiving pipeline step and whether the report groups it with regularization. Derived from it:
the estimators' ``_parameter_constraints`` (:func:`sklearn_constraints`) and parameter docs
(``Hyperparameter.doc_entry``), the search space's default ranges and limits (``SearchSpace``), the
routing of a configuration to the pipeline's steps (:func:`route`, which multiplies a per-row
strength such as ``alpha_per_row`` by the number of training rows and divides ``decay_per_step``
by the learning rate) and the report's grouping
(:func:`regularization_names`). Adding a hyperparameter is one entry plus its implementation.

This package imports neither scikit-learn (until :func:`sklearn_constraints` is called) nor Optuna,
so ``neural_network``, ``tuning`` and ``report`` all import it without an upward arrow.
"""

from ._entry import (
    CATEGORICAL,
    MLP,
    NUMERIC,
    STEP_DEFAULT,
    Bounds,
    ByTask,
    Derived,
    DividedBy,
    Hyperparameter,
    PerRow,
    Search,
)
from ._route import route
from ._sklearn import sklearn_constraints
from ._table import HYPERPARAMETERS

__all__ = [
    "CATEGORICAL",
    "HYPERPARAMETERS",
    "MLP",
    "NUMERIC",
    "STEP_DEFAULT",
    "Bounds",
    "ByTask",
    "Derived",
    "DividedBy",
    "Hyperparameter",
    "PerRow",
    "Search",
    "parameters_doc",
    "pipeline_configuration",
    "pipeline_entries",
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


def parameters_doc(step=None, *, task=None):
    """The numpydoc ``Parameters`` section of the estimator that receives ``step``'s own names.

    ``step=None``: the pipeline's hyperparameters with their pipeline defaults for ``task`` (the
    tabular estimators' parameters), without the heading, so the estimator can add its own.
    """
    if step is None:
        return "".join(e.doc_entry(task=task) for e in pipeline_entries())
    entries = [e for e in HYPERPARAMETERS.values() if e.step == step and e.direct]
    return "    Parameters\n    ----------\n" + "".join(e.doc_entry() for e in entries)


def pipeline_entries():
    """The tuned pipeline's hyperparameters (searched, or with a pipeline default), in table order."""
    return [e for e in HYPERPARAMETERS.values() if e.in_pipeline]


def pipeline_configuration(params=None, *, task):
    """``params`` completed with the pipeline defaults for ``task`` (``"binary"``,
    ``"multiclass"`` or ``"regression"``) of the names it does not set.

    A default is left out when ``params`` already sets the step argument it would set
    (``hidden_layer_sizes`` given: no ``n_layers`` or ``width``; ``max_iter`` given: no
    ``max_epochs``), so a configuration never sets an argument twice because of a default; the
    names of one derived argument complete each other (``width`` given: ``n_layers`` defaults).

    Examples
    --------
    >>> config = pipeline_configuration({"width": 8, "max_iter": 5}, task="regression")
    >>> config["n_layers"], config["width"], "max_epochs" in config, config["early_stopping"]
    (3, 8, False, True)
    """
    params = dict(params or {})
    given = [HYPERPARAMETERS[name] for name in params if name in HYPERPARAMETERS]

    def taken(entry):
        """A given name sets the argument ``entry`` would set, other than as its derived sibling."""
        derived = isinstance(entry.argument, Derived)
        return any(g.target == entry.target and not (derived and g.argument == entry.argument) for g in given)

    defaults = {
        e.name: e.pipeline_value(task) for e in pipeline_entries() if e.name not in params and not taken(e)
    }
    return {**defaults, **params}
