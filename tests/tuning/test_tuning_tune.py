"""``tune`` end to end: results, records, reproducibility, resuming, inputs, local workers."""

import numpy as np
import optuna
import pandas as pd
import pytest
from optuna.trial import TrialState

import regtune
from regtune.tuning import TuneResult, best_configuration, list_studies, open_storage, tune
from regtune.tuning._objective import _Fold

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

MEMORY = "sqlite:///:memory:"
STUDY_ATTRS = {
    "regtune_version",
    "task",
    "metric",
    "direction",
    "target",
    "n_rows",
    "n_features",
    "categorical",
    "numeric",
    "cv",
    "seed",
    "pruner",
    "space",
    "data_path",
    "n_trials",
    "deadline",
}
TRIAL_ATTRS = {
    "seed",
    "train_curve",
    "valid_curve",
    "fold_scores",
    "score_std",
    "fit_time",
    "sparsity",
    "n_epochs",
    "worker",
}


def test_penguins_end_to_end_with_saving(penguins, tiny_space, tmp_path):
    X, y = penguins
    path = tmp_path / "best.regtune"
    result = tune(
        X, y, n_trials=4, cv=2, storage=MEMORY, space=tiny_space, seed=1, progress=False, save_to=path
    )
    assert isinstance(result, TuneResult)
    assert (result.metric, result.direction) == ("log_loss", "minimize")
    complete = [t for t in result.study.trials if t.state == TrialState.COMPLETE]
    best = min(complete, key=lambda t: t.value)
    assert result.best_score == best.value
    assert result.best_score_std == best.user_attrs["score_std"]
    assert result.best_params == {
        **{k: v for k, v in tiny_space.items() if k != "batch_norm"},
        "batch_norm": False,
        "numeric_scaling": "robust",  # fixed in the default space
        "clip": True,
        **best.params,
    }
    assert set(result.study.user_attrs) >= STUDY_ATTRS
    attrs = result.study.user_attrs
    assert (attrs["task"], attrs["target"], attrs["n_rows"], attrs["cv"]) == ("multiclass", "species", 344, 2)
    assert attrs["categorical"] == ["island", "sex"]
    for trial in result.study.trials:
        assert set(trial.user_attrs) >= TRIAL_ATTRS, trial.number
        assert len(trial.user_attrs["valid_curve"]) == 2
    assert len(result.trials) == 4 and "user_attrs_valid_curve" in result.trials
    # The final model is the best trial's fold ensemble: one pipeline per fold, each network as
    # it was at the trial's best epoch, predicting raw frames.
    members = result.best_pipeline.members_
    assert len(members) == 2
    for member in members:
        assert type(member).__name__ == "FastPipeline"  # short frames take the compiled path
        assert member.named_steps["mlp"].n_iter_ == best.user_attrs["best_epoch"]
        assert member.named_steps["mlp"].random_state == best.user_attrs["seed"]
    assert set(result.best_pipeline.predict(X)) <= set(y)
    # best_configuration says how a refit is made (the CLI's `fit --params best` uses it).
    params, settings = best_configuration(result.study)
    assert params == {**result.best_params, "max_epochs": best.user_attrs["best_epoch"]}
    assert settings == {
        "task": "multiclass",
        "target": "species",
        "categorical": ["island", "sex"],
        "numeric": attrs["numeric"],
        "seed": best.user_attrs["seed"],
    }
    assert result.model_path == path
    loaded = regtune.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), result.best_pipeline.predict_proba(X))


def test_a_seeded_single_worker_study_is_reproducible(small_binary, tiny_space):
    X, y = small_binary

    def run(seed):
        result = tune(
            X, y, n_trials=5, cv=2, storage=MEMORY, space=tiny_space, seed=seed, progress=False, refit=False
        )
        return [(t.params, t.value, t.state, t.intermediate_values) for t in result.study.trials]

    assert run(3) == run(3)
    assert [p for p, *_ in run(3)] != [p for p, *_ in run(4)]


