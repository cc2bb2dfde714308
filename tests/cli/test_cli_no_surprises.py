"""What a newcomer met (issue 15): ignored columns, a study resumed in silence or on other data, a
log silent for minutes, a seed that did not reproduce.

Each test tunes its own small study (cps300, the tiny space of ``conftest.py``: one layer of 8 units,
4 epochs), in-process, and checks the output against the study and the saved model themselves.
"""

import re
import time

import numpy as np
import optuna
import pandas as pd
import pytest
from cli_runner import assert_one_line_error, invoke
from optuna.trial import TrialState

import regtune
from regtune.tuning import _periodic_log


def _tune(files, tmp_path, *args, data="cps300.csv", study="s", trials=3, seed=0):
    return invoke(
        "tune",
        files / data if isinstance(data, str) else data,
        "--target",
        "wage",
        *(() if trials is None else ("--trials", trials)),
        "--cv",
        2,
        "--space",
        files / "space.toml",
        "--storage",
        f"sqlite:///{tmp_path / 'studies.db'}",
        "--study",
        study,
        "--seed",
        seed,
        "--out",
        tmp_path / f"out-{study}",
        *args,
    )


def test_ignored_columns_are_no_features_and_predict_needs_none_of_them(files, tmp_path):
    result = _tune(files, tmp_path, "--ignore", "parttime", "--ignore", "region,smsa", trials=2)
    assert result.exit_code == 0, (result.output, result.exception)
    assert "Features (3): ethnicity (categorical); education, experience (numeric)\n" in result.stdout
    assert "Ignored:  parttime, region, smsa\n" in result.stdout
    attrs = optuna.load_study(study_name="s", storage=f"sqlite:///{tmp_path / 'studies.db'}").user_attrs
    assert (attrs["categorical"], attrs["numeric"]) == (["ethnicity"], ["education", "experience"])

    model_path = tmp_path / "out-s" / "model.regtune"
    model = regtune.load(model_path)
    assert list(model.feature_names_in_) == ["education", "experience", "ethnicity"]
    new_rows = pd.read_csv(files / "cps300.csv").drop(columns=["parttime", "region", "smsa", "wage"])
    new_rows.to_csv(tmp_path / "new.csv", index=False)
    predicted = invoke("predict", model_path, tmp_path / "new.csv", "-o", tmp_path / "p.csv")
    assert predicted.exit_code == 0, predicted.output
    np.testing.assert_allclose(
        pd.read_csv(tmp_path / "p.csv")["prediction"], model.predict(new_rows), rtol=1e-12
    )


def test_fit_ignores_columns_too(files, tmp_path):
    (tmp_path / "p.toml").write_text("width = 8\nn_layers = 1\nmax_epochs = 2\n")
    result = invoke(
        "fit",
        files / "cps300.csv",
        "--target",
        "wage",
        "--params",
        tmp_path / "p.toml",
        "--ignore",
        "parttime",
        "-o",
        tmp_path / "m.regtune",
    )
    assert result.exit_code == 0, result.output
    assert "on 300 rows x 5 columns (target 'wage')" in result.stdout
    assert "parttime" not in regtune.load(tmp_path / "m.regtune").feature_names_in_


@pytest.mark.parametrize(
    ("ignore", "message"),
    [
        ("nope", "--ignore column 'nope' not found; columns are: education, experience"),
        ("wage", "--ignore names the target 'wage'; the target is never a feature"),
    ],
)
def test_ignoring_what_is_not_there_or_the_target_is_one_line(files, tmp_path, ignore, message):
    assert_one_line_error(_tune(files, tmp_path, "--ignore", ignore), message)


def test_a_second_tune_says_it_resumes_and_how_to_extend_or_start_anew(files, tmp_path):
    first = _tune(files, tmp_path)
    assert first.exit_code == 0, first.output
    assert "resuming" not in first.output
    again = _tune(files, tmp_path)
    assert again.exit_code == 0, again.output
    assert (
        "[regtune] resuming study 's' (3 of 3 trials done): the budget of 3 trials is spent, so no "
        "trial will run; to run 3 more, raise it (--trials 6, n_trials=6); for a new study, give "
        "another name (--study NAME, study_name=)\n"
    ) in again.stderr
    extended = _tune(files, tmp_path, trials=4)
    assert extended.exit_code == 0, extended.output
    assert "[regtune] resuming study 's' (3 of 3 trials done): running up to 1 more (budget 4);" in (
        extended.stderr
    )
    study = optuna.load_study(study_name="s", storage=f"sqlite:///{tmp_path / 'studies.db'}")
    assert sum(t.state.is_finished() for t in study.trials) == 4
    quiet = _tune(files, tmp_path, "-q", trials=4)
    assert quiet.exit_code == 0 and "resuming" not in quiet.output


