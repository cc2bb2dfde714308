"""The search space: which hyperparameters a trial samples, their ranges, and user overrides.

The default ranges and the limits no override may leave are declared with each hyperparameter in
the table (``regtune._hyperparameters``); ``docs/tuning.md`` shows them with where they come from.
"""

from dataclasses import dataclass, replace

from .._hyperparameters import CATEGORICAL, HYPERPARAMETERS, NUMERIC, DividedBy, PerRow, searched

__all__ = ["Param", "SearchSpace"]


@dataclass(frozen=True)
class Param:
    """One hyperparameter: a range, a list of choices or a fixed value.

    Parameters
    ----------
    kind : {"float", "int", "bool", "categorical"}
        The type of the values.
    low, high : float or int, optional
        Inclusive bounds of a range (float and int kinds).
    log : bool
        Sample the range uniformly in log scale.
    choices : tuple, optional
        The values of a categorical (and bool) parameter.
    value : optional
        A fixed value; when set, nothing is sampled.
    only_if : tuple (name, value), optional
        The parameter exists only when parameter ``name`` took ``value`` (a real conditional).
    """

    kind: str
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple | None = None
    value: object = None
    only_if: tuple | None = None

    @property
    def fixed(self):
        return self.value is not None


# The default space: the table's searched hyperparameters, in table order (the order a trial samples).
_DEFAULTS = {
    e.name: Param(
        e.kind,
        e.search.low,
        e.search.high,
        log=e.search.log,
        choices=e.search.choices,
        value=e.search.value,
        only_if=e.search.only_if,
    )
    for e in searched()
}


def _check_value(name, value):
    """``value`` checked against the table's kind and limits for ``name`` (a ValueError otherwise)."""
    if value is None:
        raise ValueError(f"space[{name!r}] cannot be fixed to None; drop it to use the estimator's default")
    return HYPERPARAMETERS[name].check(value, f"space[{name!r}]")


def _override(name, param, spec):
    """Apply one user override (a fixed value, a range table or a choices table) to ``param``."""
    if not isinstance(spec, dict):
        return replace(param, value=_check_value(name, spec))
    unknown = set(spec) - {"low", "high", "log", "choices"}
    if unknown:
        raise ValueError(
            f"space[{name!r}] accepts the keys low, high, log, choices; got unknown {sorted(unknown)}"
        )
    if "choices" in spec:
        choices = tuple(_check_value(name, c) for c in spec["choices"])
        if not choices:
            raise ValueError(f"space[{name!r}]['choices'] must not be empty, got []")
        return replace(param, kind=param.kind, low=None, high=None, log=False, choices=choices, value=None)
    if param.kind == "bool":
        raise ValueError(f"space[{name!r}] is true/false: fix it or give choices, got {spec!r}")
    low = _check_number(name, spec.get("low", param.low if param.low is not None else 0))
    high = _check_number(name, spec.get("high", param.high if param.high is not None else 0))
    log = bool(spec.get("log", param.log))
    if low > high:
        raise ValueError(f"space[{name!r}] is an empty range: low={low!r} > high={high!r}")
    if log and low <= 0:
        raise ValueError(f"space[{name!r}] is log-scaled so low must be > 0, got low={low!r}")
    if low == high:
        return replace(param, value=low, choices=None)
    return replace(param, low=low, high=high, log=log, choices=None, value=None)


def _search_unit_hint(name):
    """`` (the search samples 'alpha_per_row' = alpha / rows)`` for a step argument searched in
    other units (per training row, or times the learning rate)."""
    for entry in searched():
        if isinstance(entry.argument, PerRow) and entry.argument.argument == name:
            return f" (the search samples {entry.name!r} = {name} / rows)"
        if isinstance(entry.argument, DividedBy) and entry.argument.argument == name:
            return f" (the search samples {entry.name!r} = {name} * {entry.argument.divisor})"
    return ""


def _check_number(name, value):
    """A range end: a number within the limits ("auto" and the like are single values, not ends)."""
    checked = _check_value(name, value)
    if isinstance(checked, str):
        raise ValueError(f"space[{name!r}] range ends must be numbers, got {value!r}")
    return checked


