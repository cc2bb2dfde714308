"""A configuration's way to the pipeline: each hyperparameter to the step and argument that take it."""

from numbers import Integral, Real

from ._entry import Derived, DividedBy, PerRow
from ._table import HYPERPARAMETERS

__all__ = ["route"]


def route(params, steps, *, n_rows=None):
    """The keyword arguments of each step for a configuration ``params``.

    Parameters
    ----------
    params : dict
        ``name -> value``, names from the table (a sampled configuration, a params TOML file).
    steps : iterable of str
        The steps the caller builds (``build_pipeline``: the network, the categorical encoder and
        the numeric scaler).
    n_rows : int, optional
        The number of rows the steps are fitted on. A per-row strength (``alpha_per_row``) reaches
        its step as ``value * n_rows`` (``alpha``), so it needs ``n_rows``. A value divided by
        another (``decay_per_step``) reaches its step as ``value / divisor`` (``weight_decay =
        decay_per_step / learning_rate_init``), the divisor taken from ``params`` or, when
        ``params`` lacks it, its table default.

    Returns
    -------
    dict
        ``step -> {argument: value}``; a step that no name reaches is absent.

    Raises
    ------
    ValueError
        For a name the table does not have, a name whose step is not in ``steps``, and two names
        that set the same argument (``max_epochs`` and ``max_iter``, ``alpha`` and
        ``alpha_per_row``), a per-row strength without ``n_rows``, and a divisor that is not a
        positive number.

    Examples
    --------
    >>> route({"n_layers": 2, "width": 8, "max_epochs": 5, "smooth": 3.0}, ["mlp", "categorical"])
    {'mlp': {'max_iter': 5, 'hidden_layer_sizes': (8, 8)}, 'categorical': {'smooth': 3.0}}
    >>> route({"l1_per_row": 0.01}, ["mlp"], n_rows=500)
    {'mlp': {'l1': 5.0}}
    >>> route({"decay_per_step": 0.05, "learning_rate_init": 0.01}, ["mlp"])
    {'mlp': {'weight_decay': 5.0, 'learning_rate_init': 0.01}}
    """
    steps = list(steps)
    routed, source, derived = {}, {}, {}
    for name, value in params.items():
        entry = HYPERPARAMETERS.get(name)
        if entry is None:
            raise ValueError(f"params has no hyperparameter {name!r}; known names: {sorted(HYPERPARAMETERS)}")
        if entry.step not in steps:
            raise ValueError(
                f"hyperparameter {name!r} goes to the step {entry.step!r}, which this pipeline does "
                f"not build (its steps: {steps})"
            )
        if isinstance(entry.argument, Derived):
            derived.setdefault((entry.step, entry.argument), {})[name] = value
        elif isinstance(entry.argument, PerRow):
            strength = _times_rows(name, value, n_rows)
            _put(routed, source, entry.step, entry.argument.argument, strength, repr(name))
        elif isinstance(entry.argument, DividedBy):
            quotient = _divided(name, value, entry.argument.divisor, params)
            _put(routed, source, entry.step, entry.argument.argument, quotient, repr(name))
        else:
            _put(routed, source, entry.step, entry.argument or name, value, repr(name))
    for (step, rule), given in derived.items():
        inputs = {
            e.name: given.get(e.name, e.default) for e in HYPERPARAMETERS.values() if e.argument == rule
        }
        _put(routed, source, step, rule.argument, rule.compute(**inputs), " and ".join(map(repr, given)))
    return routed


def _times_rows(name, value, n_rows):
    """A per-row strength times the number of training rows: the ``lambda`` of the estimator.

    0 is 0 on any number of rows, so it needs no ``n_rows`` (the pipeline default of both).
    """
    if value == 0 and not isinstance(value, bool):
        return 0.0
    if n_rows is None:
        raise ValueError(
            f"hyperparameter {name!r} is a strength per training row: its step receives it times the "
            "number of rows the step is fitted on, so pass n_rows= (build_pipeline, route)"
        )
    if isinstance(n_rows, bool) or not isinstance(n_rows, Integral) or n_rows < 1:
        raise ValueError(f"n_rows must be a positive integer, got {n_rows!r}")
    return value * int(n_rows)


def _divided(name, value, divisor, params):
    """``value`` divided by the configuration's ``divisor`` (its table default when not given)."""
    if value == 0 and not isinstance(value, bool):
        return 0.0
    by = params.get(divisor, HYPERPARAMETERS[divisor].default)
    if isinstance(by, bool) or not isinstance(by, Real) or not by > 0:
        raise ValueError(
            f"hyperparameter {name!r} reaches its step divided by {divisor}, which must be a positive "
            f"number, got {by!r}"
        )
    return value / by


def _put(routed, source, step, argument, value, names):
    """Set ``step``'s ``argument`` to ``value``; ``names`` (quoted) are the hyperparameters it comes from."""
    arguments = routed.setdefault(step, {})
    if argument in arguments:
        raise ValueError(
            f"params set the {step} argument {argument!r} twice, from {source[step, argument]} and "
            f"from {names}; give only one of them"
        )
    arguments[argument] = value
    source[step, argument] = names
