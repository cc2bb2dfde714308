"""The job's wall-clock budget as every worker sees it: when the search ends, what one trial may cost.

``tune(timeout=T)`` promises that the whole job (search, final model, saving) ends by
``job_end = start + T``. It stores in the study (``user_attrs``, so workers on every machine share
them):

* ``timeout``: ``T``; ``job_end``: ``start + T`` (unix time);
* ``deadline``: the end of the search, ``job_end`` minus the final model's reserve
  (:func:`final_reserve`). No worker starts a trial after it, and a running trial stops at its
  first step boundary past it (``_objective``); the process that completes a new best trial
  moves it to fit that trial's final model (:func:`update_deadline`);
* ``max_trial_seconds``: ``MAX_TRIAL_SHARE * T``, what one trial may cost; a trial's epochs are
  capped to what its predicted step time allows (``_objective``, ``_cost``); the default trial
  may use ``default_trial_seconds`` instead, ``DEFAULT_TRIAL_SHARE * T`` (less with a refit to
  come, :meth:`Budget.start`; ``_default_trial``);
* ``max_train_rows``: on large data, the rows each fold's network trains on (a fixed random subset
  of the fold's training rows; ``_budget_space.train_rows_cap``), so the first rung comes fast;
  ``default_train_rows``: the same for the default trial, which the pruner never stops: all its
  folds' rows unless the training part of one step on them would take its whole share
  (``_budget_space.default_train_rows``);
* ``final_model`` and ``model_path`` (where the best model so far is written, see ``_best_model``);
* ``stop_when_converged``: whether the search may end before the deadline once it has converged
  (``_converged``, which then moves ``deadline`` to that moment and records why in
  ``search_converged``).
"""

import math
import time
from dataclasses import dataclass

from optuna.exceptions import StorageInternalError
from optuna.trial import TrialState
from sqlalchemy.exc import SQLAlchemyError

__all__ = [
    "CONVERGED_ATTR",
    "DEFAULT_TRIAL_SHARE",
    "FINAL_MODELS",
    "MAX_TRIAL_SHARE",
    "Budget",
    "DeadlineWatch",
    "converged_record",
    "final_reserve",
    "first_step_seconds",
    "update_deadline",
]

FINAL_MODELS = ("ensemble", "refit")
# The study user attribute that records a search ended early because it converged (``_converged``).
CONVERGED_ATTR = "search_converged"
# No single trial may need more than this share of the budget (its epochs are capped to fit).
MAX_TRIAL_SHARE = 0.25
# The default trial (trial 0) may use this share of the budget instead: it trains as the untuned
# estimator does, and a tuned result must never be worse than the untuned default. Three quarters,
# not half: where half stopped it short (15,000 rows at T = 60 s: epoch 22 of 50, still
# improving), the search's trials in the rest were capped to a few epochs and never won either;
# measured over three splits at 60 s in docs/benchmarks.md, "T = 60 s on two more splits,
# and the default trial's share".
DEFAULT_TRIAL_SHARE = 0.75
# Seconds kept at the end for the wrap-up: the last step's records, the workers' exit, handing the
# best model over (measured: 0.2-0.6 s on 2 busy cores with 2 workers), and 1% of the budget more.
WRAP_UP = 1.0
WRAP_UP_SHARE = 0.01
# A refit is predicted from the best trial's measured step time, with this safety factor.
REFIT_SAFETY = 1.25


