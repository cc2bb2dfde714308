"""How one hyperparameter is declared: kind, limits, default, search range, docs, receiving step.

A declaration is checked when the table is imported, so a wrong entry fails at once, not in a trial.
Nothing here imports scikit-learn or Optuna: the estimators, the search space, the pipeline and the
report all read these entries, and ``_sklearn.py`` turns limits into scikit-learn constraints.
"""

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral, Real

__all__ = [
    "CATEGORICAL",
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
    "number_text",
]

# The pipeline steps that receive hyperparameters; build_pipeline maps each name to its estimator:
# the network, the categorical columns' CategoricalEncoder, the numeric columns' NumericScaler.
MLP = "mlp"
CATEGORICAL = "categorical"
NUMERIC = "numeric"


class _StepDefault:
    """The marker of ``Hyperparameter.pipeline_default``: the receiving step's own default applies."""

    def __repr__(self):
        return "STEP_DEFAULT"


STEP_DEFAULT = _StepDefault()

# A task (``regtune._data.TASKS``) -> the group whose pipeline default it takes (``ByTask``).
TASK_GROUPS = {"binary": "classification", "multiclass": "classification", "regression": "regression"}


def _task_group(task):
    """``"regression"`` or ``"classification"``, or a ``ValueError`` naming the tasks."""
    if task not in TASK_GROUPS:
        raise ValueError(f"task must be one of {list(TASK_GROUPS)}, got {task!r}")
    return TASK_GROUPS[task]


@dataclass(frozen=True)
class ByTask:
    """A pipeline default that depends on the task: one value for regression, one for
    classification (binary and multiclass), where the benchmark measured that they differ."""

    regression: object
    classification: object

    def value(self, task):
        """The value for ``task`` (``"binary"``, ``"multiclass"`` or ``"regression"``)."""
        return getattr(self, _task_group(task))

    def values(self):
        """Both values: regression's, then classification's."""
        return self.regression, self.classification


# float, int: numbers within ``bounds``; bool; categorical: one of ``options``; sizes: an int or a
# tuple of ints within ``bounds`` (hidden_layer_sizes); seed: scikit-learn's random_state; verbose.
KINDS = ("float", "int", "bool", "categorical", "sizes", "seed", "verbose")
_CLOSED = ("left", "right", "both", "neither")


def number_text(x):
    """A number as the docs write it: ``1e-4``, ``0.001``, ``0.999``, ``1000``, ``1e6``, ``inf``."""
    if isinstance(x, Integral) and not isinstance(x, bool):
        return str(int(x))
    x = float(x)
    if x != 0 and math.isfinite(x) and not 1e-3 <= abs(x) < 1e5:
        mantissa, exponent = f"{x:.15e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
    return format(x, "g")


@dataclass(frozen=True)
class Bounds:
    """The interval a value can never leave, in scikit-learn's ``Interval`` words.

    ``low``/``high`` None mean unbounded; ``closed`` is ``"left"``, ``"right"``, ``"both"`` or
    ``"neither"`` and says which finite ends belong to the interval.
    """

    low: float | None = None
    high: float | None = None
    closed: str = "both"

    def __post_init__(self):
        if self.closed not in _CLOSED:
            raise ValueError(f"Bounds.closed must be one of {list(_CLOSED)}, got {self.closed!r}")

    def __contains__(self, value):
        """As scikit-learn's ``Interval``: an unbounded end is infinity, and ``closed`` applies to it."""
        low = -math.inf if self.low is None else self.low
        high = math.inf if self.high is None else self.high
        above = value > low or (value == low and self.closed in ("left", "both"))
        below = value < high or (value == high and self.closed in ("right", "both"))
        return above and below

    def text(self, kind="float"):
        """``[0.0, 1.0)`` (``kind="float"``) or ``[1, 100]`` (``kind="int"``); unbounded ends are inf."""
        cast = float if kind == "float" else int

        def end(x, sign):
            return f"{sign}inf" if x is None else str(cast(x))

        left = "[" if self.closed in ("left", "both") else "("
        right = "]" if self.closed in ("right", "both") else ")"
        return f"{left}{end(self.low, '-')}, {end(self.high, '')}{right}"

    def doc_text(self):
        """``in [0, 1)``, ``>= 0`` or ``> 0``, as a type line of the docs says it."""
        if self.low is not None and self.high is not None:
            left = "[" if self.closed in ("left", "both") else "("
            right = "]" if self.closed in ("right", "both") else ")"
            return f"in {left}{number_text(self.low)}, {number_text(self.high)}{right}"
        if self.low is not None:
            return (">= " if self.closed in ("left", "both") else "> ") + number_text(self.low)
        if self.high is not None:
            return ("<= " if self.closed in ("right", "both") else "< ") + number_text(self.high)
        return ""