def test_a_resumed_study_sums_up_its_finished_trials_once_and_then_shows_only_new_ones(files, tmp_path):
    first = _tune(files, tmp_path)
    assert first.exit_code == 0, first.output
    shown = re.findall(r"^\[regtune\] +[\d.]+s trial (\d+) (?:complete|pruned|failed)", first.stderr, re.M)
    assert shown == ["0", "1", "2"], first.stderr
    extended = _tune(files, tmp_path, trials=5)
    assert extended.exit_code == 0, extended.output
    shown = re.findall(r"^\[regtune\] +[\d.]+s trial (\d+) (?:complete|pruned|failed)", extended.stderr, re.M)
    assert shown == ["3", "4"], extended.stderr
    study = optuna.load_study(study_name="s", storage=f"sqlite:///{tmp_path / 'studies.db'}")
    earlier = [t for t in study.trials if t.number < 3]
    states = [
        sum(t.state == s for t in earlier) for s in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
    ]
    best = min(t.value for t in earlier if t.state == TrialState.COMPLETE)
    summary = re.findall(
        r"^\[regtune\] +0\.\ds 3 trials finished before this run \| (.*)$", extended.stderr, re.M
    )
    expected = "complete={} pruned={} failed={}".format(*states) + f" best rmse={best:.5g}"
    assert summary == [expected], extended.stderr


def test_a_study_that_searched_weight_decay_itself_is_refused_in_one_line(files, tmp_path):
    """A study of a regtune that searched ``weight_decay`` (now ``decay_per_step``): its recorded
    space and trials name a hyperparameter the search no longer samples."""
    assert _tune(files, tmp_path, trials=2).exit_code == 0
    study = optuna.load_study(study_name="s", storage=f"sqlite:///{tmp_path / 'studies.db'}")
    for key in ("space", "space_requested"):
        space = {k: v for k, v in study.user_attrs[key].items() if k != "decay_per_step"}
        study.set_user_attr(key, {"weight_decay": {"low": 1e-3, "high": 10.0, "log": True}, **space})
    study.set_user_attr("regtune_version", "0.3.0")
    message = (
        "study 's' was made by regtune 0.3.0, whose search space has 'weight_decay', which this regtune "
        "does not search (the search samples 'decay_per_step' = weight_decay * learning_rate_init); its "
        "trials cannot be resumed or refit: start a new study under another name (--study NAME, "
        "study_name=)"
    )
    assert_one_line_error(_tune(files, tmp_path, trials=3), message)
    with pytest.raises(ValueError, match=re.escape(message)):
        regtune.tuning.best_configuration(study)


def test_resuming_a_study_on_other_data_is_refused(files, tmp_path):
    assert _tune(files, tmp_path).exit_code == 0
    changed = pd.read_csv(files / "cps300.csv")
    changed.loc[0, "education"] += 1  # one value, in the first row (always in the fingerprint's sample)
    changed.to_csv(tmp_path / "changed.csv", index=False)
    assert_one_line_error(
        _tune(files, tmp_path, data=tmp_path / "changed.csv"),
        "study 's' was tuned on other data (the values differ (same columns and number of rows)); "
        "resume it with the same data and target, or start a new study under another name "
        "(study_name=, --study NAME)",
    )
    assert_one_line_error(
        _tune(files, tmp_path, "--ignore", "parttime"), "(the column names or types differ)"
    )
    changed.head(200).to_csv(tmp_path / "fewer.csv", index=False)
    assert_one_line_error(
        _tune(files, tmp_path, data=tmp_path / "fewer.csv"), "(rows: stored 300, now 200); resume"
    )
    assert _tune(files, tmp_path, data=tmp_path / "changed.csv", study="other").exit_code == 0


def test_a_line_while_a_trial_runs_when_the_output_is_a_log(files, tmp_path, monkeypatch):
    """With the interval at 0, every reported epoch prints the running trial's line."""
    monkeypatch.setattr(_periodic_log, "LOG_INTERVAL", 0.0)
    result = _tune(files, tmp_path, "--timeout", "1h")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if " running: " in line]
    study = optuna.load_study(study_name="s", storage=f"sqlite:///{tmp_path / 'studies.db'}")
    expected = [
        (t.number, epoch, value) for t in study.trials for epoch, value in t.intermediate_values.items()
    ]
    pattern = re.compile(
        r"^\[regtune\] +[\d.]+s trial (\d+) running: epoch (\d+) of 4, validation rmse ([\d.]+) \| "
        r"(\d) of 3 trials done, best rmse=([\d.]+|-) \| (\d+) s left$"
    )
    parsed = [pattern.match(line) for line in lines]
    assert all(parsed), lines
    assert [(int(m[1]), int(m[2])) for m in parsed] == [(n, e) for n, e, _ in expected]
    for match, (_, _, value) in zip(parsed, expected):
        assert float(match[3]) == pytest.approx(value, rel=1e-4)
        assert 3500 <= int(match[6]) <= 3600
    assert [int(m[4]) for m in parsed] == [n for n, _, _ in expected], "trial n runs when n are done"
    quiet = _tune(files, tmp_path, "-q", study="quiet")
    assert quiet.exit_code == 0 and " running: " not in quiet.output


