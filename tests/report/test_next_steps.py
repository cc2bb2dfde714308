"""What to try next: the TOML is a space regtune reads, the command is one `regtune tune` parses."""

import shlex

import numpy as np
import optuna
import pytest
import synthetic_studies as synthetic
from optuna.trial import TrialState

from regtune.cli import main
from regtune.report._effects import Effect, Group
from regtune.report._next_steps import SearchFacts, cli_line, plan_steps, space_toml, toml_value
from regtune.report._records import read_study
from regtune.report._verdict import Gap
from regtune.report._verdict_section import study_verdict
from regtune.tuning import SearchSpace


def _parse_tune(command):
    words = shlex.split(command)
    assert words[:2] == ["regtune", "tune"]
    return main.commands["tune"].make_context("tune", words[2:]).params


@pytest.mark.parametrize(
    "build",
    [synthetic.underfit_study, synthetic.overfit_study, synthetic.regularizer_study, synthetic.tied_study],
)
def test_the_space_file_is_the_studys_space_with_the_changes(tmp_path, build):
    study = build()
    v = study_verdict(read_study(study))
    assert v.toml is not None and v.command is not None
    path = tmp_path / "next-space.toml"
    path.write_text(v.toml, encoding="utf-8")
    changes = {name: spec for step in v.steps for name, spec in step.space.items()}
    old = SearchSpace.from_dict(study.user_attrs["space"])
    new = SearchSpace.from_toml(path)
    for name in SearchSpace.default():
        if name not in changes:
            assert (name in new) == (name in old) and (name not in new or new[name] == old[name]), name
    expected = old.override(changes)
    for name in changes:
        got, want = new[name], expected[name]
        assert got.kind == want.kind and got.log == want.log and got.choices == want.choices
        for a, b in ((got.low, want.low), (got.high, want.high), (got.value, want.value)):
            assert a == (b if b is None else pytest.approx(b, rel=1e-3)), f"{name}: 4 digits in the file"


def test_the_command_is_a_valid_tune_call_for_a_new_study():
    v = study_verdict(read_study(synthetic.tied_study()))
    params = _parse_tune(v.command)
    assert params["target"] == "price" and params["study_name"] == "synthetic-next"
    assert params["cv"] == 10 and params["n_trials"] == 5
    assert str(params["space"]) == "next-space.toml"
    assert str(params["data"]) == "/data/cars.csv"


def _facts(**changes):
    facts = {
        "space": SearchSpace.default(),
        "best_params": {
            "alpha_per_row": 0.5,
            "l1_per_row": 1.5e-4,
            "dropout": 0.75,
            "width": 1000,
            "n_layers": 5,
        },
        "cv": 5,
        "n_trials": 20,
        "finished": tuple(range(20)),
        "best_number": 3,
        "wall_time": 100.0,
        "stopped_by_time": False,
    }
    facts.update(changes)
    return SearchFacts(**facts)


def test_overfitting_raises_the_penalties_and_widens_a_range_at_its_top():
    (step,) = plan_steps(_facts(), trend=None, gap=Gap(0.5, 1.0, 0.5), effects=[], top=None)
    assert step.space["alpha_per_row"] == {"low": 0.5, "high": 10.0}, "top tenth of 1e-5..1 (log)"
    assert step.space["l1_per_row"] == {"low": 1.5e-4, "high": 10.0}
    assert step.space["dropout"] == {"low": 0.75, "high": pytest.approx(0.9)}, "0.75 is in the top tenth"


