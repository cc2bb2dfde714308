"""tune -> report -> predict, fit and studies, in-process, checked against the library called directly.

Data: 300 rows of the bundled cps1988 drawn with seed 0 (regression) and the whole bundled penguins
file (multiclass); see ``conftest.py``.
"""

import re

import numpy as np
import optuna
import pandas as pd
import pytest
from cli_runner import invoke

import regtune
from regtune.tuning import list_studies


def _study(storage, name):
    return optuna.load_study(study_name=name, storage=storage)


def test_tune_prints_the_summary_and_writes_the_outputs(wages):
    result, storage, out = wages
    study = _study(storage, "wages")
    best = study.best_trial
    assert f"Best parameters (trial {best.number}):" in result.stdout
    assert (
        f"Cross-validated rmse: {best.value:.4f} +- {best.user_attrs['score_std']:.4f} "
        "(mean +- std over 2 folds; minimize)"
    ) in result.stdout
    assert (
        "Features (6): ethnicity, smsa, region, parttime (categorical); education, experience (numeric)\n"
        in (result.stdout)
    )
    assert {"dropout", "learning_rate_init", "numeric_embedding"} <= set(best.params)
    for name in best.params:  # every parameter of the best trial, one line each
        assert re.search(rf"^  {name}\s+= ", result.stdout, re.M)
    for line in (
        f"Model:  {out / 'model.regtune'}",
        f"Report: {out / 'report.html'}",
        f"Params: {out / 'best_params.toml'}",
    ):
        assert line in result.stdout
    assert sorted(p.name for p in out.iterdir()) == ["best_params.toml", "model.regtune", "report.html"]
    assert study.user_attrs["data_path"].endswith("cps300.csv")
    assert "[regtune]" in result.output, "plain progress lines when the output is not a terminal"


def test_quiet_prints_no_progress(penguins):
    result, _, _ = penguins
    assert "[regtune]" not in result.output
    assert "Cross-validated log_loss" in result.stdout


def test_round_trip_tune_report_predict(wages, files, tmp_path):
    _, storage, out = wages
    page = tmp_path / "wages.html"
    result = invoke("report", "--storage", storage, "--study", "wages", "-o", page)
    assert result.exit_code == 0, result.output
    text = page.read_text(encoding="utf-8")
    assert "regtune report: wages" in text and text.count('<div class="chart"') >= 5
    predictions = tmp_path / "predictions.csv"
    result = invoke("predict", out / "model.regtune", files / "cps300.csv", "-o", predictions)
    assert result.exit_code == 0, result.output
    written = pd.read_csv(predictions)
    data = pd.read_csv(files / "cps300.csv")
    model = regtune.load(out / "model.regtune")
    expected = model.predict(data[model.feature_names_in_])
    assert list(written.columns) == ["prediction"]
    np.testing.assert_allclose(written["prediction"], expected, rtol=1e-12)


def test_predict_parquet_in_and_out_with_uncertainty(wages, files, tmp_path):
    _, _, out = wages
    target = tmp_path / "predictions.parquet"
    result = invoke(
        "predict",
        out / "model.regtune",
        files / "cps300.parquet",
        "-o",
        target,
        "--uncertainty",
        "--mc-samples",
        7,
    )
    assert result.exit_code == 0, result.output
    written = pd.read_parquet(target)
    model = regtune.load(out / "model.regtune")
    data = pd.read_parquet(files / "cps300.parquet")
    features = model[:-1].transform(data[model.feature_names_in_])
    mean, std = model[-1].predict(features, mc_samples=7, return_std=True)
    assert list(written.columns) == ["prediction", "prediction_std"]
    np.testing.assert_allclose(written["prediction"], mean, rtol=1e-12)
    np.testing.assert_allclose(written["prediction_std"], std, rtol=1e-12, atol=1e-15)


def test_predict_classifier_proba_and_uncertainty(penguins, files, tmp_path):
    _, _, out = penguins
    model = regtune.load(out / "model.regtune")
    data = pd.read_csv(files / "penguins.csv")
    features = model[:-1].transform(data[model.feature_names_in_])
    classes = list(model[-1].classes_)

    result = invoke(
        "predict", out / "model.regtune", files / "penguins.csv", "-o", tmp_path / "p.csv", "--proba"
    )
    assert result.exit_code == 0, result.output
    written = pd.read_csv(tmp_path / "p.csv")
    assert list(written.columns) == ["prediction", *(f"proba_{c}" for c in classes)]
    proba = model[-1].predict_proba(features)
    np.testing.assert_allclose(written[[f"proba_{c}" for c in classes]], proba, rtol=1e-12)
    assert list(written["prediction"]) == list(model.predict(data[model.feature_names_in_]))

    result = invoke(
        "predict",
        out / "model.regtune",
        files / "penguins.csv",
        "-o",
        tmp_path / "u.csv",
        "--uncertainty",
        "--mc-samples",
        5,
    )
    assert result.exit_code == 0, result.output
    written = pd.read_csv(tmp_path / "u.csv")
    mean, std = model[-1].predict_proba(features, mc_samples=5, return_std=True)
    np.testing.assert_allclose(written[[f"proba_{c}_std" for c in classes]], std, atol=1e-15)
    np.testing.assert_allclose(written[[f"proba_{c}" for c in classes]], mean, rtol=1e-12)
    assert list(written["prediction"]) == [classes[k] for k in np.argmax(mean, axis=1)]


