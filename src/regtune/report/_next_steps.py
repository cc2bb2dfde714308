"""What to try next: the verdict's findings turned into search-space TOML lines and ``regtune tune`` flags.

Each step names its reason. In order (a later step never changes a parameter an earlier one set):

1. the epoch budget is too small -> ``max_epochs`` doubled;
2. a regularizer helped or hurt -> its range narrowed to the better side of the split (a boolean or a
   category fixed to the better value);
3. overfitting -> every searched penalty (alpha_per_row, l1_per_row, decay_per_step, dropout) starts at the
   best trial's value; one the best trial took from the top ``EDGE`` of its range gets a wider range
   (never past the table's limits: ``decay_per_step`` stays below 1);
4. bias -> every searched penalty ends at the best trial's value, or is fixed to 0 when the best
   trial took it from the bottom ``EDGE`` of its range; a layer width or count from the top quarter
   of its range may grow;
5. the best trial is tied with others -> more folds (``--cv``, up to 10);
6. the best trial came in the last ``LATE_SEARCH`` of the trials -> twice the trial budget;
7. the time limit stopped the study before its budget -> twice the wall time (``--timeout``).

The TOML uses :meth:`regtune.tuning.SearchSpace.from_toml`'s syntax; the page shows the study's whole
space with the changed lines first, so the file is the next study's complete space.
"""

import json
import math
import shlex
from dataclasses import dataclass, field

from .._hyperparameters import HYPERPARAMETERS
from ._effects import level_label

EDGE = 0.1
LATE_SEARCH = 0.25
MIN_SEARCH = 8  # trials below which "the best came late" is not judged
MAX_CV = 10
PENALTIES = ("alpha_per_row", "l1_per_row", "decay_per_step", "alpha", "l1", "weight_decay", "dropout")
DROPOUT_CAP = 0.9


@dataclass
class Step:
    """One suggestion: why (a sentence, and a short tag for the TOML comment), its space overrides
    (``from_dict`` syntax) and the CLI flags it sets."""

    reason: str
    tag: str
    space: dict = field(default_factory=dict)
    flags: dict = field(default_factory=dict)


def describe(overrides):
    """``{"alpha": {"low": 1e-05, "high": 3.5}, "l1": 0.0}`` -> ``'alpha 1e-05 to 3.5; l1 = 0'``."""
    parts = []
    for name, spec in overrides.items():
        if isinstance(spec, dict) and "choices" in spec:
            parts.append(f"{name} in {toml_value(spec['choices'])}")
        elif isinstance(spec, dict):
            parts.append(f"{name} {spec['low']:.4g} to {spec['high']:.4g}")
        else:
            parts.append(f"{name} = {toml_value(spec)}")
    return "; ".join(parts)


@dataclass(frozen=True)
class SearchFacts:
    """What the steps need to know about the study besides the rules' findings."""

    space: object  # regtune.tuning.SearchSpace, or None for a study without a recorded space
    best_params: dict
    cv: int | None
    n_trials: int | None
    finished: tuple  # numbers of the complete and pruned trials
    best_number: int | None
    wall_time: float | None
    stopped_by_time: bool
    timeout: float | None = None  # the study's own time limit (seconds), when it had one
    converged: bool = False  # the search ended early because it had converged (tuning._converged)


def _position(param, value):
    """Where ``value`` lies in the param's range, 0 (low) to 1 (high), on the range's scale."""
    if param.high == param.low:
        return 0.5
    if param.log:
        return (math.log(value) - math.log(param.low)) / (math.log(param.high) - math.log(param.low))
    return (value - param.low) / (param.high - param.low)


def _range(space, name):
    """The param when it is a searched range, else None."""
    if space is None or name not in space:
        return None
    param = space[name]
    if param.fixed or param.choices is not None or param.low is None:
        return None
    return param


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _typed(param, value):
    return round(value) if param.kind == "int" else float(value)


def _wider_top(name, param):
    """A higher top for ``name``'s range, within the table's limits (an open limit is never reached:
    ``decay_per_step`` 0.9 widens to 0.95, halfway to 1)."""
    if name == "dropout":
        return max(param.high, min(DROPOUT_CAP, param.high + 0.1))
    top = param.high * 10 if param.log else param.high + (param.high - param.low) / 2
    entry = HYPERPARAMETERS.get(name)
    bounds = None if entry is None else entry.bounds
    if bounds is None or bounds.high is None:
        return top
    limit = bounds.high if bounds.closed in ("right", "both") else (param.high + bounds.high) / 2
    return max(param.high, min(top, limit))


def _epoch_step(space, trend):
    if space is not None and "max_epochs" in space:
        param = space["max_epochs"]
        if param.fixed:
            return {"max_epochs": 2 * int(param.value)}
        if param.choices is not None:
            return {"max_epochs": {"choices": sorted({*param.choices, 2 * max(param.choices)})}}
        return {"max_epochs": {"low": int(param.low), "high": 2 * int(param.high)}}
    return {"max_epochs": 2 * trend.n_epochs}