def test_a_wider_top_stays_within_the_tables_limits():
    """decay_per_step must stay below 1 (a step would remove all the weights): its log range's
    top is not multiplied by 10 but moved halfway to 1, which the space accepts."""
    facts = _facts(best_params={"decay_per_step": 0.8, "alpha_per_row": 1e-3})
    (step,) = plan_steps(facts, trend=None, gap=Gap(0.5, 1.0, 0.5), effects=[], top=None)
    assert step.space["decay_per_step"] == {"low": 0.8, "high": pytest.approx(0.95)}
    assert SearchSpace.default().override(step.space)["decay_per_step"].high == pytest.approx(0.95)
    at_the_limit = _facts(
        space=SearchSpace.from_dict({"decay_per_step": {"low": 0.5, "high": 0.999}}),
        best_params={"decay_per_step": 0.99},
    )
    (step,) = plan_steps(at_the_limit, trend=None, gap=Gap(0.5, 1.0, 0.5), effects=[], top=None)
    assert step.space["decay_per_step"]["high"] < 1.0


def test_bias_drops_a_penalty_the_best_trial_barely_used_and_grows_the_network():
    (step,) = plan_steps(_facts(), trend=None, gap=Gap(1.0, 1.0, 0.0), effects=[], top=None)
    assert step.space["l1_per_row"] == 0.0, "1.5e-4 is in the bottom tenth of 1e-4..10 (log)"
    assert step.space["alpha_per_row"] == {"low": 1e-5, "high": 0.5}
    assert step.space["width"] == {"low": 64, "high": 2048}
    assert step.space["n_layers"] == {"low": 1, "high": 6}
    assert "larger network" in step.tag


def test_an_effect_wins_over_the_gap_rule_for_the_same_parameter():
    helped = Effect(
        "dropout", "numeric", 0.4, (Group("above 0.4", (1.0,) * 3, 0),), 1e-4, 0.5, "helped", 0.01
    )
    steps = plan_steps(_facts(), trend=None, gap=Gap(0.5, 1.0, 0.5), effects=[helped], top=None)
    assert steps[0].space == {"dropout": {"low": 0.4, "high": 0.8}}
    assert "dropout" not in steps[1].space and "alpha_per_row" in steps[1].space


def test_a_boolean_that_helped_is_fixed():
    groups = (Group("True", (1.0,) * 4, 0), Group("False", (2.0,) * 4, 1))
    helped = Effect("batch_norm", "levels", None, groups, 1e-4, 1.0, "helped", 0.01)
    (step,) = plan_steps(_facts(), trend=None, gap=None, effects=[helped], top=None)
    assert step.space == {"batch_norm": True}
    assert "batch_norm = true  # batch_norm = True helped" in space_toml(SearchSpace.default(), [step])


def test_a_late_best_trial_asks_for_more_trials_and_a_time_limit_for_more_time():
    steps = plan_steps(
        _facts(best_number=18, stopped_by_time=True, finished=tuple(range(19)), wall_time=150.0),
        trend=None,
        gap=None,
        effects=[],
        top=None,
    )
    assert [s.flags for s in steps] == [{"--trials": "40"}, {"--timeout": "5m"}]
    assert plan_steps(_facts(), trend=None, gap=None, effects=[], top=None) == []


def _timed_study(**attrs):
    """A study of 10 trials' budget past its deadline with two trials finished."""
    study = synthetic.new_study(10)
    for key, value in {"deadline": 1.0, **attrs}.items():
        study.set_user_attr(key, value)
    for level in (1.0, 2.0):
        epochs = np.arange(1, 9)
        curve = level + np.exp(-epochs)
        synthetic.add_trial(study, {"alpha_per_row": 0.1}, [curve] * 5, [curve] * 5)
    return study


def test_a_study_stopped_by_its_time_limit_is_seen_from_its_records():
    v = study_verdict(read_study(_timed_study()))
    assert [s.flags for s in v.steps if "--timeout" in s.flags] != []
    assert _parse_tune(v.command)["timeout"] > 0


