"""Faults injected into real processes: SIGKILL, a PostgreSQL restart, Ctrl-C, numerical faults.

Each process test starts ``regtune`` (or a three-line driver calling ``regtune.tune``) as a child
process, waits by polling the study's storage until a trial is RUNNING with at least one epoch
reported (so the fault lands mid-trial, deterministically), injects the fault and then checks the
storage: no finished trial lost, the killed trial failed and retried, the budget reached after a
resume, no partial file. Drivers tune with ``heartbeat_interval=1`` (a dead worker's trial is failed
after 3 s instead of the default 30 s) and no pruner, so every trial runs its epochs.
"""

import math
import os
import signal
import time
import warnings

import numpy as np
import optuna
import pandas as pd
import pytest
from optuna.trial import TrialState

import regtune
from pg_server import PgServer
from regtune.exceptions import DivergenceError, RegtuneError
from regtune.tuning._slots import slot_number

TUNE = """
import sys
import pandas as pd
import regtune
from regtune.exceptions import RegtuneError
data, storage, study, n_trials, n_workers, space = sys.argv[1:7]
frame = pd.read_csv(data)
try:
    regtune.tune(frame.drop(columns="y"), frame["y"], storage=storage, study_name=study,
                 n_trials=int(n_trials), n_workers=int(n_workers), space=space, cv=2, seed=0,
                 pruner="none", refit=False, progress=False, data_path=data, heartbeat_interval=1)
except RegtuneError as error:
    print(f"Error: {error}", file=sys.stderr)
    sys.exit(1)
"""

SLOW = 120  # seconds a faulted run may take at most on 2 busy cores before the test fails


def _pid(trial):
    return int(trial.user_attrs["worker"].rsplit(":", 1)[1])


def _finished(all_trials):
    return {
        t.number: (t.state, t.value, dict(t.params))
        for t in all_trials
        if t.state in (TrialState.COMPLETE, TrialState.PRUNED)
    }


def _check_budget_reached(all_trials, budget, counted):
    assert sum(counted(t) for t in all_trials) == budget
    states = [t.state for t in all_trials]
    assert TrialState.RUNNING not in states and TrialState.WAITING not in states
    numbers = [t.number for t in all_trials]
    assert len(numbers) == len(set(numbers))


def _check_killed_trial_retried(all_trials, killed):
    """The killed trial is FAIL without a fail_reason (not counted) and retried with its params."""
    lost = next(t for t in all_trials if t.number == killed.number)
    assert lost.state == TrialState.FAIL, f"trial {killed.number} finished before the kill landed"
    assert "fail_reason" not in lost.user_attrs
    retries = [t for t in all_trials if t.system_attrs.get("failed_trial") == killed.number]
    assert len(retries) == 1
    assert retries[0].params == killed.params
    assert retries[0].state == TrialState.COMPLETE


@pytest.mark.postgres
def test_sigkill_of_one_worker_the_other_finishes_the_budget(pg, slow_files, tools):
    storage, budget = pg.url, 6
    tune = tools.driver(
        TUNE, slow_files / "data.csv", storage, "kill2", budget, 2, slow_files / "space.toml", cwd=slow_files
    )
    victim = tools.wait_for(
        lambda: tools.running_mid_trial(storage, "kill2"), SLOW, "a RUNNING trial with an epoch reported"
    )
    before = _finished(tools.trials(storage, "kill2"))
    os.kill(_pid(victim), signal.SIGKILL)
    code, _, err = tools.finish(tune, SLOW)
    # tune names the dead worker in one line; the other worker ran the study to its budget.
    assert code == 1
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] in (
        "Error: worker processes exited with codes [-9, 0] (see their messages above)",
        "Error: worker processes exited with codes [0, -9] (see their messages above)",
    )
    after = tools.trials(storage, "kill2")
    _check_budget_reached(after, budget, tools.counted)
    assert before.items() <= _finished(after).items(), "a finished trial was lost or changed"
    _check_killed_trial_retried(after, victim)


