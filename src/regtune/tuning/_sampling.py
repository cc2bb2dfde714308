"""The sampler and the pruner of a study: Optuna's TPE and pruners with regtune's settings pinned."""

import math
import warnings

import optuna

from ._portfolio import PortfolioSampler

__all__ = ["PRUNERS", "hyperband_brackets", "make_pruner", "make_sampler", "startup_trials", "study_sampler"]

PRUNERS = ("hyperband", "median", "successive_halving", "none")


def hyperband_brackets(max_epochs, min_resource=1, reduction_factor=3):
    """Number of Hyperband brackets: ``floor(log_rf(max / min)) + 1`` (as Optuna computes it)."""
    return math.floor(math.log(max_epochs / min_resource, reduction_factor) + 1e-9) + 1


def startup_trials(pruner, max_epochs):
    """Trials before TPE models the results (it draws at random until then): 10 in all; the
    default trial and the portfolio's count among them.

    With Hyperband, TPE sees only the trials of the running trial's bracket, so the 10 are shared
    among the brackets (at least 3 each); otherwise TPE would stay random for 10 trials per bracket.
    """
    if pruner != "hyperband":
        return 10
    return max(3, math.ceil(10 / hyperband_brackets(max_epochs)))


def make_sampler(seed, n_startup_trials=10, task=None, space=None):
    """Optuna's TPE sampler with every argument regtune relies on pinned (Optuna 5 changed defaults),
    behind the portfolio of ``task`` in the study's ``space`` (``_portfolio``) when ``task`` is given.

    multivariate and group: one joint density over parameters that appear together, so the
    conditional ``bn_momentum`` is modelled with ``batch_norm``; constant_liar: running trials count
    as bad guesses so parallel workers spread out; ``n_startup_trials`` random trials (see
    :func:`startup_trials`); 24 EI candidates.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        tpe = optuna.samplers.TPESampler(
            seed=seed,
            n_startup_trials=n_startup_trials,
            n_ei_candidates=24,
            multivariate=True,
            group=True,
            constant_liar=True,
        )
    return tpe if task is None else PortfolioSampler(tpe, task, space)


def study_sampler(seed, config):
    """The sampler of a study with ``config`` (a StudyConfig): its task's portfolio in its space,
    then TPE seeded with ``seed`` (each worker's own)."""
    return make_sampler(
        seed, startup_trials(config.pruner, config.space.max_epochs()), config.task, config.space
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
        return optuna.pruners.HyperbandPruner(min_resource=1, max_resource=max_epochs, reduction_factor=3)
    if pruner == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=max(1, max_epochs // 10))
    if pruner == "successive_halving":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)
    if pruner in ("none", None):
        return optuna.pruners.NopPruner()
    raise ValueError(f"pruner must be one of {list(PRUNERS)} or an Optuna pruner, got {pruner!r}")
