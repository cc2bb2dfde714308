"""Running a study's trials: sampler and pruner, budget slots, heartbeats, failures.

The budget is a set of numbered slots ``0 .. n_trials - 1``. A slot is an empty trial in state
WAITING whose system attribute ``regtune:slot`` holds its number; a worker runs a trial only after
it has atomically switched a WAITING trial to RUNNING (the storage refuses the switch to every
worker but one), and never creates trials of its own otherwise. So however many workers on however
many machines share a study, exactly ``n_trials`` trials are counted (see ``_storage.counted``): a
trial whose worker dies is failed by the heartbeat check and requeued as a new WAITING trial with
the same slot number and parameters, and an interrupted trial gives its slot number back.

Only a few slots wait at a time, so that reading the study stays cheap (Optuna's cached storage
reads every unfinished trial again on each read, about 0.2 ms per trial: with 500 waiting slots,
every sampler and pruner read cost 100 ms). The slots form ``SLOT_CHAINS`` chains: ``tune`` queues
slots ``0 .. SLOT_CHAINS - 1``, and the worker that claims slot ``s`` queues slot
``s + SLOT_CHAINS`` (when it is below the budget and not queued yet). Each slot number is thus
queued by exactly one claim, and a chain never stalls a worker: the next slot waits as soon as the
previous one runs.
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

__all__ = [
    "enqueue_slot",
    "give_back_slot",
    "make_pruner",
    "make_sampler",
    "run_trials",
    "set_user_attrs",
    "slot_number",
    "startup_trials",
    "top_up_slots",
]

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


SLOT = "regtune:slot"
SLOT_CHAINS = 8


def slot_number(trial):
    """The budget slot of a trial (None for a trial that is not one of regtune's slots)."""
    return trial.system_attrs.get(SLOT)


def enqueue_slot(study, number):
    """Queue an empty WAITING trial for budget slot ``number``."""
    study.add_trial(
        optuna.trial.create_trial(
            state=TrialState.WAITING, system_attrs={"fixed_params": {}, SLOT: int(number)}
        )
    )


def top_up_slots(study, n_trials):
    """Queue the slots that no claim will queue, so every slot below ``n_trials`` gets its turn.

    For each chain (slot numbers with the same remainder modulo ``SLOT_CHAINS``): nothing to do
    while its highest slot is WAITING (claiming it continues the chain); otherwise its next
    number is queued if it is below ``n_trials`` (a new study, or a resumed one whose budget was
    raised or whose chains had ended).
    """
    highest = {}  # chain -> (highest slot number, whether a trial with it is WAITING)
    for trial in study.get_trials(deepcopy=False):
        number = slot_number(trial)
        if number is None:
            continue
        chain = number % SLOT_CHAINS
        top, waiting = highest.get(chain, (-1, False))
        if number > top:
            top, waiting = number, False
        if number == top:
            waiting = waiting or trial.state == TrialState.WAITING
        highest[chain] = (top, waiting)
    for chain in range(SLOT_CHAINS):
        top, waiting = highest.get(chain, (chain - SLOT_CHAINS, False))
        if not waiting and top + SLOT_CHAINS < n_trials:
            enqueue_slot(study, top + SLOT_CHAINS)


def give_back_slot(study, trial):
    """Queue ``trial``'s slot again (its trial failed without using up the budget)."""
    number = slot_number(trial)
    if number is None:
        study.enqueue_trial({})
    else:
        enqueue_slot(study, number)


def _continue_chain(study, trial, n_trials):
    """After claiming ``trial``, queue the next slot of its chain (once: a retried trial finds
    it queued already)."""
    number = slot_number(trial)
    if number is None or number + SLOT_CHAINS >= n_trials:
        return
    following = number + SLOT_CHAINS
    if any(slot_number(t) == following for t in study.get_trials(deepcopy=False)):
        return
    enqueue_slot(study, following)


def _claim(study, n_trials):
    """Switch one WAITING trial to RUNNING for this worker (and continue its slot chain); None
    when no slot is waiting."""
    storage = study._storage
    for frozen in storage.get_all_trials(study._study_id, deepcopy=False, states=(TrialState.WAITING,)):
        try:
            if storage.set_trial_state_values(frozen._trial_id, state=TrialState.RUNNING):
                _continue_chain(study, frozen, n_trials)
                return optuna.Trial(study, frozen._trial_id)
        except optuna.exceptions.UpdateFinishedTrialError:
            continue
    return None


def set_user_attrs(trial, attrs):
    """Record several user attributes of a running trial, in one transaction on an RDB storage.

    ``trial.set_user_attr`` commits each attribute in a transaction of its own; on a shared SQLite
    file each one queues for the write lock. Storages other than Optuna's ``RDBStorage`` (and an
    Optuna without its internal helper) get one ``set_user_attr`` per attribute.
    """
    storage = trial.study._storage
    backend = getattr(storage, "_backend", storage)
    write = getattr(backend, "_set_trial_attr_without_commit", None)
    if not isinstance(backend, optuna.storages.RDBStorage) or write is None:
        for key, value in attrs.items():
            trial.set_user_attr(key, value)
        return
    from optuna.storages._rdb import models
    from optuna.storages._rdb.storage import _create_scoped_session

    with _create_scoped_session(backend.scoped_session, True) as session:
        for key, value in attrs.items():
            write(session, models.TrialUserAttributeModel, trial._trial_id, key, value)
    trial._cached_frozen_trial.user_attrs.update(attrs)


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
    study, objective, *, max_trials=None, deadline=None, heartbeat_interval=None, poll=0.5, on_trial=None
):
    """Run trials of ``study`` until its slots are used up, the deadline passes or ``max_trials``.

    While no slot is WAITING but other workers' trials are RUNNING, the worker waits: one of them
    may die and be requeued. ``deadline`` (unix time) is checked before each trial, together with
    the study's own ``deadline`` user attribute. Returns the number of trials this worker ran.
    """
    n_run = 0
    while max_trials is None or n_run < max_trials:
        attrs = study.user_attrs
        study_deadline = attrs.get("deadline")
        now = time.time()
        if any(d is not None and now >= d for d in (deadline, study_deadline)):
            break
        if heartbeat_interval:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                optuna.storages.fail_stale_trials(study)
        trial = _claim(study, attrs.get("n_trials", 0))
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