@dataclass(frozen=True)
class Search:
    """The default search range of a hyperparameter, as :meth:`regtune.tuning.SearchSpace.default` has it.

    A range ``low .. high`` (``log``: sampled uniformly in log scale), a tuple of ``choices``, or a
    fixed ``value``. ``only_if=(name, value)``: sampled only in trials where ``name`` took ``value``.
    ``default_outside``: the pipeline default lies outside the ``choices`` on purpose; the default
    trial trains it, the search's trials sample the choices (otherwise such a default is refused,
    as a typo would be).
    """

    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple | None = None
    value: object = None
    only_if: tuple | None = None
    default_outside: bool = False

    def text(self):
        """The range as docs/tuning.md writes it: ``1e-05 .. 10, log``, ``False / True``, ``50, fixed``."""
        if self.value is not None:
            return f"{_word(self.value)}, fixed"
        if self.choices is not None:
            return " / ".join(_word(c) for c in self.choices)
        return f"{number_text(self.low)} .. {number_text(self.high)}" + (", log" if self.log else "")


@dataclass(frozen=True)
class Derived:
    """A step argument computed from several hyperparameters.

    ``compute`` takes the hyperparameters that declare this rule as keyword arguments (each one's
    table default when a configuration lacks it) and returns the argument's value.
    """

    argument: str
    compute: Callable


@dataclass(frozen=True)
class PerRow:
    """A step argument that is the hyperparameter's value times the number of training rows.

    The estimators' penalties are ``lambda/(2n) * sum ...`` (the lecture's convention), so a fixed
    ``lambda`` weighs less against the mean loss the more rows there are. A per-row strength
    ``c = lambda/n`` weighs the same on 500 rows and on 20,000: the search samples ``c`` and the
    step receives ``argument = c * n``, ``n`` being the rows the step is fitted on (a fold's
    training rows in a trial, all rows in a refit).
    """

    argument: str


@dataclass(frozen=True)
class DividedBy:
    """A step argument that is the hyperparameter's value divided by another hyperparameter's.

    The decoupled decay removes ``eta * weight_decay`` of the weights per step, so a fixed
    ``weight_decay`` removes ten times as much at ten times the learning rate, and past
    ``eta * weight_decay = 1`` flips their sign. Searching the product ``d = eta * weight_decay``
    keeps every sampled value in ``[0, 1)`` whatever ``eta``: the step receives
    ``argument = d / divisor``, ``divisor`` being the configuration's value of that hyperparameter
    (the table's default when the configuration has none).
    """

    argument: str
    divisor: str