def _effect_step(space, effect):
    """Overrides for a regularizer that helped or hurt, or {} when its space entry cannot express it."""
    if space is None or effect.name not in space:
        return {}
    param = space[effect.name]
    if effect.kind == "numeric":
        higher_better = effect.verdict == "helped"  # the tested group is the one above the split
        if param.choices is not None:  # keep the better side's numbers, and every non-number ("auto")
            keep = [c for c in param.choices if not _is_number(c) or (c > effect.split) == higher_better]
            return {effect.name: {"choices": keep}} if keep and len(keep) < len(param.choices) else {}
        if _range(space, effect.name) is None:
            return {}
        split = _typed(param, effect.split)
        bounds = {"low": split, "high": param.high} if higher_better else {"low": param.low, "high": split}
        return {effect.name: bounds} if bounds["low"] < bounds["high"] else {}
    levels = [g.label for g in effect.groups]
    choices = list(param.choices) if param.choices is not None else []
    by_label = {level_label(c): c for c in choices}
    tested = by_label.get(levels[0])
    if tested is None:
        return {}
    if effect.verdict == "helped":
        return {effect.name: tested}
    keep = [c for c in choices if c != tested]
    if len(keep) == 1:
        return {effect.name: keep[0]}
    return {effect.name: {"choices": keep}} if keep else {}


def _penalty_steps(space, best_params, gap_kind, taken):
    overrides = {}
    for name in PENALTIES:
        param = _range(space, name)
        value = best_params.get(name)
        if param is None or name in taken or value is None:
            continue
        where = _position(param, value) if value > 0 or not param.log else 0.0
        if gap_kind == "overfit":
            high = _wider_top(name, param) if where >= 1 - EDGE else param.high
            if value > param.low or high > param.high:
                overrides[name] = {"low": float(value), "high": float(high)}
        elif where <= EDGE:
            overrides[name] = 0.0
        elif value < param.high:
            overrides[name] = {"low": param.low, "high": float(value)}
    if gap_kind == "bias":
        overrides.update(_bigger_network(space, best_params, taken))
    return overrides


def _bigger_network(space, best_params, taken):
    overrides = {}
    width = _range(space, "width")
    value = best_params.get("width")
    if width is not None and "width" not in taken and value is not None and _position(width, value) >= 0.75:
        overrides["width"] = {"low": int(width.low), "high": 2 * int(width.high)}
    layers = space["n_layers"] if space is not None and "n_layers" in space else None
    value = best_params.get("n_layers")
    if layers is None or "n_layers" in taken or value is None:
        return overrides
    if layers.choices is not None and value == max(layers.choices):
        overrides["n_layers"] = {"choices": sorted({*layers.choices, value + 1})}
    elif not layers.fixed and layers.choices is None and _position(layers, value) >= 0.75:
        overrides["n_layers"] = {"low": int(layers.low), "high": int(layers.high) + 1}
    return overrides


def _timeout_flag(seconds):
    """A study's recorded time budget as ``--timeout``, rounded up: ``40s`` below a minute, else
    ``_duration``'s minutes (the CLI records what its budget left for the search and the final
    model, a few seconds short of the ``--timeout`` given)."""
    return f"{math.ceil(seconds)}s" if seconds < 60 else _duration(seconds)


def _duration(seconds):
    minutes = math.ceil(seconds / 60)
    return f"{minutes}m" if minutes < 120 else f"{math.ceil(minutes / 60)}h"


