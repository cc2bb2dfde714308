"""The budget as numbered slots: queueing them, claiming one, giving one back, what counts.

The budget is a set of numbered slots ``0 .. n_trials - 1`` (unbounded when ``n_trials`` is None:
a study with a time limit and no trial limit, which its deadline ends). A slot is an empty trial in state
WAITING whose system attribute ``regtune:slot`` holds its number; a worker runs a trial only after
it has atomically switched a WAITING trial to RUNNING (the storage refuses the switch to every
worker but one), and never creates trials of its own otherwise. So however many workers on however
many machines share a study, exactly ``n_trials`` trials are counted (see :func:`counted`): a
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

import math

import optuna
from optuna.trial import TrialState

from ._default_trial import DEFAULT_EPOCHS, DEFAULT_TRIAL, default_trial_record
from ._optuna_internals import fixed_params_of, queued_trial_attrs, storage_of, trial_id

__all__ = [
    "DEFAULT_TRIALS",
    "SLOT_CHAINS",
    "claim",
    "counted",
    "enqueue_slot",
    "give_back_slot",
    "slot_number",
    "top_up_slots",
    "trial_budget",
    "trials_done",
]

SLOT = "regtune:slot"
SLOT_CHAINS = 8
DEFAULT_TRIALS = 50  # the trial budget of a study with neither n_trials nor a timeout


def trial_budget(n_trials, timeout):
    """The study's trial budget: ``n_trials``; when None, no limit (None) with a ``timeout`` and
    ``DEFAULT_TRIALS`` without one."""
    if n_trials is None:
        return None if timeout is not None else DEFAULT_TRIALS
    return int(n_trials)


def trials_done(done, n_trials):
    """``'3 of 10 trials done'``, or ``'3 trials done'`` for a study without a trial limit."""
    return f"{done}{'' if n_trials is None else f' of {n_trials}'} trials done"


def _limit(n_trials):
    return math.inf if n_trials is None else n_trials


def slot_number(trial):
    """The budget slot of a trial (None for a trial that is not one of regtune's slots)."""
    return trial.system_attrs.get(SLOT)


def enqueue_slot(study, number, default=None, default_epochs=None):
    """Queue a WAITING trial for budget slot ``number``: empty, or with ``default`` given
    (``(fixed_params, unsampled)`` of ``_default_trial.default_trial``) the study's default trial,
    which trains ``default_epochs`` (``_default_trial.default_epochs``) when that is not None."""
    system_attrs = {**queued_trial_attrs(None if default is None else default[0]), SLOT: int(number)}
    if default is not None:
        system_attrs[DEFAULT_TRIAL] = list(default[1])
        if default_epochs is not None:
            system_attrs[DEFAULT_EPOCHS] = int(default_epochs)
    study.add_trial(optuna.trial.create_trial(state=TrialState.WAITING, system_attrs=system_attrs))


def top_up_slots(study, n_trials, default=None, default_epochs=None):
    """Queue the slots that no claim will queue, so every slot below ``n_trials`` (None: no
    limit) gets its turn.

    For each chain (slot numbers with the same remainder modulo ``SLOT_CHAINS``): nothing to do
    while its highest slot is WAITING (claiming it continues the chain); otherwise its next
    number is queued if it is below ``n_trials`` (a new study, or a resumed one whose budget was
    raised or whose chains had ended). Slot 0, queued only for a new study, is the default trial
    when ``default`` is given (``_default_trial.default_trial``), training ``default_epochs``.
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
        if not waiting and top + SLOT_CHAINS < _limit(n_trials):
            number = top + SLOT_CHAINS
            if number == 0:
                enqueue_slot(study, number, default, default_epochs)
            else:
                enqueue_slot(study, number)


def give_back_slot(study, trial):
    """Queue ``trial``'s slot again (its trial failed without using up the budget)."""
    number = slot_number(trial)
    if number is None:
        study.enqueue_trial({})
        return
    unsampled, epochs = default_trial_record(trial)
    if unsampled is None:
        enqueue_slot(study, number)
    else:
        enqueue_slot(study, number, (fixed_params_of(trial), unsampled), epochs)


def _continue_chain(study, trial, n_trials):
    """After claiming ``trial``, queue the next slot of its chain (once: a retried trial finds
    it queued already)."""
    number = slot_number(trial)
    if number is None or number + SLOT_CHAINS >= _limit(n_trials):
        return
    following = number + SLOT_CHAINS
    if any(slot_number(t) == following for t in study.get_trials(deepcopy=False)):
        return
    enqueue_slot(study, following)


def claim(study, n_trials):
    """Switch one WAITING trial to RUNNING for this worker (and continue its slot chain); None
    when no slot is waiting."""
    storage = storage_of(study)
    for frozen in study.get_trials(deepcopy=False, states=(TrialState.WAITING,)):
        try:
            if storage.set_trial_state_values(trial_id(frozen), state=TrialState.RUNNING):
                _continue_chain(study, frozen, n_trials)
                return optuna.Trial(study, trial_id(frozen))
        except optuna.exceptions.UpdateFinishedTrialError:
            continue
    return None


def counted(trial):
    """Whether a trial uses up one unit of the study's budget.

    Counted: COMPLETE, PRUNED, and FAIL with a recorded ``fail_reason`` (the objective raised, the
    loss diverged, the trial ran out of time). Not counted: trials failed because their worker
    died or was interrupted; those are requeued.
    """
    if trial.state in (TrialState.COMPLETE, TrialState.PRUNED):
        return True
    return trial.state == TrialState.FAIL and "fail_reason" in trial.user_attrs