@dataclass(frozen=True)
class Budget:
    """The budget records of a study (all None when it has no timeout)."""

    timeout: float | None = None
    job_end: float | None = None
    deadline: float | None = None
    final_model: str | None = "ensemble"
    model_path: str | None = None
    max_train_rows: int | None = None
    default_train_rows: int | None = None
    default_seconds: float | None = None  # what the default trial may cost (see start)
    stop_when_converged: bool = False

    @classmethod
    def from_attrs(cls, attrs):
        return cls(
            timeout=attrs.get("timeout"),
            job_end=attrs.get("job_end"),
            deadline=attrs.get("deadline"),
            final_model=attrs.get("final_model", "ensemble"),
            model_path=attrs.get("model_path"),
            max_train_rows=attrs.get("max_train_rows"),
            default_train_rows=attrs.get("default_train_rows"),
            default_seconds=attrs.get("default_trial_seconds"),
            stop_when_converged=bool(attrs.get("stop_when_converged", False)),
        )

    def to_attrs(self):
        return {
            "timeout": self.timeout,
            "job_end": self.job_end,
            "deadline": self.deadline,
            "max_trial_seconds": self.max_trial_seconds,
            "final_model": self.final_model,
            "model_path": self.model_path,
            "max_train_rows": self.max_train_rows,
            "default_train_rows": self.default_train_rows,
            "default_trial_seconds": self.default_trial_seconds,
            "stop_when_converged": self.stop_when_converged,
        }

    @property
    def max_trial_seconds(self):
        """What one trial may cost (None without a time limit)."""
        return None if self.timeout is None else MAX_TRIAL_SHARE * self.timeout

    @property
    def default_trial_seconds(self):
        """What the default trial may cost (None without a time limit): as :meth:`start` set it,
        or ``DEFAULT_TRIAL_SHARE`` of the budget for a study recorded before it was stored."""
        if self.timeout is None:
            return None
        return (
            self.default_seconds if self.default_seconds is not None else DEFAULT_TRIAL_SHARE * self.timeout
        )

    @classmethod
    def start(
        cls,
        timeout,
        *,
        final_model,
        model_path,
        cv,
        started=None,
        max_train_rows=None,
        default_train_rows=None,
        n_rows=None,
        stop_when_converged=False,
    ):
        """The budget of a job of ``timeout`` seconds (None: no time limit) starting now (or at
        unix time ``started``); ``max_train_rows`` and ``default_train_rows``: see
        ``_budget_space.train_rows_cap`` and ``_budget_space.default_train_rows``; ``n_rows``:
        the data's rows (what a refit trains on, needed with ``max_train_rows``). The default
        trial may cost ``DEFAULT_TRIAL_SHARE`` of the budget; with ``final_model="refit"`` less
        where that share and the refit of the default trial (which may be the best) would not
        both fit in the budget (with 3 folds, about 0.6 of it). ``stop_when_converged``: see
        ``_converged``."""
        if timeout is None:
            return cls(final_model=final_model, model_path=model_path)
        timeout = float(timeout)
        job_end = (time.time() if started is None else started) + timeout
        max_trial = MAX_TRIAL_SHARE * timeout
        # Before any trial is measured a refit may cost as much as the largest trial allows, times
        # what one network on all rows costs against the trial's k fold networks (refit_share).
        first_refit = 0.0
        if final_model == "refit":
            first_refit = REFIT_SAFETY * max_trial * refit_share(cv, n_rows, max_train_rows)
        reserve = final_reserve(timeout) + first_refit
        default_seconds = DEFAULT_TRIAL_SHARE * timeout
        if final_model == "refit":
            # The default trial may be the best, and then its refit comes after it: both must fit.
            refit = REFIT_SAFETY * refit_share(cv, n_rows, default_train_rows)
            default_seconds = min(default_seconds, (timeout - final_reserve(timeout)) / (1.0 + refit))
        return cls(
            timeout=timeout,
            job_end=job_end,
            deadline=job_end - min(reserve, 0.5 * timeout),
            final_model=final_model,
            model_path=model_path,
            max_train_rows=max_train_rows,
            default_train_rows=default_train_rows,
            default_seconds=default_seconds,
            stop_when_converged=bool(stop_when_converged),
        )


def final_reserve(timeout):
    """Seconds kept after the search for the wrap-up (the fold ensemble needs no more)."""
    return WRAP_UP + WRAP_UP_SHARE * timeout