@pytest.mark.postgres
def test_sigkill_of_the_only_worker_then_a_new_worker_resumes_to_the_budget(pg, slow_files, tools):
    # 8 trials, not 4: on an idle machine four 1-3 s trials could all pass their first third
    # between two polls of the study (each a PostgreSQL read), and the test then waited in vain.
    storage, budget = pg.url, 8
    tune = tools.driver(
        TUNE, slow_files / "data.csv", storage, "kill1", budget, 1, slow_files / "space.toml", cwd=slow_files
    )
    victim = tools.wait_for(
        lambda: tools.running_mid_trial(storage, "kill1"), SLOW, "a RUNNING trial with an epoch reported"
    )
    before = _finished(tools.trials(storage, "kill1"))
    tune.kill()
    assert tools.finish(tune, SLOW)[0] == -signal.SIGKILL
    code, out, err = tools.run(
        "worker", "--storage", storage, "--study", "kill1", "-q", cwd=slow_files, timeout=SLOW
    )
    assert code == 0, err
    assert out.startswith("Ran ") and "trials of study 'kill1'" in out
    after = tools.trials(storage, "kill1")
    _check_budget_reached(after, budget, tools.counted)
    assert before.items() <= _finished(after).items(), "a finished trial was lost or changed"
    _check_killed_trial_retried(after, victim)


@pytest.fixture(scope="module")
def restarted(tmp_path_factory, tools):
    """A 2-worker study whose PostgreSQL server is stopped (fast) mid-trial and started again once
    ``tune`` has ended (every worker met the outage), then resumed by ``regtune worker``: what each
    step printed and the trials seen at each step.

    The server stays down until ``tune`` has ended rather than for a fixed time: each worker's next
    storage call (an epoch's report, a claim) fails, whatever the machine's load, so each worker
    meets the outage and says so, instead of some of them, by timing, never noticing it."""
    folder = tmp_path_factory.mktemp("restart")
    tools.frame(600).to_csv(folder / "data.csv", index=False)
    tools.write_space(folder / "space.toml", tools.SLOW_SPACE)
    with PgServer() as server:
        storage, seen = server.url, {"budget": 8}
        tune = tools.driver(
            TUNE,
            folder / "data.csv",
            storage,
            "restart",
            seen["budget"],
            2,
            folder / "space.toml",
            cwd=folder,
        )
        tools.wait_for(
            lambda: (
                any(t.state == TrialState.COMPLETE for t in tools.trials(storage, "restart"))
                and tools.running_mid_trial(storage, "restart")
            ),
            SLOW,
            "a COMPLETE trial and a RUNNING one",
        )
        seen["before"] = _finished(tools.trials(storage, "restart"))
        server.stop("fast")
        seen["tune"] = tools.finish(tune, SLOW)
        server.start()
        seen["after_tune"] = tools.trials(storage, "restart")
        seen["worker"] = tools.run(
            "worker", "--storage", storage, "--study", "restart", "-q", cwd=folder, timeout=SLOW
        )
        seen["after_worker"] = tools.trials(storage, "restart")
    return seen


@pytest.mark.postgres
def test_postgres_restart_loses_no_finished_trial_and_a_worker_resumes(restarted, tools):
    code, _, err = restarted["tune"]
    # tune ends with a one-line summary naming the worker processes' exit codes (or finishes).
    assert code == 0 or err.strip().splitlines()[-1].startswith("Error: worker processes exited with codes")
    assert restarted["before"].items() <= _finished(restarted["after_tune"]).items()
    code, out, err = restarted["worker"]
    assert code == 0, err
    assert out.startswith("Ran ") and "trials of study 'restart'" in out
    after = restarted["after_worker"]
    _check_budget_reached(after, restarted["budget"], tools.counted)
    assert restarted["before"].items() <= _finished(after).items(), "a finished trial was lost"
    # The trials cut off by the restart are failed (not counted) and retried once, keeping every
    # parameter they had sampled (a trial cut off while sampling samples the rest on retry).
    for lost in (t for t in after if t.state == TrialState.FAIL):
        assert "fail_reason" not in lost.user_attrs
        retries = [t for t in after if t.system_attrs.get("failed_trial") == lost.number]
        assert len(retries) == 1
        assert lost.params.items() <= retries[0].params.items()


@pytest.mark.postgres
def test_postgres_restart_workers_exit_with_one_clear_line(restarted):
    code, _, err = restarted["tune"]
    assert "Traceback" not in err, err
    assert all(line.startswith("Error: ") for line in err.strip().splitlines()), err
    # The server stayed down until tune ended: each worker met the outage and said so in one line.
    *workers, summary = err.strip().splitlines()
    assert code == 1, err
    assert summary == "Error: worker processes exited with codes [1, 1] (see their messages above)", err
    assert sorted(line.split(" lost the storage ")[0] for line in workers) == [
        "Error: worker 0",
        "Error: worker 1",
    ], err