def test_one_worker_and_a_seed_reproduce_the_study_digit_for_digit(files, tmp_path):
    runs = []
    for name in ("first", "second"):
        folder = tmp_path / name
        folder.mkdir()
        result = _tune(files, folder, "-q", trials=6, seed=5)
        assert result.exit_code == 0, result.output
        study = optuna.load_study(study_name="s", storage=f"sqlite:///{folder / 'studies.db'}")
        runs.append(study.trials)
    first, second = runs
    assert [(t.params, t.value, t.state, t.intermediate_values) for t in first] == [
        (t.params, t.value, t.state, t.intermediate_values) for t in second
    ]
    assert [t.user_attrs["valid_curve"] for t in first] == [t.user_attrs["valid_curve"] for t in second]
    data = pd.read_csv(files / "cps300.csv")
    models = [regtune.load(tmp_path / name / "out-s" / "model.regtune") for name in ("first", "second")]
    np.testing.assert_array_equal(models[0].predict(data), models[1].predict(data))
    assert (tmp_path / "first" / "out-s" / "best_params.toml").read_text() == (
        tmp_path / "second" / "out-s" / "best_params.toml"
    ).read_text()


def test_a_time_limit_left_unused_by_the_trial_budget_is_named_with_the_flag_to_raise(files, tmp_path):
    # `--timeout 1h` with 3 trials of a second: the trials, not the hour, end the search. A user
    # who gave a time limit is told so, and how to let the search use the time.
    timed = _tune(files, tmp_path, "--timeout", "1h", "-q")
    assert timed.exit_code == 0, timed.output
    note = [line for line in timed.stdout.splitlines() if line.startswith("The search ended on")]
    assert len(note) == 1 and re.fullmatch(
        r"The search ended on its budget of 3 trials with \d+ min of --timeout left; "
        r"--trials 6 \(or more\) lets it use that time\.",
        note[0],
    ), timed.stdout
    untimed = _tune(files, tmp_path, "-q", study="untimed")
    assert untimed.exit_code == 0, untimed.output
    assert "The search ended on" not in untimed.stdout


def test_no_unused_time_line_when_the_deadline_ended_the_search(capsys):
    # A search the deadline stopped leaves slots WAITING; time can be left at the end all the same
    # (a refit faster than its reserve), and the trial budget did not end it: no line.
    from types import SimpleNamespace

    from regtune.cli._tuning import _note_unused_time

    def study(waiting):
        trials = [SimpleNamespace(state=TrialState.WAITING)] if waiting else []
        return SimpleNamespace(user_attrs={"n_trials": 50}, get_trials=lambda deepcopy, states: trials)

    started = time.monotonic()
    _note_unused_time(study(waiting=True), 600.0, started)
    assert capsys.readouterr().out == ""
    _note_unused_time(study(waiting=False), 600.0, started)
    assert capsys.readouterr().out.startswith("The search ended on its budget of 50 trials with 10 min")


@pytest.mark.serial
def test_a_time_limit_alone_has_no_trial_limit_and_a_resumed_study_says_so(files, tmp_path):
    # No --trials with --timeout: the deadline, not a count of trials, ends the search (slots
    # still wait when it stops), and nothing is said about unused time.
    start = time.monotonic()
    timed = _tune(files, tmp_path, "--timeout", "10s", "-q", trials=None)
    assert timed.exit_code == 0, timed.output
    assert time.monotonic() - start < 1.1 * 10 + 5
    assert "The search ended on" not in timed.stdout
    study = optuna.load_study(study_name="s", storage=f"sqlite:///{tmp_path / 'studies.db'}")
    assert study.user_attrs["n_trials"] is None
    assert study.get_trials(states=(TrialState.WAITING,)), "the deadline ended the search"
    done = sum(t.state.is_finished() for t in study.trials)
    again = _tune(files, tmp_path, "--timeout", "8s", trials=None)
    assert again.exit_code == 0, again.output
    assert (
        f"[regtune] resuming study 's' ({done} trials done): running more until the time limit "
        "(no trial limit); for a new study, give another name (--study NAME, study_name=)\n"
    ) in again.stderr
    study = optuna.load_study(study_name="s", storage=f"sqlite:///{tmp_path / 'studies.db'}")
    assert sum(t.state.is_finished() for t in study.trials) > done
