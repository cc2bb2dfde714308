"""Hyperband with the default trial as a floor at each promotion (``_sampling.DefaultFloorHyperband``)."""

import optuna
import pytest
from optuna.trial import TrialState, create_trial

from regtune.tuning._default_trial import DEFAULT_TRIAL
from regtune.tuning._optuna_internals import storage_of, trial_id
from regtune.tuning._sampling import DefaultFloorHyperband, default_floor, make_pruner


def _study(pruner, direction="minimize", default_curve=None, default_state=TrialState.COMPLETE):
    """A study whose trial 0 is the default trial with ``default_curve`` ({step: value})."""
    study = optuna.create_study(pruner=pruner, direction=direction)
    if default_curve is not None:
        best = (min if direction == "minimize" else max)(default_curve.values())
        study.add_trial(
            create_trial(
                state=default_state,
                value=best if default_state == TrialState.COMPLETE else None,
                intermediate_values=default_curve,
                system_attrs={DEFAULT_TRIAL: []},
            )
        )
    return study


def _report(study, values):
    """A new trial that reports ``values`` ({step: value}); its frozen record, as should_prune sees it."""
    trial = study.ask()
    for step, value in values.items():
        trial.report(value, step)
    return trial, study._storage.get_trial(trial._trial_id)


@pytest.mark.parametrize("pruner_class", [optuna.pruners.HyperbandPruner, DefaultFloorHyperband])
def test_a_lone_trial_worse_than_the_default_is_pruned_at_its_rung(pruner_class):
    # One bracket (max 2 epochs): its only rung is epoch 1. Plain Hyperband promotes the first trial
    # of a rung whatever its score; the floor prunes it, being worse than the default there.
    study = _study(pruner_class(1, 2, 3), default_curve={1: 0.5, 2: 0.4})
    _, frozen = _report(study, {1: 0.6})
    assert study.pruner.prune(study, frozen) is (pruner_class is DefaultFloorHyperband)


def test_a_trial_better_than_the_default_by_that_epoch_is_kept():
    study = _study(DefaultFloorHyperband(1, 2, 3), default_curve={1: 0.5, 2: 0.4})
    trial, frozen = _report(study, {1: 0.45})  # worse than the default's epoch 2, better at epoch 1
    assert not study.pruner.prune(study, frozen)
    trial.report(0.9, 2)  # epoch 2 is no rung: the floor does not judge it
    assert not study.pruner.prune(study, study._storage.get_trial(trial._trial_id))


def test_the_floor_only_acts_where_hyperband_promotes():
    # Hyperband itself prunes the second trial (worse than the first at the rung): pruned either way.
    study = _study(DefaultFloorHyperband(1, 2, 3), default_curve={1: 0.5})
    for _ in range(2):  # fill the rung with good trials: their best is promoted
        trial, frozen = _report(study, {1: 0.3})
        assert not study.pruner.prune(study, frozen)
        study.tell(trial, 0.3)
    _, frozen = _report(study, {1: 0.45})  # better than the default, worse than the two others
    assert study.pruner.prune(study, frozen)


def test_without_a_default_trial_it_is_hyperband():
    study = _study(DefaultFloorHyperband(1, 2, 3))
    _, frozen = _report(study, {1: 10.0})
    assert not study.pruner.prune(study, frozen)


def test_maximized_metrics_floor_from_above():
    study = _study(DefaultFloorHyperband(1, 2, 3), direction="maximize", default_curve={1: 0.8, 2: 0.9})
    _, worse = _report(study, {1: 0.7})
    assert study.pruner.prune(study, worse)
    study = _study(DefaultFloorHyperband(1, 2, 3), direction="maximize", default_curve={1: 0.8, 2: 0.9})
    _, better = _report(study, {1: 0.85})
    assert not study.pruner.prune(study, better)


def test_the_floor_is_the_default_trials_best_by_that_epoch():
    study = _study(None, default_curve={1: 0.5, 2: 0.6, 3: 0.2, 9: 0.1})
    assert [default_floor(study, step) for step in (1, 2, 3, 8, 27)] == [0.5, 0.5, 0.2, 0.2, 0.1]
    maximize = _study(None, direction="maximize", default_curve={1: 0.5, 3: 0.7})
    assert [default_floor(maximize, step) for step in (1, 3)] == [0.5, 0.7]


def test_no_floor_while_the_default_trial_is_still_short_of_that_epoch():
    study = optuna.create_study()
    running = study.ask()  # the default trial, running in another worker
    storage_of(study).set_trial_system_attr(trial_id(running), DEFAULT_TRIAL, [])
    assert default_floor(study, 1) is None  # no epoch yet
    running.report(0.5, 1)
    assert default_floor(study, 1) == 0.5
    assert default_floor(study, 3) is None  # it has not trained 3 epochs yet
    # Stopped (by the deadline, say) after 1 epoch: its best is the floor from then on.
    study.tell(running, state=TrialState.PRUNED)
    assert default_floor(study, 3) == 0.5


def test_rung_steps_are_the_powers_of_the_reduction_factor():
    pruner = DefaultFloorHyperband(1, 50, 3)
    assert [s for s in range(1, 60) if pruner._may_be_rung_step(s)] == [1, 3, 9, 27]
    assert [s for s in range(1, 60) if DefaultFloorHyperband(2, 50, 3)._may_be_rung_step(s)] == [2, 6, 18, 54]


def test_the_tuners_hyperband_is_the_floored_one():
    pruner = make_pruner("hyperband", 50)
    # TPE models each trial on its own bracket's trials only for a HyperbandPruner (a subclass counts).
    assert isinstance(pruner, DefaultFloorHyperband) and isinstance(pruner, optuna.pruners.HyperbandPruner)
