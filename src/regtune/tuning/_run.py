"""Running a study's trials: sampler and pruner, budget slots, heartbeats, failures.

The budget is a queue of slots. ``tune`` enqueues one empty trial (state WAITING, no fixed
parameters) per unit of ``n_trials``; a worker runs a trial only after it has atomically switched a
WAITING trial to RUNNING (the storage refuses the switch to every worker but one), and never creates
trials of its own. So however many workers on however many machines share a study, exactly
``n_trials`` trials are counted (see ``_storage.counted``): a trial whose worker dies is failed by the
heartbeat check and requeued as a new WAITING slot with the same parameters, and an interrupted
trial gives its slot back.
"""

import contextlib
import logging
import math
import threading
import time
import warnings

import optuna
from optuna.exceptions import StorageInternalError
from optuna.trial import TrialState
from sqlalchemy.exc import SQLAlchemyError

from ._storage import counted

__all__ = ["make_pruner", "make_sampler", "run_trials", "startup_trials", "top_up_slots"]

_logger = logging.getLogger("regtune.tuning")

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


def top_up_slots(study, n_trials):
    """Enqueue empty trials until counted + running + waiting trials reach ``n_trials``."""
    trials = study.get_trials(deepcopy=False)
    taken = sum(counted(t) or t.state in (TrialState.RUNNING, TrialState.WAITING) for t in trials)
    for _ in range(n_trials - taken):
        study.enqueue_trial({})


def _claim(study):
    """Switch one WAITING trial to RUNNING for this worker; None when no slot is left."""
    storage = study._storage
    for frozen in storage.get_all_trials(study._study_id, deepcopy=False, states=(TrialState.WAITING,)):
        try:
            if storage.set_trial_state_values(frozen._trial_id, state=TrialState.RUNNING):
                return optuna.Trial(study, frozen._trial_id)
        except optuna.exceptions.UpdateFinishedTrialError:
            continue
    return None


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
            with _Heartbeat(study._storage, trial._trial_id, heartbeat_interval):
                value = objective(trial)
        except optuna.TrialPruned:
            return study.tell(trial, state=TrialState.PRUNED)
        except KeyboardInterrupt:
            trial.set_user_attr("interrupted", True)
            study.tell(trial, state=TrialState.FAIL)
            study.enqueue_trial({})  # give the slot back
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
    study, objective, *, max_trials=None, deadline=None, heartbeat_interval=None, poll=0.5, on_trial=None
):
    """Run trials of ``study`` until its slots are used up, the deadline passes or ``max_trials``.

    While no slot is WAITING but other workers' trials are RUNNING, the worker waits: one of them
    may die and be requeued. ``deadline`` (unix time) is checked before each trial, together with
    the study's own ``deadline`` user attribute. Returns the number of trials this worker ran.
    """
    n_run = 0
    while max_trials is None or n_run < max_trials:
        study_deadline = study.user_attrs.get("deadline")
        now = time.time()
        if any(d is not None and now >= d for d in (deadline, study_deadline)):
            break
        if heartbeat_interval:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                optuna.storages.fail_stale_trials(study)
        trial = _claim(study)
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
