"""The library calls the command line is made of: refit_best, fit_configuration, save_result.

Oracle: the pipeline ``tune`` itself refit (same predictions to 1e-12), and ``build_pipeline``
fitted by hand on the same data.
"""

import sys
import warnings

import numpy as np
import optuna
import pandas as pd
import pytest

import regtune
from regtune.tuning import (
    best_configuration,
    build_pipeline,
    fit_configuration,
    refit_best,
    save_result,
    tune,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

MEMORY = "sqlite:///:memory:"
SPACE = {"n_layers": 1, "width": {"low": 4, "high": 8}, "max_epochs": 3, "batch_size": 64}


@pytest.fixture(scope="module")
def tuned(penguins):
    X, y = penguins
    return tune(
        X, y, n_trials=3, cv=2, storage=MEMORY, space=SPACE, seed=2, progress=False, final_model="refit"
    )


def test_refit_best_is_the_pipeline_tune_refit(tuned, penguins):
    X, y = penguins
    expected = tuned.best_pipeline.predict_proba(X)
    np.testing.assert_allclose(refit_best(tuned.study, X, y).predict_proba(X), expected, rtol=1e-12)
    # y=None: the study's target column of the frame; other columns are ignored
    frame = X.assign(species=y, note="unused")
    model = refit_best(tuned.study, frame)
    np.testing.assert_allclose(model.predict_proba(X), expected, rtol=1e-12)
    assert list(model.feature_names_in_) == list(X.columns)
    assert type(tuned.best_pipeline).__name__ == type(model).__name__ == "FastPipeline"  # fast rows


def test_refit_best_names_what_is_missing(tuned, penguins):
    X, y = penguins
    with pytest.raises(ValueError, match=r"^columns 'species', 'island' not found; columns are: "):
        refit_best(tuned.study, X.drop(columns=["island"]))
    with pytest.raises(ValueError, match=r"^target column 'species' has 1 missing value"):
        refit_best(tuned.study, X.assign(species=y.where(y.index != 5)))
    empty = optuna.create_study()
    with pytest.raises(ValueError, match=r"was not created by regtune.tune"):
        refit_best(empty, X, y)


def test_refit_best_on_arrays(small_binary):
    X, y = small_binary
    numeric = X.select_dtypes("number").to_numpy()
    space = {"n_layers": 1, "width": 4, "max_epochs": 2, "batch_size": 32}
    result = tune(
        numeric,
        y.to_numpy(),
        n_trials=2,
        cv=2,
        storage=MEMORY,
        space=space,
        progress=False,
        final_model="refit",
    )
    model = refit_best(result.study, numeric, y.to_numpy())
    np.testing.assert_allclose(model.predict_proba(numeric), result.best_pipeline.predict_proba(numeric))
    with pytest.raises(ValueError, match="y is required when X is an array"):
        refit_best(result.study, numeric)


def test_fit_configuration_is_build_pipeline_fitted_on_all_rows(penguins):
    X, y = penguins
    params = {"width": 6, "n_layers": 2, "max_epochs": 3, "dropout": 0.1, "smooth": 5.0}
    model = fit_configuration(X, y, params, seed=4)
    numeric = [c for c in X.columns if c not in ("island", "sex")]
    by_hand = build_pipeline(
        params, task="multiclass", categorical=["island", "sex"], numeric=numeric, seed=4
    )
    by_hand.fit(X, y.to_numpy())
    np.testing.assert_allclose(model.predict_proba(X), by_hand.predict_proba(X), rtol=1e-12)
    with pytest.raises(ValueError, match="no hyperparameter 'widht'"):
        fit_configuration(X, y, {"widht": 6})


@pytest.fixture
def terminal_width(monkeypatch):
    """A 120-column terminal for the bars (tqdm reads COLUMNS and LINES where the stream has none)."""
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("LINES", "40")


@pytest.mark.usefixtures("terminal_width")
def test_a_fit_with_progress_shows_a_bar_of_its_epochs_and_leaves_no_trace(penguins, capsys):
    X, y = penguins
    params = {"width": 16, "n_layers": 1, "n_members": 1, "learning_rate_init": 0.03, "max_epochs": 40}
    quiet = fit_configuration(X, y, params, seed=4)
    assert capsys.readouterr().err == ""  # progress=False: nothing
    model = fit_configuration(X, y, params, seed=4, progress=True)
    frames = capsys.readouterr().err.replace("\r", "\n").split("\n")
    mlp = model.named_steps["mlp"]
    assert mlp.n_iter_ < 40, "early stopping ends the bar before its total"
    assert any(f"| {mlp.n_iter_}/40 [" in frame and "validation loss" in frame for frame in frames)
    assert not hasattr(mlp, "_epoch_observer"), "the bar's observer is not left on the model"
    np.testing.assert_array_equal(model.predict_proba(X), quiet.predict_proba(X))
    with pytest.raises(ValueError, match="progress must be 'auto', True or False"):
        fit_configuration(X, y, params, progress="yes")


@pytest.mark.usefixtures("terminal_width")
def test_a_warning_of_a_fit_with_progress_comes_after_the_bar(penguins, capsys):
    from sklearn.exceptions import ConvergenceWarning

    X, y = penguins
    params = {"width": 4, "n_layers": 1, "n_members": 1, "max_epochs": 2, "early_stopping": False}
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        # the warning on the stream the bar draws on, as a terminal shows both
        warnings.showwarning = lambda message, category, *_, **__: print(
            f"{category.__name__}: {message}", file=sys.stderr
        )
        model = fit_configuration(X, y, params, progress=True)
    err = capsys.readouterr().err
    lines = err.replace("\r", "\n").strip().splitlines()
    assert err.count(ConvergenceWarning.__name__) == 1
    assert lines[-1].startswith("ConvergenceWarning: Stopped at max_iter=2"), lines[-3:]
    assert "| 2/2 [" in lines[-2], "the bar's last frame, whole, before the warning"
    assert not hasattr(model.named_steps["mlp"], "_epoch_observer")


def test_the_default_configuration_is_the_untuned_estimator_even_without_a_holdout():
    # 30 rows, one class with a single row: no stratified holdout, so the estimators train the whole
    # epoch budget without early stopping, and fit_configuration(..., "default") does the same.
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=30), "b": rng.choice(["u", "v"], size=30)})
    y = np.array(["p"] * 15 + ["q"] * 14 + ["r"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no warning: the recipe trains its budget on purpose
        model = fit_configuration(X, y, "default", seed=1)
    untuned = regtune.TabularClassifier(random_state=1).fit(X, y)
    assert model.named_steps["mlp"].early_stopping is False
    np.testing.assert_array_equal(model.predict_proba(X), untuned.predict_proba(X))


def test_the_api_names_x_for_a_frame_without_columns(penguins):
    """The data checks speak the Python API's words; the command line says DATA (tests/cli)."""
    _, y = penguins
    empty = pd.DataFrame(index=range(len(y)))
    for call in (
        lambda: tune(empty, y, n_trials=1, cv=2, storage=MEMORY, space=SPACE, progress=False),
        lambda: fit_configuration(empty, y, {}),
    ):
        with pytest.raises(ValueError, match=r"^X has no column; a model needs at least one input column$"):
            call()


def test_save_result_writes_the_model_and_the_refit_configuration(tuned, penguins, tmp_path):
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    X, y = penguins
    paths = save_result(tuned, tmp_path / "out")
    assert paths == {
        "model": tmp_path / "out" / "model.regtune",
        "params": tmp_path / "out" / "best_params.toml",
    }
    np.testing.assert_array_equal(
        regtune.load(paths["model"]).predict_proba(X), tuned.best_pipeline.predict_proba(X)
    )
    written = tomllib.loads(paths["params"].read_text(encoding="utf-8"))
    params, settings = best_configuration(tuned.study)
    assert written == {"seed": settings["seed"], "params": params}
    again = fit_configuration(X, y, written["params"], seed=written["seed"])
    np.testing.assert_allclose(again.predict_proba(X), tuned.best_pipeline.predict_proba(X), rtol=1e-12)
    expected = r"no final model \(tune was called with final_model=None or refit=False\)"
    with pytest.raises(ValueError, match=expected):
        untrained = tune(X, y, n_trials=1, cv=2, storage=MEMORY, space=SPACE, refit=False, progress=False)
        save_result(untrained, tmp_path)