def test_ctrl_c_during_tune_keeps_finished_trials_and_leaves_no_partial_file(slow_files, tools):
    # A budget of 8 trials of about a second: the Ctrl-C lands mid-study, not after the last trial
    # (with 4, the trial seen running was sometimes the last, done before the signal came).
    storage, budget = f"sqlite:///{slow_files / 's.db'}", 8
    args = (
        "tune",
        "data.csv",
        "--target",
        "y",
        "--trials",
        budget,
        "--cv",
        2,
        "--space",
        "space.toml",
        "--storage",
        storage,
        "--study",
        "c",
        "--pruner",
        "none",
        "--out",
        "out",
        "-q",
    )
    tune = tools.command(*args, cwd=slow_files)
    tools.wait_for(
        lambda: (
            any(t.state == TrialState.COMPLETE for t in tools.trials(storage, "c"))
            and tools.running_mid_trial(storage, "c")
        ),
        SLOW,
        "a COMPLETE trial and a RUNNING one",
    )
    before = _finished(tools.trials(storage, "c"))
    os.killpg(tune.pid, signal.SIGINT)  # what Ctrl-C at a terminal does: the whole group
    code, _, err = tools.finish(tune, SLOW)
    assert (code, err.strip().splitlines()) == (1, ["Error: interrupted"])
    # The best model so far is there, whole (written when the COMPLETE trial ended); nothing else.
    assert tools.files_under(slow_files / "out") == ["model.regtune"]
    regtune.load(slow_files / "out" / "model.regtune")
    interrupted = tools.trials(storage, "c")
    assert before.items() <= _finished(interrupted).items()
    stopped = [t for t in interrupted if t.user_attrs.get("interrupted")]
    assert len(stopped) == 1 and stopped[0].state == TrialState.FAIL
    # The interrupted trial gave its slot back: its slot number waits again, and no slot number
    # is both counted and waiting.
    waiting = [slot_number(t) for t in interrupted if t.state == TrialState.WAITING]
    done = [slot_number(t) for t in interrupted if tools.counted(t)]
    assert slot_number(stopped[0]) in waiting
    assert not set(waiting) & set(done) and len(set(done)) == len(done)
    assert len(done) + len(waiting) <= budget
    # Running the same command again resumes the study to its budget and writes every output.
    code, _out, err = tools.run(*args, cwd=slow_files, timeout=SLOW)
    assert code == 0, err
    after = tools.trials(storage, "c")
    _check_budget_reached(after, budget, tools.counted)
    assert before.items() <= _finished(after).items()
    assert tools.files_under(slow_files / "out") == ["best_params.toml", "model.regtune", "report.html"]


def _report_study(folder, n_trials=60):
    """A finished study of ``n_trials`` quick trials in SQLite (report writing takes ~1 s)."""
    storage = f"sqlite:///{folder / 'r.db'}"
    data = folder / "data.csv"
    frame = pd.read_csv(data)
    regtune.tune(
        frame.drop(columns="y"),
        frame["y"],
        storage=storage,
        study_name="r",
        n_trials=n_trials,
        cv=2,
        space=str(folder / "space.toml"),
        refit=False,
        progress=False,
        pruner="none",
    )
    return storage


def test_ctrl_c_during_report_leaves_a_complete_report_or_none(quick_files, tools):
    storage = _report_study(quick_files, n_trials=12)
    # An uninterrupted run writes the whole page; its duration T sets the moments to interrupt.
    started = time.monotonic()
    code, _, err = tools.run(
        "report", "--storage", storage, "--study", "r", "-o", "full.html", cwd=quick_files
    )
    duration = time.monotonic() - started
    assert code == 0, err
    assert (quick_files / "full.html").read_text().rstrip().endswith("</html>")
    # Interrupt at 30 %, 60 % and 90 % of T (reading the study, building figures, writing): each
    # time a whole report or nothing at all, and never a temporary file left behind.
    for fraction in (0.3, 0.6, 0.9):
        out_dir = quick_files / f"out{fraction}"
        out_dir.mkdir()
        report = tools.command(
            "report", "--storage", storage, "--study", "r", "-o", out_dir / "report.html", cwd=quick_files
        )
        time.sleep(fraction * duration)
        if report.poll() is None:
            os.killpg(report.pid, signal.SIGINT)
        code, _, err = tools.finish(report, SLOW)
        files = tools.files_under(out_dir)
        if code != 0:
            # "Error: interrupted"; or, before click is up, Python's KeyboardInterrupt; or, before
            # Python has installed its SIGINT handler, death by the signal itself.
            assert code in (1, -signal.SIGINT) or "KeyboardInterrupt" in err, (code, err)
        # Interrupted after the rename (while printing "Report: ..."), the page is whole.
        assert files in ([], ["report.html"]), (fraction, files)
        if files:
            assert (out_dir / "report.html").read_text().rstrip().endswith("</html>")
        if code == 0:
            assert files == ["report.html"]