def plan_steps(facts, *, trend, gap, effects, top):
    """The steps, in the order of the module docstring; each changes only parameters no earlier one did."""
    steps, taken = [], set()

    def add(reason, tag, space=None, flags=None):
        space = {k: v for k, v in (space or {}).items() if k not in taken}
        if space or flags:
            taken.update(space)
            changes = ([describe(space)] if space else []) + [f"{k} {v}" for k, v in (flags or {}).items()]
            steps.append(Step(f"{reason}: {'; '.join(changes)}", tag, space, dict(flags or {})))

    if trend is not None and trend.budget_too_small:
        add(
            f"The best epoch is {trend.best_epoch} of {trend.n_epochs} and validation still improves, "
            "so train longer",
            "epoch budget too small",
            _epoch_step(facts.space, trend),
        )
    for effect in effects:
        if effect.verdict in ("helped", "hurt"):
            joint = " " if effect.kind == "numeric" else " = "
            said = f"{effect.name}{joint}{effect.groups[0].label} {effect.verdict}"
            add(
                f"{said[0].upper()}{said[1:]}, so search its better side",
                said,
                _effect_step(facts.space, effect),
            )
    if gap is not None and gap.kind == "overfit":
        add(
            "Overfitting, so search only penalties at least as strong as the best trial's",
            "overfitting: stronger penalties",
            _penalty_steps(facts.space, facts.best_params, "overfit", taken),
        )
    if gap is not None and gap.kind == "bias":
        overrides = _penalty_steps(facts.space, facts.best_params, "bias", taken)
        larger = "width" in overrides or "n_layers" in overrides
        add(
            "Bias dominates, so search only penalties weaker than the best trial's (0 where it used almost "
            "none, from the bottom tenth of its range)"
            + (" and larger networks, as it used the largest" if larger else ""),
            "bias: weaker penalties" + (", larger network" if larger else ""),
            overrides,
        )
    if top is not None and top.tied and facts.cv is not None and facts.cv < MAX_CV:
        add(
            "Trials are tied with the best, so use more folds: more paired differences tell them apart "
            "(more trials would not)",
            "ties",
            flags={"--cv": str(min(MAX_CV, 2 * facts.cv))},
        )
    order = sorted(facts.finished)
    if facts.n_trials and not facts.converged and len(order) >= MIN_SEARCH and facts.best_number in order:
        rank = order.index(facts.best_number)
        if rank >= (1 - LATE_SEARCH) * len(order):
            add(
                f"The best trial came late (number {rank + 1} of {len(order)} finished trials), so the "
                "search has not settled: run more trials",
                "search not settled",
                flags={"--trials": str(2 * facts.n_trials)},
            )
    if facts.stopped_by_time and facts.wall_time:
        add(
            f"The time limit stopped the study after {len(order)}"
            + ("" if facts.n_trials is None else f" of {facts.n_trials}")
            + " trials, so give it more time",
            "time limit",
            flags={"--timeout": _duration(2 * max(facts.wall_time, facts.timeout or 0))},
        )
    return steps


def toml_value(value):
    """A TOML literal of a number, boolean, string, list or inline table.

    Examples
    --------
    >>> toml_value({"low": 1e-05, "high": 3.0}), toml_value([1, 2]), toml_value(True), toml_value(20)
    ('{low = 1e-05, high = 3.0}', '[1, 2]', 'true', '20')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = f"{value:.4g}"
        return text if any(c in text for c in ".en") else text + ".0"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value))  # a JSON string is a TOML basic string


def _entry(name, spec, default):
    """``spec`` as ``to_dict`` writes it, without a ``log`` key that repeats the default's scale."""
    if isinstance(spec, dict) and "log" in spec and default is not None and spec["log"] == default.log:
        spec = {k: v for k, v in spec.items() if k != "log"}
    return f"{name} = {toml_value(spec)}"


def space_toml(space, steps):
    """The next study's space file: the changed lines (with their reason), then the rest unchanged.

    Returns None when the study recorded no space. Raises ``ValueError`` when a step's overrides are
    not a valid space (a bug in a rule, never the user's doing).
    """
    if space is None:
        return None
    from regtune.tuning import SearchSpace

    overrides = {name: spec for step in steps for name, spec in step.space.items()}
    if not overrides:
        return None
    new = space.override(overrides).to_dict()
    default = SearchSpace.default()
    changed, rest = [], []
    for step in steps:
        for name in step.space:
            changed.append(f"{_entry(name, new.get(name, overrides[name]), default[name])}  # {step.tag}")
    for name, spec in new.items():
        if name in overrides or (name == "drop" and not spec):
            continue
        rest.append(_entry(name, spec, default[name] if name in default else None))  # noqa: SIM401
    return "\n".join(["# changed", *changed, "", "# unchanged", *rest]) + "\n"


def cli_line(attrs, study_name, steps, *, space_file="next-space.toml"):
    """The ``regtune tune`` command of the next study (a new study name: a changed space cannot resume).

    ``space_file`` is the TOML file of :func:`space_toml`, or None when there is none.
    """
    flags = {"--cv": attrs.get("cv"), "--trials": attrs.get("n_trials")}
    if attrs.get("timeout"):  # the same time budget (a step may raise it)
        flags["--timeout"] = _timeout_flag(attrs["timeout"])
    for step in steps:
        flags.update(step.flags)
    words = [
        "regtune",
        "tune",
        attrs.get("data_path") or "DATA",
        "--target",
        str(attrs.get("target", "TARGET")),
    ]
    if space_file is not None:
        words += ["--space", space_file]
    words += ["--study", f"{study_name}-next"]
    default_metric = "rmse" if attrs.get("task") == "regression" else "log_loss"
    if attrs.get("metric") not in (None, default_metric):
        words += ["--metric", str(attrs["metric"])]  # the recorded name is one --metric accepts
    if attrs.get("pruner") not in (None, "hyperband"):
        words += ["--pruner", str(attrs["pruner"])]
    words += [str(w) for k, v in flags.items() if v is not None for w in (k, v)]
    if attrs.get("timeout") and attrs.get("stop_when_converged") is False:
        words.append("--full-budget")  # it searched until its deadline: so does the next one
    return " ".join(shlex.quote(str(w)) for w in words)