@pytest.mark.parametrize("source", ["best", "toml"])
def test_fit_reproduces_the_tuned_model(wages, files, tmp_path, source):
    """fit --params best / best_params.toml rebuild exactly the pipeline tune refit and saved."""
    _, storage, out = wages
    model_path = tmp_path / "refit.regtune"
    if source == "best":
        args = ["--params", "best", "--storage", storage, "--study", "wages"]
    else:
        args = ["--target", "wage", "--params", out / "best_params.toml"]
    result = invoke("fit", files / "cps300.csv", *args, "-o", model_path)
    assert result.exit_code == 0, result.output
    assert "Fitted a regression pipeline on 300 rows x 6 columns (target 'wage')" in result.stdout
    data = pd.read_csv(files / "cps300.csv")
    tuned, refit = regtune.load(out / "model.regtune"), regtune.load(model_path)
    np.testing.assert_allclose(refit.predict(data), tuned.predict(data), rtol=1e-12)


def test_fit_with_the_default_parameters_is_the_untuned_estimator(files, tmp_path):
    """fit --params default needs no study: the model TabularClassifier fits, digit for digit."""
    result = invoke(
        "fit", files / "penguins.csv", "--target", "species", "--params", "default", "--seed", 2,
        "-o", tmp_path / "d.regtune",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Fitted a multiclass pipeline on 344 rows" in result.stdout
    assert result.stderr == "", "the recipe trains its epoch budget on purpose: no convergence warning"
    data = pd.read_csv(files / "penguins.csv")
    X, y = data.drop(columns="species"), data["species"]
    untuned = regtune.TabularClassifier(random_state=2).fit(X, y)
    fitted = regtune.load(tmp_path / "d.regtune")
    np.testing.assert_array_equal(fitted.predict_proba(X), untuned.predict_proba(X))
    # without --target there is nothing to fit on: one line that says so
    result = invoke("fit", files / "penguins.csv", "--params", "default")
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: --target is required with --params default"


def test_fit_with_a_hand_written_params_file(files, tmp_path):
    (tmp_path / "p.toml").write_text("width = 8\nn_layers = 1\nmax_epochs = 3\ndropout = 0.1\n")
    result = invoke(
        "fit",
        files / "penguins.csv",
        "--target",
        "species",
        "--params",
        tmp_path / "p.toml",
        "--seed",
        3,
        "-o",
        tmp_path / "m.regtune",
    )
    assert result.exit_code == 0, result.output
    # 3 epochs do not converge: the library's warning arrives as one line, not a source excerpt
    assert result.stderr.splitlines() == ["Warning: Stopped at max_iter=3 epochs without converging."]
    model = regtune.load(tmp_path / "m.regtune")
    mlp = model.named_steps["mlp"]
    assert (mlp.hidden_layer_sizes, mlp.max_iter, mlp.dropout, mlp.random_state) == ((8,), 3, 0.1, 3)
    assert set(model.feature_names_in_) == set(pd.read_csv(files / "penguins.csv").columns) - {"species"}


def test_studies_lists_counts_and_best_scores(wages, penguins):
    _, storage, _ = wages
    result = invoke("studies", "--storage", storage)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["study", "task", "metric", "complete", "pruned", "failed", "running", "best"]
    (row,) = list_studies(storage)
    expected = [
        "wages",
        "regression",
        "rmse",
        "(minimize)",
        str(row["n_complete"]),
        str(row["n_pruned"]),
        str(row["n_failed"]),
        "0",
        f"{row['best_value']:.4f}",
    ]
    assert lines[1].split() == expected


def test_studies_on_an_empty_storage(tmp_path):
    storage = f"sqlite:///{tmp_path / 'empty.db'}"
    optuna.storages.RDBStorage(storage)  # creates the schema, no study
    result = invoke("studies", "--storage", storage)
    assert result.exit_code == 0 and result.stdout.startswith("No studies in")


def test_worker_joins_a_finished_study_and_runs_nothing(wages):
    _, storage, _ = wages
    result = invoke("worker", "--storage", storage, "--study", "wages", "-q")
    assert result.exit_code == 0, (result.output, result.exception)
    assert result.stdout.strip() == f"Ran 0 trials of study 'wages' in {storage}."


def test_worker_passes_its_options_to_the_library(monkeypatch):
    seen = {}

    def fake_worker(storage, study_name, **kwargs):
        seen.update(storage=storage, study_name=study_name, **kwargs)
        return 3

    monkeypatch.setattr("regtune.tuning.worker", fake_worker)
    url = "postgresql://ana:secret@db.example.org/regtune"
    result = invoke(
        "worker", "--storage", url, "--study", "cars", "--trials", 5, "--timeout", "1h30m", "--quiet"
    )
    assert result.exit_code == 0, result.output
    assert seen == {"storage": url, "study_name": "cars", "n_trials": 5, "timeout": 5400.0, "progress": False}
    assert result.stdout.strip() == (
        "Ran 3 trials of study 'cars' in postgresql://ana:***@db.example.org/regtune."
    )


def test_fit_takes_smooth_auto_from_a_params_file(files, tmp_path):
    (tmp_path / "p.toml").write_text('width = 4\nn_layers = 1\nmax_epochs = 2\nsmooth = "auto"\n')
    result = invoke(
        "fit",
        files / "penguins.csv",
        "--target",
        "species",
        "--params",
        tmp_path / "p.toml",
        "-o",
        tmp_path / "m.regtune",
    )
    assert result.exit_code == 0, result.output
    model = regtune.load(tmp_path / "m.regtune")
    assert model.named_steps["preprocess"].named_transformers_["categorical"].smooth == "auto"


def test_the_default_storage_is_the_librarys():
    from regtune.tuning import DEFAULT_STORAGE

    for command in ("tune", "fit", "report", "studies"):
        assert DEFAULT_STORAGE in invoke(command, "--help").stdout, command
