"""The sampler and the pruner of a study: Optuna's TPE and pruners with regtune's settings pinned."""

import math
import warnings

import optuna

from ._default_trial import is_default_trial
from ._optuna_internals import rungs_completed_since

__all__ = [
    "PRUNERS",
    "DefaultFloorHyperband",
    "hyperband_brackets",
    "make_pruner",
    "make_sampler",
    "startup_trials",
]

PRUNERS = ("hyperband", "median", "successive_halving", "none")


def hyperband_brackets(max_epochs, min_resource=1, reduction_factor=3):
    """Number of Hyperband brackets: ``floor(log_rf(max / min)) + 1`` (as Optuna computes it)."""
    return math.floor(math.log(max_epochs / min_resource, reduction_factor) + 1e-9) + 1


def startup_trials(pruner, max_epochs):
    """Random trials before TPE models the results: 10 in all.

    With Hyperband, TPE sees only the trials of the running trial's bracket, so the 10 are shared
    among the brackets (at least 3 each); otherwise TPE would stay random for 10 trials per bracket.
    """
    if pruner != "hyperband":
        return 10
    return max(3, math.ceil(10 / hyperband_brackets(max_epochs)))


def make_sampler(seed, n_startup_trials=10):
    """Optuna's TPE sampler with every argument regtune relies on pinned (Optuna 5 changed defaults).

    multivariate and group: one joint density over parameters that appear together, so the
    conditional ``bn_momentum`` is modelled with ``batch_norm``; constant_liar: running trials count
    as bad guesses so parallel workers spread out; ``n_startup_trials`` random trials (see
    :func:`startup_trials`); 24 EI candidates.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.samplers.TPESampler(
            seed=seed,
            n_startup_trials=n_startup_trials,
            n_ei_candidates=24,
            multivariate=True,
            group=True,
            constant_liar=True,
        )


class DefaultFloorHyperband(optuna.pruners.HyperbandPruner):
    """Optuna's Hyperband, where a promotion also needs a score at least as good as the study's
    default trial had by the same epoch.

    Optuna's successive halving cannot pause a trial, so a rung with fewer than
    ``reduction_factor`` trials promotes its best one: the first trials of each bracket train
    every epoch whatever their scores (on the quality benchmark's tables at 300 s, the first
    random trial, worse than the default trial at every epoch, took a fifth of the budget). Here
    a trial that Hyperband promotes at a rung is pruned instead when its score there is worse than
    the best score the default trial (trial 0, the untuned configuration) reached by that epoch.
    Only at rung steps, so each bracket still waits as long as Hyperband does before judging;
    no floor while the default trial has not yet trained that far (another worker runs it).
    """

    def __init__(self, min_resource=1, max_resource="auto", reduction_factor=3, bootstrap_count=0):
        super().__init__(min_resource, max_resource, reduction_factor, bootstrap_count)
        self.floor_min_resource = min_resource
        self.floor_reduction_factor = reduction_factor

    def prune(self, study, trial):
        if super().prune(study, trial):
            return True
        step = trial.last_step
        if step is None or not self._may_be_rung_step(step) or not rungs_completed_since(study, trial):
            return False
        floor = default_floor(study, step)
        if floor is None:
            return False
        value = trial.intermediate_values[step]
        if study.direction == optuna.study.StudyDirection.MAXIMIZE:
            return value < floor
        return value > floor

    def _may_be_rung_step(self, step):
        """Whether ``step`` is ``min_resource * reduction_factor ** j`` (every bracket's rungs are)."""
        ratio = step / self.floor_min_resource
        j = round(math.log(ratio, self.floor_reduction_factor)) if ratio >= 1 else -1
        return j >= 0 and self.floor_min_resource * self.floor_reduction_factor**j == step


def default_floor(study, step):
    """The best intermediate value of ``study``'s default trial at steps up to ``step``, or None
    when there is none, or when it is still running and has not reached ``step``."""
    found = [t for t in study.get_trials(deepcopy=False) if is_default_trial(t)]
    found = [t for t in found if t.intermediate_values]
    if not found:
        return None
    default = max(found, key=lambda t: len(t.intermediate_values))  # a requeued copy: the furthest
    if default.state == optuna.trial.TrialState.RUNNING and default.last_step < step:
        return None
    values = [v for s, v in default.intermediate_values.items() if s <= step and math.isfinite(v)]
    if not values:
        return None
    return max(values) if study.direction == optuna.study.StudyDirection.MAXIMIZE else min(values)


def make_pruner(pruner, max_epochs):
    """The pruner named ``pruner`` (or an ``optuna.pruners.BasePruner``, returned as is).

    hyperband: min 1 epoch, max ``max_epochs``, reduction factor 3, and the default trial's
    score as a floor at each promotion (:class:`DefaultFloorHyperband`). median: prunes below the median
    curve after 5 trials and a warm-up of a tenth of the epochs. successive_halving: min 1 epoch,
    reduction factor 3. none: never prunes.
    """
    if isinstance(pruner, optuna.pruners.BasePruner):
        return pruner
    if pruner == "hyperband":
        return DefaultFloorHyperband(min_resource=1, max_resource=max_epochs, reduction_factor=3)
    if pruner == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=max(1, max_epochs // 10))
    if pruner == "successive_halving":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)
    if pruner in ("none", None):
        return optuna.pruners.NopPruner()
    raise ValueError(f"pruner must be one of {list(PRUNERS)} or an Optuna pruner, got {pruner!r}")
