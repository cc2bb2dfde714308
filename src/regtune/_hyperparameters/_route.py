"""A configuration's way to the pipeline: each hyperparameter to the step and argument that take it."""

from ._entry import Derived
from ._table import HYPERPARAMETERS

__all__ = ["route"]


def route(params, steps):
    """The keyword arguments of each step for a configuration ``params``.

    Parameters
    ----------
    params : dict
        ``name -> value``, names from the table (a sampled configuration, a params TOML file).
    steps : iterable of str
        The steps the caller builds (``build_pipeline``: the network and the target encoder).

    Returns
    -------
    dict
        ``step -> {argument: value}``; a step that no name reaches is absent.

    Raises
    ------
    ValueError
        For a name the table does not have, a name whose step is not in ``steps``, and two names
        that set the same argument (``max_epochs`` and ``max_iter``).

    Examples
    --------
    >>> route({"n_layers": 2, "width": 8, "max_epochs": 5, "smooth": 3.0}, ["mlp", "target_encoder"])
    {'mlp': {'max_iter': 5, 'hidden_layer_sizes': (8, 8)}, 'target_encoder': {'smooth': 3.0}}
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
        else:
            _put(routed, source, entry.step, entry.argument or name, value, repr(name))
    for (step, rule), given in derived.items():
        inputs = {
            e.name: given.get(e.name, e.default) for e in HYPERPARAMETERS.values() if e.argument == rule
        }
        _put(routed, source, step, rule.argument, rule.compute(**inputs), " and ".join(map(repr, given)))
    return routed


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