def test_resume_keeps_finished_trials_and_reaches_the_new_budget(small_binary, tiny_space, tmp_path):
    X, y = small_binary
    url = f"sqlite:///{tmp_path / 'study.db'}"
    first = tune(
        X, y, n_trials=3, cv=2, storage=url, study_name="r", space=tiny_space, progress=False, refit=False
    )
    before = [(t.number, t.params, t.value) for t in first.study.trials]
    second = tune(
        X, y, n_trials=5, cv=2, storage=url, study_name="r", space=tiny_space, progress=False, refit=False
    )
    trials = second.study.trials
    assert [(t.number, t.params, t.value) for t in trials[:3]] == before
    assert len(trials) == 5 and all(t.state.is_finished() for t in trials)
    with pytest.raises(ValueError, match=r"exists with other settings \(cv: stored 2, now 3\)"):
        tune(X, y, n_trials=5, cv=3, storage=url, study_name="r", space=tiny_space, progress=False)
    (summary,) = list_studies(url)
    assert summary["name"] == "r" and summary["task"] == "binary"
    assert summary["n_complete"] + summary["n_pruned"] == 5 and summary["n_running"] == 0
    assert summary["best_value"] == second.best_score


def test_an_interrupted_trial_gives_its_slot_back(small_binary, tiny_space, tmp_path, monkeypatch):
    X, y = small_binary
    url = f"sqlite:///{tmp_path / 'study.db'}"
    original, calls = _Fold.step, {"n": 0}

    def interrupt_in_second_trial(self, metric):
        calls["n"] += 1
        if calls["n"] == 2 * tiny_space["max_epochs"] + 1:  # first epoch of trial 1 (2 folds)
            raise KeyboardInterrupt
        return original(self, metric)

    monkeypatch.setattr(_Fold, "step", interrupt_in_second_trial)
    with pytest.raises(KeyboardInterrupt):
        tune(X, y, n_trials=3, cv=2, storage=url, space=tiny_space, pruner="none", progress=False)
    study = optuna.load_study(study_name="regtune", storage=open_storage(url))
    states = [t.state for t in study.trials]
    assert states[:2] == [TrialState.COMPLETE, TrialState.FAIL]
    assert study.trials[1].user_attrs["interrupted"] is True
    assert "fail_reason" not in study.trials[1].user_attrs
    result = tune(
        X, y, n_trials=3, cv=2, storage=url, space=tiny_space, pruner="none", progress=False, refit=False
    )
    assert sum(t.state == TrialState.COMPLETE for t in result.study.trials) == 3


def test_numpy_and_polars_inputs(small_binary, tiny_space):
    pl = pytest.importorskip("polars", reason="polars is a test dependency of regtune")
    X, y = small_binary
    numeric = X[["a", "b", "noise"]]
    result = tune(
        numeric.to_numpy(), y.to_numpy(), n_trials=2, cv=2, storage=MEMORY, space=tiny_space, progress=False
    )
    assert result.study.user_attrs["numeric"] == ["x0", "x1", "x2"]
    assert result.best_pipeline.predict(numeric.to_numpy()[:5]).shape == (5,)
    result = tune(
        pl.from_pandas(X),
        pl.from_pandas(y),
        n_trials=2,
        cv=2,
        storage=MEMORY,
        space=tiny_space,
        progress=False,
    )
    assert result.study.user_attrs["categorical"] == ["city"]
    assert result.best_pipeline.predict(X.head()).shape == (5,)


def test_regression_on_cps1988_with_rmse_and_a_scorer(tiny_space):
    X, y = regtune.load_dataset("cps1988", return_X_y=True)
    X, y = X.iloc[:400], np.log(y.iloc[:400])
    result = tune(X, y, n_trials=2, cv=2, storage=MEMORY, space=tiny_space, progress=False)
    assert (result.metric, result.direction) == ("rmse", "minimize")
    assert result.study.user_attrs["task"] == "regression"
    assert 0 < result.best_score < y.std() * 1.5
    result = tune(
        X, y, n_trials=2, cv=2, storage=MEMORY, space=tiny_space, metric="r2", progress=False, refit=False
    )
    assert (result.metric, result.direction) == ("r2", "maximize")
    assert result.best_score == max(t.value for t in result.study.trials if t.state == TrialState.COMPLETE)