@dataclass(frozen=True)
class Hyperparameter:
    """One row of the table: everything regtune knows about one hyperparameter.

    Parameters
    ----------
    name : str
        The name users write: in the estimator, the search space, a params TOML file, the report.
    kind : {"float", "int", "bool", "categorical", "sizes", "seed", "verbose"}
        The type of its values.
    default : object
        The receiving estimator's default (for a derived one: the value that gives that default).
    doc : str
        The description under its numpydoc line (the type and default are written from the entry).
    bounds : Bounds, optional
        Limits of a number (float, int, sizes): the estimator's constraint and the search space's.
    options : tuple
        The values of a categorical kind.
    also : tuple
        Values accepted besides the kind's own: ``"auto"``, ``None``, ``math.inf``.
    search : Search, optional
        Its range in the default search space; None: not searched.
    step : str
        The pipeline step that receives it: ``MLP`` (the network), ``CATEGORICAL`` (the categorical
        columns' encoder), ``NUMERIC`` (the numeric columns' scaler), or a new step's name that
        ``build_pipeline`` maps to that step's estimator.
    argument : str, Derived, PerRow or DividedBy, optional
        How the step receives it: None, under its own name; a str, under that name
        (``max_epochs`` -> ``max_iter``); a :class:`Derived`, computed together with others
        (``n_layers``, ``width`` -> ``hidden_layer_sizes``); a :class:`PerRow`, multiplied by the
        number of training rows (``alpha_per_row`` -> ``alpha``); a :class:`DividedBy`, divided
        by another hyperparameter (``decay_per_step / learning_rate_init`` -> ``weight_decay``).
    regularization : bool
        The report shows it in its regularization section rather than among the other parameters.
    pipeline_default : object, default=STEP_DEFAULT
        regtune's recipe: the value the tuned pipeline (``build_pipeline``) and the tabular
        estimators use when a configuration does not give one. ``STEP_DEFAULT``: ``default``, the
        receiving estimator's own; a :class:`ByTask`: one value for regression and one for
        classification. Searched entries and entries that declare one are the
        pipeline's hyperparameters (:attr:`in_pipeline`); a fixed search value must equal it.
    """

    name: str
    kind: str
    default: object
    doc: str = ""
    bounds: Bounds | None = None
    options: tuple = ()
    also: tuple = ()
    search: Search | None = None
    step: str = MLP
    argument: str | Derived | PerRow | DividedBy | None = None
    regularization: bool = False
    pipeline_default: object = STEP_DEFAULT

    def __post_init__(self):
        where = f"hyperparameter {self.name!r}"
        if self.kind not in KINDS:
            raise ValueError(f"{where}: kind must be one of {list(KINDS)}, got {self.kind!r}")
        numeric = self.kind in ("float", "int", "sizes")
        if numeric != (self.bounds is not None):
            raise ValueError(
                f"{where}: bounds are required for float, int and sizes kinds, and only for them"
            )
        if (self.kind == "categorical") != bool(self.options):
            raise ValueError(f"{where}: options are required for the categorical kind, and only for it")
        if self.search is not None and self.kind not in ("float", "int", "bool", "categorical"):
            raise ValueError(f"{where}: a {self.kind} hyperparameter cannot be searched")
        if self.default is not None or None in self.also:
            self.check(self.default, f"{where}: default")  # the default itself must be accepted
        if self.search is not None:
            s = self.search
            for value in (s.low, s.high, s.value, *(s.choices or ())):
                if value is not None:
                    self.check(value, f"{where}: search value")
        for value in self._pipeline_values():
            if self.pipeline_default is not STEP_DEFAULT:
                self.check(value, f"{where}: pipeline_default")
            self._check_pipeline_default(where, value)

    def _pipeline_values(self):
        if isinstance(self.pipeline_default, ByTask):
            return self.pipeline_default.values()
        return (self.default if self.pipeline_default is STEP_DEFAULT else self.pipeline_default,)

    def _check_pipeline_default(self, where, value):
        """A value the search space fixes, or any of its choices, agrees with the pipeline default."""
        search = self.search
        fixed = None if search is None else search.value
        if fixed is not None and (fixed != value or type(fixed) is not type(value)):
            raise ValueError(
                f"{where}: the search space fixes {fixed!r}, so its pipeline default must be that "
                f"value, got {value!r}"
            )
        choices = None if search is None else search.choices
        if choices is not None and value not in choices and not search.default_outside:
            raise ValueError(
                f"{where}: the pipeline default {value!r} must be one of the search choices {list(choices)}"
            )

    @property
    def in_pipeline(self):
        """A hyperparameter of the tuned pipeline: searched, or with a pipeline default of its own."""
        return self.search is not None or self.pipeline_default is not STEP_DEFAULT

    def pipeline_value(self, task):
        """Its value in the tuned pipeline of ``task`` (``"binary"``, ``"multiclass"``,
        ``"regression"``) when a configuration does not give one."""
        if isinstance(self.pipeline_default, ByTask):
            return self.pipeline_default.value(task)
        _task_group(task)  # the same task check whether or not this entry depends on it
        return self._pipeline_values()[0]

    @property
    def target(self):
        """``(step, argument)``: the step argument this hyperparameter sets, alone or with others."""
        if isinstance(self.argument, (Derived, PerRow, DividedBy)):
            return self.step, self.argument.argument
        return self.step, self.argument or self.name

    @property
    def direct(self):
        """The step receives it under its own name (an estimator parameter, not a derived one)."""
        return self.argument is None

    def check(self, value, label):
        """``value`` converted to the kind (int, float), or a ``ValueError`` naming ``label``.

        Checks the kind, the options and the bounds; values in ``also`` pass as they are. The
        scikit-learn constraint of the receiving estimator accepts exactly the same values.
        """
        if (value is None and None in self.also) or (isinstance(value, str) and value in self.also):
            return value
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"{label} must be true or false, got {value!r}")
            return value
        if self.kind == "categorical":
            if value not in self.options or isinstance(value, bool):
                raise ValueError(f"{label} must be one of {list(self.options)}, got {value!r}")
            return value
        if self.kind not in ("float", "int"):
            return value  # sizes, seed, verbose: the estimator checks them
        if not _is_number(value):
            word = "an integer" if self.kind == "int" else "a number"
            raise ValueError(f"{label} must be {word}, got {value!r}")
        if any(value == a for a in self.also if _is_number(a)):
            return float(value)
        if self.kind == "int":
            if not float(value).is_integer():
                raise ValueError(f"{label} must be an integer, got {value!r}")
            value = int(value)
        else:
            value = float(value)
        if value not in self.bounds:
            raise ValueError(f"{label} must be in {self.bounds.text(self.kind)}, got {value!r}")
        return value

    def type_text(self):
        """The numpydoc type: ``float in [0, 1)``, ``int >= 1 or "auto"``, ``{"relu", "tanh"}``."""
        if self.kind == "categorical":
            words = "{" + ", ".join(f'"{o}"' for o in self.options) + "}"
        elif self.kind in ("float", "int"):
            words = f"{self.kind} {self.bounds.doc_text()}".strip()
        else:
            words = _KIND_WORDS[self.kind]
        for value in self.also:
            words += f' or "{value}"' if isinstance(value, str) else f" or {value}"
        return words

    def doc_entry(self, indent="    ", *, task=None):
        """The numpydoc entry: ``name : type, default=...`` and the description, indented.

        With a ``task``, the default stated is that task's pipeline default (the tabular
        estimators' parameters).
        """
        value = self.default if task is None else self.pipeline_value(task)
        default = f'"{value}"' if isinstance(value, str) else _value_text(value)
        lines = [f"{indent}{self.name} : {self.type_text()}, default={default}"]
        lines += [f"{indent}    {line}".rstrip() for line in inspect.cleandoc(self.doc).splitlines()]
        return "\n".join(lines) + "\n"


_KIND_WORDS = {
    "bool": "bool",
    "sizes": "tuple of int",
    "seed": "int, RandomState instance or None",
    "verbose": "bool",
}


def _is_number(value):
    return isinstance(value, Real) and not isinstance(value, bool)


def _word(value):
    """A search value as the docs write it: numbers as :func:`number_text`, words and bools as they are."""
    if isinstance(value, (str, bool)):
        return str(value)
    return number_text(value)


def _value_text(value):
    if isinstance(value, float) and value.is_integer():
        return repr(value)  # 0.0, not 0: the type is float
    if _is_number(value) and math.isfinite(value):
        return number_text(value)
    return repr(value)
