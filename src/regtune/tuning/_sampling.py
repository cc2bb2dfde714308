"""The sampler and the pruner of a study: Optuna's TPE and pruners with regtune's settings pinned."""

import math
import warnings

import optuna

__all__ = [
    "PRUNERS",
    "SharedHyperband",
    "hyperband_brackets",
    "make_pruner",
    "make_sampler",
    "startup_trials",
]

PRUNERS = ("hyperband", "median", "successive_halving", "none")


def hyperband_brackets(max_epochs, min_resource=1, reduction_factor=3):
    """Number of Hyperband brackets: ``floor(log_rf(max / min)) + 1`` (as Optuna computes it)."""
    return math.floor(math.log(max_epochs / min_resource, reduction_factor) + 1e-9) + 1


STARTUP_TRIALS = 5


def startup_trials(pruner, max_epochs):
    """Trials before TPE models the results (the default trial and random ones): ``STARTUP_TRIALS``.

    TPE sees the whole study with every pruner (see :class:`SharedHyperband`).
    """
    return STARTUP_TRIALS


class SharedHyperband(optuna.pruners.BasePruner):
    """Optuna's Hyperband pruner (min 1 epoch, reduction factor 3), with one sampler for the study.

    Optuna hands the sampler of a study pruned by a ``HyperbandPruner`` only the trials of the
    running trial's bracket: with 4 brackets and 20-60 trials in a 5-minute search, TPE modelled
    each bracket from a handful of trials, and the default trial (trial 0, usually the best early
    on) only in its own bracket. This pruner decides exactly as Hyperband does (each trial in its
    bracket, judged against its bracket's trials) but is not a ``HyperbandPruner``, so TPE models
    all finished trials: pruned ones ranked by the epoch they reached, then their score.
    """

    def __init__(self, max_epochs):
        self.hyperband = optuna.pruners.HyperbandPruner(
            min_resource=1, max_resource=max_epochs, reduction_factor=3
        )

    def prune(self, study, trial):
        return self.hyperband.prune(study, trial)


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


def make_pruner(pruner, max_epochs):
    """The pruner named ``pruner`` (or an ``optuna.pruners.BasePruner``, returned as is).

    hyperband: min 1 epoch, max ``max_epochs``, reduction factor 3. median: prunes below the median
    curve after 5 trials and a warm-up of a tenth of the epochs. successive_halving: min 1 epoch,
    reduction factor 3. none: never prunes.
    """
    if isinstance(pruner, optuna.pruners.BasePruner):
        return pruner
    if pruner == "hyperband":
        return SharedHyperband(max_epochs)
    if pruner == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=max(1, max_epochs // 10))
    if pruner == "successive_halving":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)
    if pruner in ("none", None):
        return optuna.pruners.NopPruner()
    raise ValueError(f"pruner must be one of {list(PRUNERS)} or an Optuna pruner, got {pruner!r}")