def test_four_local_workers_share_the_default_sqlite_file(
    small_binary, tiny_space, tmp_path, monkeypatch, capfd
):
    monkeypatch.chdir(tmp_path)
    X, y = small_binary
    # Trials of 30 epochs: tune's own process (worker 0) cannot finish the budget alone while the
    # 3 worker processes start.
    space = {**tiny_space, "max_epochs": 30}
    result = tune(X, y, n_trials=12, n_workers=4, cv=2, space=space, progress=False, refit=False)
    assert (tmp_path / "regtune.db").exists()
    messages = capfd.readouterr().err  # the worker processes write to the same stderr
    assert "locked" not in messages and "Traceback" not in messages
    # No trial was claimed by two workers (a second claimant would have found it finished).
    assert "marked failed by another worker" not in messages
    trials = result.study.trials
    assert len(trials) == 12
    # No "database is locked" (nor any other) failure, and the work was shared.
    assert all(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in trials)
    assert len({t.user_attrs["worker"] for t in trials}) >= 2
    # The temporary data file the workers read is gone, and the study says so.
    assert result.study.user_attrs["data_path"] is None


def test_progress_log_lines_when_not_a_terminal(small_binary, tiny_space, capsys):
    X, y = small_binary
    tune(X, y, n_trials=2, cv=2, storage=MEMORY, space=tiny_space, progress="auto", refit=False)
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("[regtune]")]
    assert len(lines) == 2
    assert "trial 1" in lines[1] and "best log_loss=" in lines[1]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_trials": 0}, "n_trials must be a positive integer, got 0"),
        ({"n_workers": 1.5}, "n_workers must be a positive integer, got 1.5"),
        ({"cv": 1}, "cv must be an integer >= 2, got 1"),
        ({"timeout": -1}, "timeout must be a positive number of seconds or None, got -1"),
        ({"pruner": "asha"}, "pruner must be one of"),
        ({"storage": "regtune.db"}, "storage must be a database URL"),
        ({"space": 3}, "space must be a SearchSpace"),
        ({"metric": "accuracy", "task": "regression"}, "'accuracy' is a classification metric"),
        ({"metric": "r2"}, "'r2' is a regression metric, got task 'binary'"),
        ({"progress": "yes"}, "progress must be 'auto', True or False"),
        ({"n_workers": 2, "storage": MEMORY}, "in-memory"),
    ],
)
def test_argument_errors(small_binary, kwargs, message):
    X, y = small_binary
    arguments = {"storage": MEMORY, "progress": False, **kwargs}
    with pytest.raises(ValueError, match=message):
        tune(X, y, **arguments)


def test_y_must_not_be_a_column_of_x(small_binary):
    X, y = small_binary
    with pytest.raises(ValueError, match="y's name must differ"):
        tune(X.assign(label=1.0), y, storage=MEMORY, progress=False)


def test_study_without_regtune_records_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'other.db'}"
    optuna.create_study(study_name="plain", storage=url)
    with pytest.raises(ValueError, match=r"not created by regtune\.tune"):
        regtune.tuning.worker(url, "plain", progress=False)
    with pytest.raises(ValueError, match="study 'missing' does not exist"):
        regtune.tuning.worker(url, "missing", progress=False)


def test_result_is_a_plain_record(small_binary, tiny_space):
    X, y = small_binary
    result = tune(X, y, n_trials=1, cv=2, storage=MEMORY, space=tiny_space, progress=False, refit=False)
    assert result.best_pipeline is None and result.model_path is None
    assert "best_score=" in repr(result) and "trials" not in repr(result)
    assert isinstance(result.trials, pd.DataFrame)