def refit_share(cv, n_rows, train_rows):
    """What one epoch of a network on all ``n_rows`` rows costs against one step of a trial,
    whose ``cv`` fold networks train on ``(cv-1)/cv`` of the rows each (``1 / (cv - 1)``), or on
    ``train_rows`` rows each when rows were a fidelity (``n_rows / (cv * train_rows)``)."""
    if train_rows is None or n_rows is None:
        return 1.0 / (cv - 1)
    return max(1.0 / (cv - 1), float(n_rows) / (cv * int(train_rows)))


def refit_seconds(trial, cv, n_rows=None):
    """Predicted seconds of refitting ``trial``'s configuration on all ``n_rows`` rows for its
    best epoch: its measured step times :func:`refit_share` (evaluation included: an upper
    bound). A trial that trained on a subset of each fold (``max_train_rows``) counts its epochs
    over that subset; the refit trains as many epochs over every row, hence the larger share.
    """
    step = trial.user_attrs.get("step_seconds")
    epochs = trial.user_attrs.get("best_epoch", trial.user_attrs.get("n_epochs", 1))
    if not step:
        return 0.0
    share = refit_share(cv, n_rows, trial.user_attrs.get("max_train_rows"))
    return REFIT_SAFETY * float(step) * int(epochs) * share


def update_deadline(study, trial, cv):
    """After ``trial`` finished: with a refit to come and ``trial`` the new best, move the
    study's ``deadline`` to leave that refit its predicted time."""
    attrs = study.user_attrs
    budget = Budget.from_attrs(attrs)
    if budget.job_end is None or budget.final_model != "refit" or trial.state != TrialState.COMPLETE:
        return
    if study.best_trial.number != trial.number:
        return
    reserve = final_reserve(budget.timeout) + refit_seconds(trial, cv, attrs.get("n_rows"))
    deadline = budget.job_end - min(reserve, 0.5 * budget.timeout)
    converged = converged_record(attrs)
    if converged is not None:  # the search ended there already
        deadline = min(deadline, budget.job_end - budget.timeout + converged["at"])
    study.set_user_attr("deadline", deadline)


def converged_record(attrs):
    """The ``search_converged`` record (``_converged``) of the current job in a study's user
    attributes ``attrs``, or None."""
    record, job_end = attrs.get(CONVERGED_ATTR), attrs.get("job_end")
    if not record or job_end is None or record.get("job_end") != job_end:
        return None
    return record


def first_step_seconds(trials):
    """Median seconds from a trial's start to its first step's end (building the folds, then one
    step) over the most recent of ``trials`` that recorded them; 0 when none did.

    A worker starts no trial when less than this is left before the deadline: such a trial would
    end past the deadline with one step, if any, done.
    """
    spans = []
    for trial in sorted(trials, key=lambda t: t.number)[-10:]:
        setup, steps = trial.user_attrs.get("setup_seconds"), trial.user_attrs.get("step_times")
        if setup is not None and steps:
            spans.append(float(setup) + float(steps[0]))
    return float(sorted(spans)[len(spans) // 2]) if spans else 0.0


class DeadlineWatch:
    """Whether the search deadline has passed, as a running trial sees it.

    The study's ``deadline`` is read again at most every ``refresh`` seconds (another worker may
    move it); ``own`` is this worker's own deadline (``regtune worker --timeout``). A storage that
    does not answer keeps the last value read.
    """

    def __init__(self, study, own=None, refresh=1.0):
        self.study, self.own, self.refresh = study, own, refresh
        self.read_at, self.study_deadline = -math.inf, None

    def deadline(self):
        """The earlier of the study's deadline and this worker's own (None: no deadline)."""
        now = time.monotonic()
        if now - self.read_at >= self.refresh:
            try:
                self.study_deadline = self.study.user_attrs.get("deadline")
                self.read_at = now
            except (SQLAlchemyError, StorageInternalError):
                pass
        known = [d for d in (self.own, self.study_deadline) if d is not None]
        return min(known) if known else None

    def passed(self):
        deadline = self.deadline()
        return deadline is not None and time.time() >= deadline
