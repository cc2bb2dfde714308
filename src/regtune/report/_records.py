"""Read what regtune's tuner left in an Optuna study into plain Python values for the report.

The records are the ones the tuner writes (see ``docs/report.md``): study user attributes ("task",
"metric", "n_rows", ...), each trial's parameters, its intermediate values (epoch -> mean validation
metric over folds) and its user attributes ("train_curve", "valid_curve", "score_std", "sparsity",
"pruned_at", "fail_reason", ...). Anything missing is reported as missing, never invented, so the report
also renders for a study that another tool created.
"""

import datetime as dt
import functools
from dataclasses import dataclass, field

from optuna.trial import TrialState


@dataclass
class StudyRecords:
    """The numbers and texts of one study, in the shape the report's sections need."""

    name: str
    direction: str
    attrs: dict
    study: object = None
    complete: list = field(default_factory=list)
    pruned: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    running: list = field(default_factory=list)

    @property
    def maximize(self):
        return self.direction == "maximize"

    @property
    def metric(self):
        return self.attrs.get("metric", "objective value")

    def ranked(self):
        """Complete trials, best first."""
        return sorted(self.complete, key=lambda t: t.value, reverse=self.maximize)

    def best(self):
        ranked = self.ranked()
        return ranked[0] if ranked else None

    def trial_records(self):
        """Complete trials best first, then pruned trials, as plain :class:`TrialRecord` data."""
        return [trial_record(t, "complete") for t in self.ranked()] + [
            trial_record(t, "pruned") for t in self.pruned
        ]

    def all_trials(self):
        """Complete, pruned, failed and running trials."""
        return self.complete + self.pruned + self.failed + self.running

    @functools.cached_property
    def origins(self):
        """``trial number -> (kind, entry)`` of the study's trials, from
        ``regtune.tuning.trial_origin``: kind "default", "portfolio" or "search"; entry the
        portfolio entry's name (None for the other kinds)."""
        from regtune.tuning import trial_origin

        parsed = {}
        for t in self.all_trials():
            kind, _, entry = trial_origin(t).partition(": ")
            parsed[t.number] = (kind, entry or None)
        return parsed

    def param_names(self):
        """Every parameter any finished trial sampled, in first-seen order."""
        names = {}
        for trial in self.complete + self.pruned:
            names.update(dict.fromkeys(trial.params))
        return list(names)

    def wall_time(self):
        """Seconds from the first trial's start to the last trial's end (or now, while running)."""
        trials = self.complete + self.pruned + self.failed + self.running
        starts = [t.datetime_start for t in trials if t.datetime_start is not None]
        if not starts:
            return None
        ends = [t.datetime_complete for t in trials if t.datetime_complete is not None]
        if self.running or not ends:
            ends.append(dt.datetime.now())
        return (max(ends) - min(starts)).total_seconds()


@dataclass(frozen=True)
class TrialRecord:
    """One finished trial as plain data: what the verdict's rules read (see ``_verdict``).

    ``valid_curve`` and ``train_curve`` are the means over folds, epoch by epoch; ``fold_scores`` are
    the folds' validation scores at the trial's best epoch (the folds are the same for every trial of a
    study, so two trials' fold scores can be paired).
    """

    number: int
    state: str  # "complete" or "pruned"
    value: float | None
    params: dict
    fold_scores: tuple = ()
    valid_curve: tuple = ()
    train_curve: tuple = ()


def trial_record(trial, state):
    """A :class:`TrialRecord` of an Optuna trial (``state``: "complete" or "pruned")."""
    attrs = trial.user_attrs
    valid = fold_mean_curve(attrs.get("valid_curve") or [])
    if not valid and trial.intermediate_values:
        valid = [trial.intermediate_values[e] for e in sorted(trial.intermediate_values)]
    return TrialRecord(
        number=trial.number,
        state=state,
        value=None if trial.value is None or state != "complete" else float(trial.value),
        params=dict(trial.params),
        fold_scores=tuple(float(s) for s in attrs.get("fold_scores") or ()),
        valid_curve=tuple(valid),
        train_curve=tuple(fold_mean_curve(attrs.get("train_curve") or [])),
    )


def read_study(study):
    """Split a study's trials by state and collect its regtune attributes.

    Parameters
    ----------
    study : optuna.Study

    Returns
    -------
    StudyRecords
    """
    attrs = dict(study.user_attrs)
    direction = attrs.get("direction") or study.direction.name.lower()
    records = StudyRecords(name=study.study_name, direction=str(direction), attrs=attrs, study=study)
    buckets = {
        TrialState.COMPLETE: records.complete,
        TrialState.PRUNED: records.pruned,
        TrialState.FAIL: records.failed,
        TrialState.RUNNING: records.running,
    }
    for trial in study.get_trials(deepcopy=False):
        if trial.state in buckets:
            buckets[trial.state].append(trial)
    records.complete = [t for t in records.complete if t.value is not None]
    return records


def fold_mean_curve(curves):
    """Mean over folds, epoch by epoch, of a list (folds) of lists (epochs) of metric values.

    Folds may have run different numbers of epochs; epoch ``e`` averages the folds that reached it.

    Examples
    --------
    >>> fold_mean_curve([[1.0, 2.0, 3.0], [3.0, 4.0]])
    [2.0, 3.0, 3.0]
    """
    if not curves:
        return []
    n_epochs = max(len(c) for c in curves)
    mean = []
    for e in range(n_epochs):
        values = [float(c[e]) for c in curves if len(c) > e and c[e] is not None]
        mean.append(sum(values) / len(values) if values else None)
    return mean


def score_std(trial):
    """The standard deviation over folds recorded with a trial, or None."""
    value = trial.user_attrs.get("score_std")
    return None if value is None else float(value)


def format_duration(seconds):
    """``3725.0`` -> ``'1 h 2 min 5 s'``; ``None`` -> ``'-'``.

    Examples
    --------
    >>> format_duration(3725.0), format_duration(42.4), format_duration(None)
    ('1 h 2 min 5 s', '42.4 s', '-')
    """
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} h"] if hours else []
    return " ".join([*parts, f"{minutes} min", f"{secs} s"])


def format_value(value):
    """Short, stable text for a parameter or score value (``None`` -> ``'-'``)."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