@pytest.mark.parametrize("target", ["report", "model", "text"])
def test_interrupt_inside_a_write_leaves_no_file(tmp_path, monkeypatch, target):
    """Ctrl-C in the middle of writing bytes (half the page written): the file never appears."""
    from sklearn.linear_model import Ridge

    from regtune.cli._io import write_text
    from regtune.report import write_report

    real_fdopen = os.fdopen
    real_write_text, real_write_bytes = type(tmp_path).write_text, type(tmp_path).write_bytes

    class HalfWriter:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            self.handle.write(data[: len(data) // 2])
            raise KeyboardInterrupt

        def __getattr__(self, name):
            return getattr(self.handle, name)

    def half_write_text(path, data, *args, **kwargs):
        real_write_text(path, data[: len(data) // 2], *args, **kwargs)
        raise KeyboardInterrupt

    def half_write_bytes(path, data):
        real_write_bytes(path, data[: len(data) // 2])
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fdopen", lambda *a, **k: HalfWriter(real_fdopen(*a, **k)))
    monkeypatch.setattr(type(tmp_path), "write_text", half_write_text)
    monkeypatch.setattr(type(tmp_path), "write_bytes", half_write_bytes)
    with pytest.raises(KeyboardInterrupt):
        if target == "report":
            study = optuna.create_study()
            write_report(study, tmp_path / "report.html")
        elif target == "model":
            regtune.save(Ridge().fit(np.eye(3), [1.0, 2.0, 3.0]), tmp_path / "m.regtune")
        else:
            write_text("seed = 1\n[params]\nalpha = 0.1\n", tmp_path / "best_params.toml")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


# ------------------------------------------------------------------ numerical faults

NUMERIC_SPACE = {
    "n_members": 1,
    "n_layers": 1,
    "width": 4,
    "max_epochs": 3,
    "batch_size": 16,
    "dropout": 0.0,
    "batch_norm": False,
}


def _regression(tools):
    table = tools.frame(80)
    return table[["x2", "city"]], (table["x1"] * 1e3).rename("x1000")


def _six_trials(X, y, space, tmp_path):
    """Six trials of 2 folds, no pruner, no final model."""
    storage = f"sqlite:///{tmp_path / 'n.db'}"
    return regtune.tune(
        X, y, storage=storage, n_trials=6, cv=2, space=space, refit=False, progress=False, pruner="none"
    )


def test_exploding_learning_rate_fails_those_trials_with_a_reason(tools, tmp_path):
    X, y = _regression(tools)
    space = {**NUMERIC_SPACE, "learning_rate_init": {"choices": [1e200, 1e-2]}}
    result = _six_trials(X, y, space, tmp_path)
    all_trials = result.study.trials
    assert sum(tools.counted(t) for t in all_trials) == 6
    assert {t.params["learning_rate_init"] for t in all_trials} == {1e200, 1e-2}
    for trial in all_trials:
        if trial.params["learning_rate_init"] == 1e200:
            assert trial.state == TrialState.FAIL
            assert trial.user_attrs["fail_reason"].startswith(
                "DivergenceError: training diverged at epoch 1: non-finite loss or weights"
            )
        else:
            assert trial.state == TrialState.COMPLETE and math.isfinite(trial.value)
    assert result.best_params["learning_rate_init"] == 1e-2


def test_an_infinite_validation_score_fails_that_trial_with_its_reason(tools, tmp_path, monkeypatch):
    """A fold whose validation metric is not finite (a network that predicts overflowing values
    without diverging) fails its trial, with the metric named; the other trials go on."""
    from regtune.tuning import _objective

    step = _objective._Fold.step

    def infinite_in_odd_trials(fold, metric):
        score = step(fold, metric)
        return math.inf if fold.seed % 2 and len(fold.valid_curve) == 2 else score

    monkeypatch.setattr(_objective._Fold, "step", infinite_in_odd_trials)
    init = _objective._Fold.__init__

    def remember_seed(fold, params, config, X, y, train, valid, seed, max_train_rows=None):
        init(fold, params, config, X, y, train, valid, seed, max_train_rows)
        fold.seed = seed

    monkeypatch.setattr(_objective._Fold, "__init__", remember_seed)
    X, y = _regression(tools)
    result = _six_trials(X, y, NUMERIC_SPACE, tmp_path)
    failed = [t for t in result.study.trials if t.state == TrialState.FAIL]
    complete = [t for t in result.study.trials if t.state == TrialState.COMPLETE]
    assert failed and complete and len(failed) + len(complete) == 6
    for trial in failed:
        assert trial.user_attrs["seed"] % 2 == 1
        assert trial.user_attrs["fail_reason"] == "FloatingPointError: mean validation rmse is inf"
    assert all(t.user_attrs["seed"] % 2 == 0 for t in complete)


def test_a_failure_in_every_trial_ends_the_study_with_one_clear_error(tools, tmp_path):
    """Every trial diverges. (No penalty of the space can make a trial fail any more: the weight
    decay is searched per step, below 1, and the huge decay this test used is refused.)"""
    X, y = _regression(tools)
    storage = f"sqlite:///{tmp_path / 'n.db'}"
    space = {**NUMERIC_SPACE, "learning_rate_init": 1e200}
    with pytest.raises(
        RegtuneError,
        match=r"^no trial of study 'regtune' completed \(4 failed: DivergenceError: training diverged "
        r"at epoch 1: non-finite loss or weights \(loss nan\); lower learning_rate_init or the "
        r"penalties\); narrow the search",
    ):
        regtune.tune(
            X, y, storage=storage, n_trials=4, cv=2, space=space, refit=False, progress=False, pruner="none"
        )
    all_trials = tools.trials(storage, "regtune")
    assert [t.state for t in all_trials] == [TrialState.FAIL] * 4
    assert all(tools.counted(t) for t in all_trials), "every failure is recorded with its reason"


@pytest.mark.parametrize(
    "space",
    [
        {"learning_rate_init": 1e4},
        {"alpha_per_row": 1e10},
        {"l1_per_row": 1e10},
        {"decay_per_step": 0.999},
    ],
    ids=["lr=1e4", "alpha_per_row=1e10", "l1_per_row=1e10", "decay_per_step=0.999"],
)
def test_extreme_but_valid_settings_give_finite_scores_with_the_hyperband_pruner(tools, space):
    table = tools.frame(80)
    result = regtune.tune(
        table.drop(columns="y"),
        table["y"],
        storage="sqlite:///:memory:",
        n_trials=4,
        cv=2,
        space={**NUMERIC_SPACE, **space},
        refit=False,
        progress=False,
    )
    for trial in result.study.trials:
        assert trial.state in (TrialState.COMPLETE, TrialState.PRUNED)
        assert all(math.isfinite(v) for v in trial.intermediate_values.values())
    # Log loss is computed on probabilities clipped to [eps, 1 - eps]: at most -log(eps).
    assert math.isfinite(result.best_score) and result.best_score <= -math.log(1e-15)


def _extreme_inputs():
    rng = np.random.default_rng(0)
    base = rng.normal(size=(60, 3))
    return {
        "values ~1e6": (base * 1e6, base[:, 0] * 1e6),
        "tiny variance": (1.0 + base * 1e-12, base[:, 0]),
        "values ~1e-300": (base * 1e-300, base[:, 0] * 1e-300),
        "target ~1e12": (base, base[:, 0] * 1e12),
        "constant column": (np.column_stack([base[:, :2], np.full(60, 3.0)]), base[:, 0]),
    }


@pytest.mark.parametrize("case", list(_extreme_inputs()))
@pytest.mark.parametrize("kind", ["regressor", "classifier"])
def test_engine_stays_finite_on_extreme_but_valid_inputs(case, kind):
    from regtune.neural_network import MLPClassifier, MLPRegressor

    X, target = _extreme_inputs()[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning after 20 epochs is expected
        if kind == "regressor":
            model = MLPRegressor(hidden_layer_sizes=(8,), max_iter=20, random_state=0).fit(X, target)
            assert np.isfinite(model.predict(X)).all()
        else:
            labels = target > np.median(target)
            model = MLPClassifier(hidden_layer_sizes=(8,), max_iter=20, random_state=0).fit(X, labels)
            proba = model.predict_proba(X)
            assert np.isfinite(proba).all()
            np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert all(math.isfinite(v) for v in model.loss_curve_)


@pytest.mark.parametrize("kind", ["regressor", "classifier"])
def test_engine_raises_divergence_error_instead_of_returning_nan(kind):
    from regtune.neural_network import MLPClassifier, MLPRegressor

    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3))
    target = X[:, 0] if kind == "regressor" else X[:, 0] > 0
    model = (MLPRegressor if kind == "regressor" else MLPClassifier)(
        hidden_layer_sizes=(8,), learning_rate_init=1e200, max_iter=5, random_state=0
    )
    with pytest.raises(DivergenceError, match=r"diverged at epoch \d+: non-finite loss or weights"):
        model.fit(X, target)
