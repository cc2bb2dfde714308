"""Budget slots: numbered, queued in a few chains, each number claimed exactly once."""

import random

import optuna
from optuna.trial import TrialState

from regtune.tuning._slots import (
    DEFAULT_TRIALS,
    SLOT_CHAINS,
    claim,
    give_back_slot,
    slot_number,
    top_up_slots,
    trial_budget,
)
from regtune.tuning._stale import requeue


def _study():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.create_study()


def _waiting(study):
    return sorted(slot_number(t) for t in study.get_trials(states=(TrialState.WAITING,)))


def _drain(study, n_trials, rng, max_running=5):
    """Claim and finish trials in a shuffled order, several running at once (like workers)."""
    running, claimed, most_waiting = [], [], 0
    while True:
        most_waiting = max(most_waiting, len(_waiting(study)))
        trial = claim(study, n_trials) if len(running) < max_running else None
        if trial is not None:
            running.append(trial)
            claimed.append(slot_number(study._storage.get_trial(trial._trial_id)))
            continue
        if not running:
            return claimed, most_waiting
        done = running.pop(rng.randrange(len(running)))
        study.tell(done, 1.0)


def test_a_new_study_queues_one_slot_per_chain():
    study = _study()
    top_up_slots(study, 100)
    assert _waiting(study) == list(range(SLOT_CHAINS))
    small = _study()
    top_up_slots(small, 3)
    assert _waiting(small) == [0, 1, 2]


def test_every_slot_number_is_claimed_exactly_once_and_few_wait():
    study = _study()
    top_up_slots(study, 57)
    claimed, most_waiting = _drain(study, 57, random.Random(0))
    assert sorted(claimed) == list(range(57))
    assert most_waiting <= SLOT_CHAINS
    assert len(study.trials) == 57


def test_a_slot_given_back_is_run_again_without_a_second_successor():
    study = _study()
    top_up_slots(study, 20)
    trial = claim(study, 20)
    number = slot_number(study._storage.get_trial(trial._trial_id))
    frozen = study.tell(trial, state=TrialState.FAIL)  # interrupted: not counted
    give_back_slot(study, frozen)
    assert _waiting(study).count(number) == 1
    claimed, _ = _drain(study, 20, random.Random(1))
    assert sorted(claimed) == list(range(20))  # the given-back number once more, after the fail
    assert sorted(slot_number(t) for t in study.trials if t.state == TrialState.COMPLETE) == list(range(20))


def test_a_retried_trial_keeps_its_slot_and_does_not_extend_its_chain_twice():
    study = _study()
    top_up_slots(study, 30)
    trial = claim(study, 30)
    frozen = study.tell(trial, state=TrialState.FAIL)  # as the heartbeat check leaves it
    requeue(study, frozen)  # Optuna's retry copy: same parameters, same system attributes
    _drain(study, 30, random.Random(2))
    complete = [slot_number(t) for t in study.trials if t.state == TrialState.COMPLETE]
    assert sorted(complete) == list(range(30))


def test_a_resumed_study_with_a_larger_budget_gets_exactly_the_new_slots():
    study = _study()
    top_up_slots(study, 10)
    _drain(study, 10, random.Random(3))
    top_up_slots(study, 10)  # the budget is reached: nothing to queue
    assert _waiting(study) == []
    top_up_slots(study, 25)
    claimed, _ = _drain(study, 25, random.Random(4))
    assert sorted(claimed) == list(range(10, 25))


def test_without_a_trial_limit_the_chains_never_end_and_few_wait():
    study = _study()
    top_up_slots(study, None)
    assert _waiting(study) == list(range(SLOT_CHAINS))
    rng, running, claimed = random.Random(5), [], []
    while len(claimed) < 3 * DEFAULT_TRIALS:  # far past any default budget
        trial = claim(study, None)
        assert trial is not None  # a slot always waits
        running.append(trial)
        claimed.append(slot_number(study._storage.get_trial(trial._trial_id)))
        if len(running) == 4:
            study.tell(running.pop(rng.randrange(4)), 1.0)
        assert len(_waiting(study)) <= SLOT_CHAINS
    assert sorted(claimed) == list(range(3 * DEFAULT_TRIALS))


def test_the_trial_budget_is_unlimited_only_with_a_time_limit():
    assert trial_budget(None, 60.0) is None
    assert trial_budget(None, None) == DEFAULT_TRIALS == 50
    assert trial_budget(7, 60.0) == trial_budget(7, None) == 7
