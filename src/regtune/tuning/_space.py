"""The search space: which hyperparameters a trial samples, their ranges, and user overrides.

Default ranges and where they come from (see ``docs/tuning.md``):

==================== ======================= ======================================================
name                 default                 source
==================== ======================= ======================================================
learning_rate_init   1e-4 .. 1e-1, log       LCBench (Zimmer et al. 2021); Kadra et al. 2021
weight_decay         1e-5 .. 1e-1, log       LCBench; Kadra et al. 2021 ("well-tuned simple nets")
dropout              0 .. 0.8                Kadra et al. 2021 (LCBench: 0 .. 1)
n_layers             1 .. 5                  LCBench
width                64 .. 1024, log         LCBench (max_units)
batch_size           16 .. 512, log          LCBench
alpha                1e-5 .. 10, log         L2 lambda of MATH.md section 2 (divided by n, so the
                                             useful range is wider than scikit-learn's 1e-4)
l1                   1e-6 .. 1, log          L1 lambda, same scaling as alpha
batch_norm           False / True            Kadra et al. 2021
bn_momentum          0.8 .. 0.999            only when batch_norm is True; 0.9 is the lecture's
max_epochs           50 (fixed)              LCBench trains every configuration for 50 epochs
smooth               0.1 .. 1000, log        m-estimate weight of the target encoder; only when
                                             there are categorical columns
==================== ======================= ======================================================
"""

import math
from dataclasses import dataclass, replace

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


_DEFAULTS = {
    "alpha": Param("float", 1e-5, 10.0, log=True),
    "l1": Param("float", 1e-6, 1.0, log=True),
    "weight_decay": Param("float", 1e-5, 1e-1, log=True),
    "dropout": Param("float", 0.0, 0.8),
    "batch_norm": Param("bool", choices=(False, True)),
    "bn_momentum": Param("float", 0.8, 0.999, only_if=("batch_norm", True)),
    "learning_rate_init": Param("float", 1e-4, 1e-1, log=True),
    "n_layers": Param("int", 1, 5),
    "width": Param("int", 64, 1024, log=True),
    "batch_size": Param("int", 16, 512, log=True),
    "max_epochs": Param("int", value=50),
    "smooth": Param("float", 0.1, 1000.0, log=True),
}

# Bounds a value can never leave, whatever the user asks: (lowest, highest, highest included).
_LIMITS = {
    "alpha": (0.0, math.inf, True),
    "l1": (0.0, math.inf, True),
    "weight_decay": (0.0, math.inf, True),
    "dropout": (0.0, 1.0, False),
    "bn_momentum": (0.0, 1.0, False),
    "learning_rate_init": (0.0, math.inf, True),
    "n_layers": (0, 100, True),
    "width": (1, 1_000_000, True),
    "batch_size": (1, math.inf, True),
    "max_epochs": (1, 1_000_000, True),
    "smooth": (0.0, math.inf, True),
}


def _check_value(name, param, value):
    if param.kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"space[{name!r}] must be true or false, got {value!r}")
        return value
    if param.kind == "int":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not float(value).is_integer():
            raise ValueError(f"space[{name!r}] must be an integer, got {value!r}")
        value = int(value)
    elif param.kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"space[{name!r}] must be a number, got {value!r}")
        value = float(value)
    lowest, highest, closed = _LIMITS[name]
    if not (lowest <= value <= highest) or (not closed and value == highest):
        bracket = "]" if closed else ")"
        raise ValueError(f"space[{name!r}] must be in [{lowest}, {highest}{bracket}, got {value!r}")
    return value


def _override(name, param, spec):
    """Apply one user override (a fixed value, a range table or a choices table) to ``param``."""
    if not isinstance(spec, dict):
        return replace(param, value=_check_value(name, param, spec))
    unknown = set(spec) - {"low", "high", "log", "choices"}
    if unknown:
        raise ValueError(
            f"space[{name!r}] accepts the keys low, high, log, choices; got unknown {sorted(unknown)}"
        )
    if "choices" in spec:
        choices = tuple(_check_value(name, param, c) for c in spec["choices"])
        if not choices:
            raise ValueError(f"space[{name!r}]['choices'] must not be empty, got []")
        return replace(param, kind=param.kind, low=None, high=None, log=False, choices=choices, value=None)
    if param.kind == "bool":
        raise ValueError(f"space[{name!r}] is true/false: fix it or give choices, got {spec!r}")
    low = _check_value(name, param, spec.get("low", param.low if param.low is not None else 0))
    high = _check_value(name, param, spec.get("high", param.high if param.high is not None else 0))
    log = bool(spec.get("log", param.log))
    if low > high:
        raise ValueError(f"space[{name!r}] is an empty range: low={low!r} > high={high!r}")
    if log and low <= 0:
        raise ValueError(f"space[{name!r}] is log-scaled so low must be > 0, got low={low!r}")
    if low == high:
        return replace(param, value=low, choices=None)
    return replace(param, low=low, high=high, log=log, choices=None, value=None)


class SearchSpace:
    """The hyperparameters a trial samples.

    Build it with :meth:`default`, then change it with :meth:`override` (or :meth:`from_dict`,
    :meth:`from_toml`): fix a value, narrow a range, give a list of choices, drop a parameter (the
    estimator's default is then used). Unknown names and empty ranges raise ``ValueError``.

    Examples
    --------
    >>> from regtune.tuning import SearchSpace
    >>> space = SearchSpace.from_dict({"dropout": 0.0, "width": {"low": 8, "high": 32},
    ...                                "drop": ["l1"]})
    >>> space["dropout"].value, space["width"].high, "l1" in space
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
            drop = ["l1", "weight_decay"]          # drop (estimator defaults)
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
                raise ValueError(f"space has no hyperparameter {name!r}; known names: {sorted(_DEFAULTS)}")
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
            return 200  # the estimators' default max_iter
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

    def suggest(self, trial, *, has_categorical=True):
        """Sample one configuration with ``trial`` (an Optuna trial).

        A parameter with ``only_if=(parent, value)`` is suggested only when the parent took that
        value, so Optuna sees a real conditional; ``smooth`` only when there are categorical columns.
        """
        params = {}
        for name, param in self._params.items():
            if name == "smooth" and not has_categorical:
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
