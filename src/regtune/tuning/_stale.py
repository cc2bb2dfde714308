"""Trials whose worker died: which count as stale, and how they are requeued.

Optuna's heartbeat check (``optuna.storages.fail_stale_trials``, run by every worker before it
claims a slot) fails a RUNNING trial whose last heartbeat is older than the grace period and hands
it to the storage's stale-trial callback, :func:`requeue`.
"""

import datetime

import optuna

from ._interrupts import defer_interrupts_in_methods
from ._optuna_internals import RDBStorageWithStaleRule, running_trials_without_heartbeat, storage_entry_points
from ._slots import give_back_slot

__all__ = ["MAX_RETRY", "RDBStorageFailingSilentTrials", "requeue"]

# A trial of a dead worker is retried this many times; after that its slot is given back empty.
MAX_RETRY = 3


def requeue(study, trial):
    """Failed-trial callback for trials whose worker stopped sending heartbeats.

    The trial is retried with the same parameters (``RetryHeartbeatStaleTrialCallback``) up to
    ``MAX_RETRY`` times; after that an empty slot is queued instead, so the budget still holds.
    """
    history = trial.system_attrs.get("retry_history", [])
    if len(history) < MAX_RETRY:  # the copy keeps the system attributes, slot number included
        optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=MAX_RETRY)(study, trial)
    else:
        give_back_slot(study, trial)


@defer_interrupts_in_methods(storage_entry_points())
class RDBStorageFailingSilentTrials(RDBStorageWithStaleRule):
    """Optuna's ``RDBStorage``, where a RUNNING trial that never beat counts as stale too.

    Ctrl-C never lands inside one of its calls (:mod:`._interrupts`): it is raised when the call
    returns.

    Optuna fails a RUNNING trial whose last heartbeat is older than the grace period, but skips
    one with no heartbeat at all; a worker that died between claiming a slot and its first beat
    (a storage outage, a kill at that moment) would leave the slot RUNNING forever, and the
    study would never reach its budget. Such a trial is stale once it started longer than the
    grace period ago (by this machine's clock, as Optuna dates ``datetime_start``).
    """

    def more_stale_trial_ids(self, study_id):
        grace = self.grace_period if self.grace_period is not None else 2 * self.heartbeat_interval
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)  # stored as UTC
        return running_trials_without_heartbeat(self, study_id, now - datetime.timedelta(seconds=grace))