def test_a_study_without_a_trial_limit_is_stopped_by_its_time_and_keeps_its_timeout():
    # n_trials None: the deadline ends every such study; the next command asks for more time (not
    # more trials), and a study's own --timeout is kept when no step changes it.
    v = study_verdict(read_study(_timed_study(n_trials=None, timeout=90.0)))
    step = [s for s in v.steps if "--timeout" in s.flags]
    assert len(step) == 1 and "stopped the study after 2 trials, so give it more time" in step[0].reason
    assert "--trials" not in v.command and _parse_tune(v.command)["timeout"] > 90
    plan = plan_steps(_facts(stopped_by_time=False), trend=None, gap=None, effects=[], top=None)
    kept = cli_line({"cv": 5, "n_trials": None, "timeout": 90.0}, "s", plan or [], space_file=None)
    assert "--timeout 2m" in kept and "--trials" not in kept
    assert "--timeout 5m" in cli_line({"timeout": 296.5}, "s", [], space_file=None)
    assert "--timeout 35s" in cli_line({"timeout": 34.47}, "s", [], space_file=None)


def test_toml_values_are_toml():
    import tomllib

    doc = "\n".join(
        f"k{i} = {toml_value(v)}"
        for i, v in enumerate([1e-05, 3.0, 2.5e10, 20, True, 'a"b', [1, 2], {"low": 0.1, "high": 1.0}])
    )
    assert list(tomllib.loads(doc).values()) == [
        1e-05,
        3.0,
        2.5e10,
        20,
        True,
        'a"b',
        [1, 2],
        {"low": 0.1, "high": 1.0},
    ]


def test_no_space_recorded_means_flags_only():
    study = optuna.create_study()
    epochs = np.arange(1, 11)
    for level in range(5):
        curve = list(1.0 + level + np.exp(-epochs / 20.0))
        study.add_trial(
            optuna.trial.create_trial(
                value=curve[-1],
                state=TrialState.COMPLETE,
                intermediate_values={e: v for e, v in zip(epochs.tolist(), curve)},
            )
        )
    v = study_verdict(read_study(study))
    assert v.trend.budget_too_small and v.toml is None
    assert "max_epochs = 20" in v.steps[0].reason, "said in words when there is no space file"
    assert "--space" not in v.command and _parse_tune(v.command)["space"] is None


def test_a_search_that_ended_because_it_converged_is_not_sent_for_more_time():
    # the same timed study, but its search ended early because it had converged (the rule of
    # tuning._converged, for the current job): more time would not help, so no --timeout step
    converged = {"job_end": 1000.0, "at": 40.0, "timeout": 90.0, "anchor_trial": 0, "anchor_at": 5.0}
    study = _timed_study(n_trials=None, timeout=90.0, job_end=1000.0, search_converged=converged)
    v = study_verdict(read_study(study))
    assert v.converged == converged
    assert not [s for s in v.steps if "--timeout" in s.flags]
    # a record of an earlier job (a resumed study) does not count
    earlier = {**converged, "job_end": 500.0}
    study = _timed_study(n_trials=None, timeout=90.0, job_end=1000.0, search_converged=earlier)
    v = study_verdict(read_study(study))
    assert v.converged is None and [s for s in v.steps if "--timeout" in s.flags]


def test_the_next_command_keeps_full_budget_and_a_converged_search_is_not_called_unsettled():
    attrs = {"cv": 5, "n_trials": None, "timeout": 90.0}
    full = cli_line({**attrs, "stop_when_converged": False}, "s", [], space_file=None)
    assert full.endswith("--full-budget")
    assert "--full-budget" not in cli_line({**attrs, "stop_when_converged": True}, "s", [], space_file=None)
    assert "--full-budget" not in cli_line({"cv": 5, "stop_when_converged": False}, "s", [], space_file=None)
    # the best trial came last of 10: "run more trials", unless the search converged
    late = _facts(n_trials=10, finished=tuple(range(10)), best_number=9)
    assert [s.tag for s in plan_steps(late, trend=None, gap=None, effects=[], top=None)] == [
        "search not settled"
    ]
    settled = _facts(n_trials=10, finished=tuple(range(10)), best_number=9, converged=True)
    assert not plan_steps(settled, trend=None, gap=None, effects=[], top=None)
