"""Which trial's model is the final one: the default trial's, unless a trial beats it clearly.

The best trial by cross-validated score is the best of many draws, and part of its lead over the
default trial is the luck of the folds (selection noise). Measured on the time-budget benchmark's
11 tables at T = 60 s (``docs/benchmarks.md``, "Time budget"), three tuned models that led the
default trial by a hair in cross-validation were 0.1-0.4 % worse than the untuned model on the test
rows. The one-standard-error rule (Breiman et al. 1984; Hastie, Tibshirani and Friedman, *The
Elements of Statistical Learning*, section 7.10) answers that: prefer the simple choice unless
another is better by more than the noise of the comparison. Here the simple choice is the default
trial, and the noise is that of the paired fold differences (the same folds for every trial):

    d_k = score_default_k - score_trial_k     (oriented: positive when the trial is better)
    the trial beats the default clearly when  mean(d) > ONE_SE * sd(d) / sqrt(K)

with ``sd`` the sample standard deviation (``ddof=1``) over the ``K`` folds. The final trial is
then the best by score when any candidate beats the default clearly, else the default trial.
The rule applies only when the default trial is a candidate with fold scores; without one
(a study started with other trials, a default trial pruned or failed) the best by score is final.

Candidates are complete trials and trials stopped by the study's deadline (at their best epoch),
described by :class:`Candidate` so that a trial still running (the objective, when it offers its
model) can be judged with the finished ones.
"""

import math
from dataclasses import dataclass

import numpy as np
from optuna.trial import TrialState

from ._default_trial import is_default_trial

__all__ = [
    "ONE_SE",
    "Candidate",
    "best_scored",
    "candidate",
    "candidates_of",
    "choose",
    "clearly_better",
    "final_trial",
]

ONE_SE = 1.0  # standard errors of the mean paired difference a trial must lead the default by


@dataclass(frozen=True)
class Candidate:
    """A trial whose fold ensemble may be the final model.

    ``score``: its mean cross-validated metric at its best epoch; ``complete``: it completed (a
    tie goes to a complete trial); ``folds``: the fold scores at that epoch; ``default``: it is
    the study's default trial.
    """

    number: int
    score: float
    complete: bool
    folds: tuple
    default: bool


def candidate(trial):
    """The :class:`Candidate` of a finished trial (a ``FrozenTrial``), or None when its model
    cannot be final (pruned by the pruner, failed, or without a score)."""
    if trial.state == TrialState.COMPLETE:
        score = trial.value
    elif trial.state == TrialState.PRUNED and trial.user_attrs.get("pruned_reason") == "deadline":
        score = trial.user_attrs.get("best_score")
    else:
        return None
    if score is None:
        return None
    folds = tuple(float(s) for s in trial.user_attrs.get("fold_scores") or ())
    complete = trial.state == TrialState.COMPLETE
    return Candidate(trial.number, float(score), complete, folds, is_default_trial(trial))


def candidates_of(study, *, complete_only=False, leave_out=None):
    """The candidates among ``study``'s finished trials: the complete ones, and those stopped by
    the deadline unless ``complete_only`` (and no trial completed); ``leave_out``: a trial
    number to skip (the running trial, judged separately)."""
    states = (TrialState.COMPLETE,) if complete_only else (TrialState.COMPLETE, TrialState.PRUNED)
    found = [candidate(t) for t in study.get_trials(deepcopy=False, states=states) if t.number != leave_out]
    found = [c for c in found if c is not None]
    if complete_only and not found:
        return candidates_of(study, leave_out=leave_out)
    return found


def clearly_better(folds, default_folds, *, maximize, n_se=None):
    """Whether fold scores ``folds`` beat ``default_folds`` (the same folds, in the same order) by
    more than ``n_se`` standard errors of the mean paired difference.

    Parameters
    ----------
    folds, default_folds : sequence of float
    maximize : bool
        The metric's direction.
    n_se : float, optional
        Default: the module's ``ONE_SE``.

    Returns
    -------
    bool or None
        None when the folds cannot be paired (different counts, or fewer than 2).

    Examples
    --------
    >>> clearly_better([1.0, 2.0, 3.0], [1.2, 2.2, 3.1], maximize=False)  # lead 0.17, se 0.03
    True
    >>> clearly_better([1.0, 2.0, 3.0], [1.3, 1.9, 3.0], maximize=False)  # lead 0.07, se 0.12
    False
    """
    k = len(folds)
    if k < 2 or len(default_folds) != k:
        return None
    d = np.asarray(default_folds, dtype=float) - np.asarray(folds, dtype=float)
    if maximize:
        d = -d
    n_se = ONE_SE if n_se is None else n_se
    return bool(d.mean() > n_se * d.std(ddof=1) / math.sqrt(k))


def best_scored(candidates, *, maximize):
    """The candidate with the best score (a complete one on a tie, then the lowest number), or
    None."""
    sign = -1.0 if maximize else 1.0
    return min(candidates, key=lambda c: (sign * c.score, not c.complete, c.number), default=None)


def choose(candidates, *, maximize):
    """The final candidate: the best by score (a complete one on a tie, then the lowest number)
    when some candidate beats the default trial clearly (:func:`clearly_better`) or when the
    rule cannot apply; else the default trial. None without candidates."""
    best = best_scored(candidates, maximize=maximize)
    if best is None:
        return None
    sign = -1.0 if maximize else 1.0
    default = next((c for c in candidates if c.default), None)
    if best.default or default is None or len(default.folds) < 2:
        return best
    for c in candidates:
        if c.default:
            continue
        clear = clearly_better(c.folds, default.folds, maximize=maximize)
        if clear or (clear is None and sign * c.score < sign * default.score):
            return best  # beaten clearly, or by score where the folds cannot be paired
    return default


def final_trial(study, *, complete_only=False):
    """The trial whose model is the final one, or None: :func:`choose` among
    :func:`candidates_of` ``study``; among the complete trials only with ``complete_only`` (a
    refit needs a complete trial), unless none completed."""
    chosen = choose(
        candidates_of(study, complete_only=complete_only), maximize=study.direction.name == "MAXIMIZE"
    )
    return None if chosen is None else study.get_trials(deepcopy=False)[chosen.number]