class SearchSpace:
    """The hyperparameters a trial samples.

    Build it with :meth:`default`, then change it with :meth:`override` (or :meth:`from_dict`,
    :meth:`from_toml`): fix a value, narrow a range, give a list of choices, drop a parameter (the
    estimator's default is then used). Unknown names and empty ranges raise ``ValueError``.

    Examples
    --------
    >>> from regtune.tuning import SearchSpace
    >>> space = SearchSpace.from_dict({"dropout": 0.0, "width": {"low": 8, "high": 32},
    ...                                "drop": ["l1_per_row"]})
    >>> space["dropout"].value, space["width"].high, "l1_per_row" in space
    (0.0, 32, False)
    """

    def __init__(self, params):
        self._params = dict(params)

    @classmethod
    def default(cls, task=None):
        """The documented default space (the same ranges for every task).

        ``task`` is accepted for symmetry with :func:`tune`; the ranges do not depend on it.
        """
        return cls(_DEFAULTS)

    @classmethod
    def from_dict(cls, overrides):
        """The default space with ``overrides`` applied (see :meth:`override`)."""
        overrides = dict(overrides)
        drop = overrides.pop("drop", ())
        return cls.default().override(overrides, drop=drop)

    @classmethod
    def from_toml(cls, path):
        """Read overrides from a TOML file: top-level keys, or a ``[space]`` table.

        Example file::

            dropout = 0.0                          # fix
            learning_rate_init = {low = 1e-3, high = 1e-2}   # narrow (log scale kept)
            n_layers = {choices = [1, 2]}          # choices
            drop = ["l1_per_row", "decay_per_step"]  # drop (estimator defaults)
        """
        try:
            import tomllib
        except ModuleNotFoundError:  # Python 3.10
            import tomli as tomllib
        with open(path, "rb") as file:
            data = tomllib.load(file)
        return cls.from_dict(data.get("space", data))

    def override(self, overrides=None, *, drop=()):
        """A new space with some parameters fixed, narrowed, given choices or dropped.

        Parameters
        ----------
        overrides : dict, optional
            ``name -> value`` fixes a value; ``name -> {"low": .., "high": .., "log": ..}`` sets a
            range (missing keys keep the current ones); ``name -> {"choices": [...]}`` a list.
        drop : iterable of str
            Names to remove from the space.
        """
        params = dict(self._params)
        overrides = dict(overrides or {})
        if isinstance(drop, str):
            drop = [drop]
        for name in [*overrides, *drop]:
            if name not in _DEFAULTS:
                hint = _search_unit_hint(name)
                raise ValueError(
                    f"space has no hyperparameter {name!r}{hint}; known names: {sorted(_DEFAULTS)}"
                )
        for name, spec in overrides.items():
            params[name] = _override(name, params.get(name, _DEFAULTS[name]), spec)
        for name in drop:
            params.pop(name, None)
        return SearchSpace(params)

    def __getitem__(self, name):
        return self._params[name]

    def __contains__(self, name):
        return name in self._params

    def __iter__(self):
        return iter(self._params)

    def __eq__(self, other):
        return isinstance(other, SearchSpace) and self._params == other._params

    def __repr__(self):
        return f"SearchSpace({self.to_dict()!r})"

    def max_epochs(self):
        """The largest number of epochs a trial may train (the pruners' maximum resource)."""
        param = self._params.get("max_epochs")
        if param is None:
            return HYPERPARAMETERS["max_epochs"].default  # the estimators' default max_iter
        if param.fixed:
            return int(param.value)
        return int(max(param.choices) if param.choices else param.high)

    def to_dict(self):
        """A JSON-able dict that :meth:`from_dict` turns back into this space."""
        out = {}
        for name, param in self._params.items():
            if param.fixed:
                out[name] = param.value
            elif param.choices is not None and param.kind != "bool":
                out[name] = {"choices": list(param.choices)}
            elif param.kind == "bool":
                if param.choices != (False, True):
                    out[name] = {"choices": list(param.choices)}
            else:
                out[name] = {"low": param.low, "high": param.high, "log": param.log}
        out["drop"] = [name for name in _DEFAULTS if name not in self._params]
        return out

    def suggest(self, trial, *, has_categorical=True, has_numeric=True):
        """Sample one configuration with ``trial`` (an Optuna trial).

        A parameter with ``only_if=(parent, value)`` is suggested only when the parent took that
        value, so Optuna sees a real conditional; a parameter of the categorical encoder
        (``smooth``, ``max_onehot``) only when there are categorical columns, and one of the
        numeric scaler (``numeric_scaling``, ``clip``) only when there are numeric columns
        (without them the pipeline has no such step).
        """
        absent = {CATEGORICAL} if not has_categorical else set()
        if not has_numeric:
            absent.add(NUMERIC)
        params = {}
        for name, param in self._params.items():
            if HYPERPARAMETERS[name].step in absent:
                continue
            if param.only_if is not None:
                parent, wanted = param.only_if
                if params.get(parent) != wanted:  # also when the parent was dropped
                    continue
            params[name] = _suggest_one(trial, name, param)
        return params


def _suggest_one(trial, name, param):
    if param.fixed:
        return param.value
    if param.choices is not None:
        return trial.suggest_categorical(name, list(param.choices))
    if param.kind == "int":
        return trial.suggest_int(name, int(param.low), int(param.high), log=param.log)
    return trial.suggest_float(name, float(param.low), float(param.high), log=param.log)
