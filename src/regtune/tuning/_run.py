"""Running a study's trials: claim a slot, beat while the objective runs, record how it ended.

A worker loops until the study's slots are used up (see ``_slots``), its deadline passes or it ran
its own number of trials. While a trial runs, a background thread records its heartbeat, so that
other workers fail and requeue it if this process dies; a trial that raises is recorded as failed
and never stops the study.
"""

import contextlib
import logging
import threading
import time
import warnings

import optuna
from optuna.exceptions import StorageInternalError
from optuna.trial import TrialState
from sqlalchemy.exc import SQLAlchemyError

from ._optuna_internals import storage_of, trial_id
from ._slots import claim, give_back_slot

__all__ = ["run_trials"]

_logger = logging.getLogger("regtune.tuning")


class _Heartbeat:
    """Records the running trial's heartbeat every ``interval`` seconds in a background thread."""

    def __init__(self, storage, trial_id, interval):
        self.storage, self.trial_id, self.interval = storage, trial_id, interval
        self.stop = threading.Event()

    def _beat(self):
        # A storage outage (a database restart) must not kill the thread with a traceback: keep
        # beating, so the trial counts as alive again as soon as the storage answers.
        while not self.stop.wait(self.interval):
            with contextlib.suppress(SQLAlchemyError, StorageInternalError):
                self.storage.record_heartbeat(self.trial_id)

    def __enter__(self):
        if self.interval:
            self.storage.record_heartbeat(self.trial_id)
            self.thread = threading.Thread(target=self._beat, daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc):
        if self.interval:
            self.stop.set()
            self.thread.join()


def _run_one(study, trial, objective, heartbeat_interval):
    """Run ``objective`` on a claimed trial and tell the storage how it ended.

    Returns the finished ``FrozenTrial``, or None when another worker failed this trial meanwhile
    (its heartbeat was late, e.g. a stalled machine): then its requeued copy runs instead.
    """
    try:
        try:
            with _Heartbeat(storage_of(study), trial_id(trial), heartbeat_interval):
                value = objective(trial)
        except optuna.TrialPruned:
            return study.tell(trial, state=TrialState.PRUNED)
        except KeyboardInterrupt:
            trial.set_user_attr("interrupted", True)
            frozen = study.tell(trial, state=TrialState.FAIL)
            give_back_slot(study, frozen)
            raise
        except optuna.exceptions.UpdateFinishedTrialError:
            raise
        except Exception as error:  # a failed trial never stops the study
            trial.set_user_attr("fail_reason", f"{type(error).__name__}: {error}")
            return study.tell(trial, state=TrialState.FAIL)
        return study.tell(trial, value)
    except optuna.exceptions.UpdateFinishedTrialError:
        _logger.warning(
            "trial %d was marked failed by another worker (late heartbeat); it was requeued",
            trial.number,
        )
        return None


def run_trials(
    study,
    objective,
    *,
    max_trials=None,
    deadline=None,
    heartbeat_interval=None,
    poll=0.5,
    on_trial=None,
    start_margin=None,
):
    """Run trials of ``study`` until its slots are used up, the deadline passes or ``max_trials``.

    While no slot is WAITING but other workers' trials are RUNNING, the worker waits: one of them
    may die and be requeued. ``deadline`` (unix time) is checked before each trial, together with
    the study's own ``deadline`` user attribute: no trial starts with less than
    ``start_margin()`` seconds left (0 when None). Returns the number of trials this worker ran.
    """
    n_run = 0
    while max_trials is None or n_run < max_trials:
        attrs = study.user_attrs
        study_deadline = attrs.get("deadline")
        now = time.time() + (0.0 if start_margin is None else start_margin())
        if any(d is not None and now >= d for d in (deadline, study_deadline)):
            break
        if heartbeat_interval:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                optuna.storages.fail_stale_trials(study)
        trial = claim(study, attrs.get("n_trials", 0))  # a recorded None: no trial limit
        if trial is None:
            if not heartbeat_interval or not study.get_trials(
                deepcopy=False, states=(TrialState.RUNNING, TrialState.WAITING)
            ):
                break
            time.sleep(poll)
            continue
        frozen = _run_one(study, trial, objective, heartbeat_interval)
        n_run += frozen is not None
        if on_trial is not None and frozen is not None:
            on_trial(frozen)
    return n_run
