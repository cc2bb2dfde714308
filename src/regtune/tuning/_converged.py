"""Ending a timed search early once it has converged.

A time budget is a ceiling, not a target: when the search has stopped finding anything the folds
can tell apart from noise, the job ends there and hands over its best model. After each trial a
worker checks (``check_converged``, every worker on every machine does):

* **progress** is a trial that beats the last such trial (the *anchor*; the first scored trial
  starts it) by more than one standard error of their paired fold differences (every trial has
  the same folds). Gains below that are noise to the folds; they still count for the final
  model, which stays the best trial by mean score (``_final_model``): only when to stop is
  decided here. Comparing with the anchor, not with the best so far, lets a run of small gains
  that add up count as progress;
* **converged**: the default trial has ended, and since the anchor ended at ``t`` seconds into
  the job, at least ``max(t, PATIENCE_FLOOR_SHARE * T)`` seconds and ``PATIENCE_TRIALS``
  ended trials (of any state) have passed. The patience grows with the time progress took, so a
  search that found its best late gets as long again to find more.

When it has converged, the study's ``deadline`` moves to now: no trial starts, running trials
stop at their next epoch boundary (as at the end of the budget) and the final model is made as
usual. The record ``search_converged`` (study user attribute) says when and why; it holds for
the job whose ``job_end`` it names only. A resumed study's earlier trials count in the chain of
progress; an anchor from an earlier job counts as ending at the new job's start (0 s), so the
new job stops after the floor and ``PATIENCE_TRIALS`` new trials unless one of them gains.
"""

import time
from typing import NamedTuple

import numpy as np
from optuna.study import StudyDirection
from optuna.trial import TrialState

from ._budget import CONVERGED_ATTR, Budget, converged_record
from ._default_trial import is_default_trial

__all__ = [
    "CONVERGED_ATTR",
    "PATIENCE_FLOOR_SHARE",
    "PATIENCE_TRIALS",
    "Progress",
    "check_converged",
    "converged_record",
    "search_progress",
    "significant_gain",
]

# Trials that must end without progress before a search may be called converged.
PATIENCE_TRIALS = 8
# ... and the least share of the budget they must take.
PATIENCE_FLOOR_SHARE = 0.2
_FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)


def significant_gain(anchor, scores, sign=1.0):
    """Whether fold ``scores`` beat the ``anchor``'s (same folds, same order) by more than one
    standard error of the paired differences; ``sign`` is 1 when lower is better, -1 when
    higher is."""
    anchor = sign * np.asarray(anchor, dtype=float)
    scores = sign * np.asarray(scores, dtype=float)
    if anchor.shape != scores.shape or anchor.size < 2:
        return False
    gain = anchor - scores
    mean = float(gain.mean())
    return mean > 0 and mean > float(gain.std(ddof=1)) / np.sqrt(gain.size)


def _scored(trial, cv):
    """A trial with a model and its fold scores: complete, or stopped by the deadline."""
    if trial.state == TrialState.PRUNED and trial.user_attrs.get("pruned_reason") != "deadline":
        return False
    if trial.state not in (TrialState.COMPLETE, TrialState.PRUNED):
        return False
    folds = trial.user_attrs.get("fold_scores")
    return bool(folds) and len(folds) == cv


class Progress(NamedTuple):
    """The search's last progress (see :func:`search_progress`)."""

    anchor: object  # the trial of the last progress (a FrozenTrial), or None before any score
    at: float  # seconds from the job's start to its end (0 for a trial that ended before)
    since: int  # trials ended after it and after the job's start
    gains: int  # how often the anchor moved (0: it is the first trial with a score)


def search_progress(trials, *, started, cv, sign=1.0):
    """The search's last progress among ``trials`` (a :class:`Progress`), ``started`` the job's
    start (unix time)."""
    ended = sorted(
        (t for t in trials if t.state in _FINISHED and t.datetime_complete is not None),
        key=lambda t: t.datetime_complete,
    )
    anchor, gains = None, 0
    for trial in ended:
        if not _scored(trial, cv):
            continue
        if anchor is None:
            anchor = trial
        elif significant_gain(anchor.user_attrs["fold_scores"], trial.user_attrs["fold_scores"], sign):
            anchor, gains = trial, gains + 1
    if anchor is None:
        return Progress(None, 0.0, 0, 0)
    anchor_end = anchor.datetime_complete.timestamp()
    since = max(anchor_end, started)
    n_since = sum(t.datetime_complete.timestamp() > since for t in ended)
    return Progress(anchor, max(0.0, anchor_end - started), n_since, gains)


def check_converged(study, cv, now=None):
    """After a trial ended: when the study's timed search has converged (see the module), move
    its deadline to now and record why. Returns the record, or None while it goes on."""
    attrs = study.user_attrs
    budget = Budget.from_attrs(attrs)
    if budget.timeout is None or not budget.stop_when_converged:
        return None
    started = budget.job_end - budget.timeout
    done = converged_record(attrs)
    if done is not None:
        # another worker's deadline update (a refit's, read before the record was written) may
        # have moved the deadline past the moment the search converged: put it back
        if budget.deadline is None or budget.deadline > started + done["at"]:
            study.set_user_attr("deadline", started + done["at"])
        return done
    now = time.time() if now is None else now
    if budget.deadline is not None and now >= budget.deadline:
        return None  # the budget ends the search anyway
    trials = study.get_trials(deepcopy=False)
    default = [t for t in trials if is_default_trial(t)]
    if not default or any(t.state not in _FINISHED for t in default):
        return None  # the untuned default may still be the best: let it end
    sign = -1.0 if study.direction == StudyDirection.MAXIMIZE else 1.0
    anchor, anchor_at, n_since, gains = search_progress(trials, started=started, cv=cv, sign=sign)
    if anchor is None:
        return None
    elapsed = now - started
    patience = max(anchor_at, PATIENCE_FLOOR_SHARE * budget.timeout)
    if n_since < PATIENCE_TRIALS or elapsed - anchor_at < patience:
        return None
    record = {
        "job_end": budget.job_end,
        "at": round(elapsed, 3),
        "timeout": budget.timeout,
        "anchor_trial": anchor.number,
        "anchor_at": round(anchor_at, 3),
        "anchor_first": gains == 0,
        "anchor_earlier": anchor.datetime_complete.timestamp() < started,
        "trials_since": int(n_since),
        "patience": round(patience, 3),
    }
    study.set_user_attr(CONVERGED_ATTR, record)
    study.set_user_attr("deadline", now)
    return record
