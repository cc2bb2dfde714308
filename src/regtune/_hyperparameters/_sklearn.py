"""The table's limits as scikit-learn parameter constraints (``_parameter_constraints``).

scikit-learn validates ``_parameter_constraints`` with the objects of its private module
``sklearn.utils._param_validation`` (``Interval``, ``StrOptions``, ``Options``); regtune's estimators
already depend on that contract, and this is the one place that builds them from the table. A
release that changes them fails ``tests/test_hyperparameters.py`` and the estimator checks.
"""

from ._table import HYPERPARAMETERS

__all__ = ["sklearn_constraints"]


def sklearn_constraints(step=None):
    """``{name: [constraint, ...]}`` of the hyperparameters ``step`` receives under their own name.

    ``step=None``: the pipeline's hyperparameters (searched, or with a pipeline default), the
    parameters of the tabular estimators. A constraint list accepts exactly the values
    ``Hyperparameter.check`` accepts: the kind within the bounds, the options, and the ``also``
    values (strings first, as scikit-learn lists them).
    """
    if step is None:
        return {e.name: _constraints(e) for e in HYPERPARAMETERS.values() if e.in_pipeline}
    return {e.name: _constraints(e) for e in HYPERPARAMETERS.values() if e.step == step and e.direct}


def _constraints(entry):
    from numbers import Integral, Real

    import numpy as np

    from .._sklearn_internals import Interval, Options, StrOptions

    words = {a for a in entry.also if isinstance(a, str)}
    out = [StrOptions(words)] if words else []
    b = entry.bounds
    if entry.kind == "float":
        out.append(Interval(Real, b.low, b.high, closed=b.closed))
    elif entry.kind == "int":
        out.append(Interval(Integral, b.low, b.high, closed=b.closed))
    elif entry.kind == "sizes":
        out += ["array-like", Interval(Integral, b.low, b.high, closed=b.closed)]
    elif entry.kind == "categorical":
        out.append(StrOptions(set(entry.options)))
    else:
        out.append({"bool": "boolean", "seed": "random_state", "verbose": "verbose"}[entry.kind])
    for value in entry.also:
        if value is None:
            out.append(None)
        elif not isinstance(value, str):
            out.append(Options(Real, {np.inf if value == np.inf else value}))
    return out
