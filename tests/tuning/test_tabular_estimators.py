"""TabularRegressor and TabularClassifier: scikit-learn's contract, raw frames, save/load, the pipeline.

Oracles: scikit-learn's estimator checks; ``build_pipeline`` with ``default_configuration(task)`` fitted
by hand (the estimators must be exactly that pipeline); the hyperparameter table (their parameters).
"""

import inspect
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import Pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

import regtune
from regtune import TabularClassifier, TabularRegressor
from regtune._hyperparameters import HYPERPARAMETERS, pipeline_entries
from regtune.tuning import build_pipeline, default_configuration

FAST = {"width": 16, "max_epochs": 4}  # small and short: these tests check plumbing, not quality


@parametrize_with_checks([TabularRegressor(random_state=0), TabularClassifier(random_state=0)])
def test_scikit_learn_estimator_checks(estimator, check):
    """With the defaults: the checks' accuracy and R^2 thresholds are met by the untuned recipe."""
    check(estimator)


def _raw_frame(n_rows=200, seed=0):
    """Text with missing values, a category, a bool, a column of about 70 levels (200 rows drawn from
    80 values: more than the default max_onehot of 64) and numbers with NaN."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "city": pd.Series(rng.choice(["north", "south", "east", None], n_rows), dtype="string"),
            "kind": pd.Categorical(rng.choice(["a", "b", "c"], n_rows)),
            "smoker": rng.choice([True, False], n_rows),
            "shop": rng.choice([f"s{i}" for i in range(80)], n_rows),
            "age": rng.normal(40, 10, n_rows),
            "income": rng.lognormal(10, 1, n_rows),
        }
    )
    X.loc[::9, "age"] = np.nan
    north = (X["city"] == "north").fillna(False).astype(float)
    signal = north + X["smoker"] + np.nan_to_num((X["age"] - 40) / 10)
    return X, signal.to_numpy() + rng.normal(scale=0.3, size=n_rows)


@pytest.mark.parametrize(
    ("estimator", "task"), [(TabularRegressor, "regression"), (TabularClassifier, "binary")]
)
def test_the_parameters_are_the_pipelines_hyperparameters_with_their_defaults(estimator, task):
    signature = inspect.signature(estimator).parameters
    names = [e.name for e in pipeline_entries()]
    assert list(signature) == [*names, "categorical", "random_state"]
    config = default_configuration(task)
    assert config == default_configuration("multiclass" if task == "binary" else task)
    params = estimator().get_params()
    for name in names:
        assert signature[name].default == config[name] == params[name], name
        value = f'"{config[name]}"' if isinstance(config[name], str) else None
        line = f"    {name} : {HYPERPARAMETERS[name].type_text()}, default="
        assert line in estimator.__doc__, name
        if value is not None:
            assert line + value in estimator.__doc__, name
    assert set(params) == {*names, "categorical", "random_state"}
    # the two differ where the benchmark measured a difference by task
    differ = {n for n in names if TabularRegressor().get_params()[n] != TabularClassifier().get_params()[n]}
    assert differ == {"numeric_embedding", "learning_rate_init"}
    expected = "ple" if task == "regression" else "none"
    kind = HYPERPARAMETERS["numeric_embedding"].type_text()
    assert f'numeric_embedding : {kind}, default="{expected}"' in estimator.__doc__


def test_a_raw_frame_gives_the_hand_built_pipelines_predictions():
    X, y = _raw_frame()
    model = TabularRegressor(random_state=3).fit(X, y)
    by_hand = build_pipeline(
        default_configuration("regression"),
        task="regression",
        categorical=["city", "kind", "smoker", "shop"],
        numeric=["age", "income"],
        seed=3,
    )
    np.testing.assert_array_equal(model.predict(X), by_hand.fit(X, y).predict(X))
    assert model.pipeline_.named_steps["mlp"].early_stopping
    assert model.encoding_ == {"city": "onehot", "kind": "onehot", "smoker": "binary", "shop": "target"}
    assert (model.categorical_, model.numeric_) == (["city", "kind", "smoker", "shop"], ["age", "income"])
    assert model.feature_names_in_.tolist() == list(X.columns)
    assert model.score(X, y) > 0.5  # it learned the signal (R^2 of a 3x256 network on its own rows)


def test_the_classifier_takes_string_labels_and_gives_probabilities():
    X, y = _raw_frame(seed=1)
    labels = np.where(y > np.median(y), "high", "low")
    params = {**FAST, "max_onehot": 100}
    model = TabularClassifier(**params, random_state=0).fit(X, labels)
    assert model.classes_.tolist() == ["high", "low"]
    assert model.encoding_["shop"] == "onehot"  # fewer than 100 levels
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(model.predict(X), model.classes_[proba.argmax(axis=1)])
    by_hand = build_pipeline(
        {**default_configuration("binary"), **params},
        task="binary",
        categorical=["city", "kind", "smoker", "shop"],
        numeric=["age", "income"],
        seed=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 4 epochs
        np.testing.assert_array_equal(proba, by_hand.fit(X, labels).predict_proba(X))
    three = np.digitize(y, np.quantile(y, [1 / 3, 2 / 3]))
    assert TabularClassifier(**FAST, random_state=0).fit(X, three).predict_proba(X).shape == (200, 3)


def test_a_holdout_that_cannot_be_made_trains_the_epoch_budget():
    """A class with one row cannot be split stratified: early stopping is left out, not an error."""
    X, y = _raw_frame(n_rows=60)
    labels = np.where(y > np.median(y), "high", "low")
    labels[0] = "rare"
    model = TabularClassifier(**FAST, random_state=0).fit(X, labels)
    assert not model.pipeline_.named_steps["mlp"].early_stopping
    assert model.classes_.tolist() == ["high", "low", "rare"]
    labels[1] = "rare"  # two rows: 6 held out for 3 classes, stratified
    two = TabularClassifier(**FAST, random_state=0).fit(X, labels)
    assert two.pipeline_.named_steps["mlp"].early_stopping
    regressor = TabularRegressor(**FAST, random_state=0).fit(X.head(2), y[:2])  # 1 row held out, 1 left
    assert not regressor.pipeline_.named_steps["mlp"].early_stopping
    best_epoch = TabularRegressor(**FAST, early_stopping="best_epoch", random_state=0).fit(X, y)
    assert best_epoch.pipeline_.named_steps["mlp"].early_stopping == "best_epoch"


def test_save_and_load_without_pickle_give_the_same_predictions(tmp_path):
    X, y = _raw_frame()
    for model, target in (
        (TabularRegressor(**FAST, random_state=0), y),
        (TabularClassifier(**FAST, random_state=0), y > 1),
    ):
        model.fit(X, target)
        path = regtune.save(model, tmp_path / f"{type(model).__name__}.regtune")
        loaded = regtune.load(path)
        assert type(loaded) is type(model) and loaded.get_params() == model.get_params()
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
        if hasattr(model, "predict_proba"):
            np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
            np.testing.assert_array_equal(loaded.classes_, model.classes_)


def test_numpy_input_uses_positions_for_categorical_columns():
    X, y = _raw_frame()
    array = X[["shop", "age", "income"]].to_numpy(dtype=object)
    model = TabularRegressor(**FAST, categorical=[0], random_state=0).fit(array, y)
    assert (model.categorical_, model.numeric_) == (["x0"], ["x1", "x2"])
    assert model.encoding_ == {"x0": "target"}
    assert not hasattr(model, "feature_names_in_")
    # without categorical=, an object array's text column is categorical and its numbers numeric
    inferred = TabularRegressor(**FAST, random_state=0).fit(array, y)
    assert (inferred.categorical_, inferred.numeric_) == (["x0"], ["x1", "x2"])
    np.testing.assert_array_equal(inferred.predict(array), model.predict(array))
    with pytest.raises(ValueError, match=r"categorical must hold column positions in \[0, n_features\)"):
        TabularRegressor(categorical=["shop"]).fit(array, y)


def test_errors_name_the_argument_and_the_rule():
    X, y = _raw_frame(n_rows=30)
    with pytest.raises(ValueError, match=r"categorical names columns that X does not have: \['town'\]"):
        TabularRegressor(categorical=["town"]).fit(X, y)
    with pytest.raises(ValueError, match=r"y must hold at least 2 classes, got 1 class: 'a'"):
        TabularClassifier().fit(X, ["a"] * 30)
    with pytest.raises(ValueError, match=r"got 1 class: 'a'"):
        TabularClassifier().fit(X, np.array(["a"] * 30, dtype=object))
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        TabularClassifier().fit(X, y)
    with pytest.raises(TypeError, match="sparse input is not supported"):
        from scipy.sparse import csr_matrix

        TabularRegressor().fit(csr_matrix(np.eye(3)), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="max_onehot"):
        TabularRegressor(max_onehot=-1).fit(X, y)


def test_importing_the_estimators_does_not_load_optuna():
    code = "import sys, regtune; regtune.TabularRegressor; print('optuna' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_clone_keeps_the_parameters():
    model = TabularClassifier(width=32, max_onehot=0, numeric_scaling="standard", clip=False)
    assert clone(model).get_params() == model.get_params()


# -- short frames: the pipeline's compiled kernels (regtune.export._fast) ------------------------------


@pytest.fixture
def transforms(monkeypatch):
    """The number of rows of every ``ColumnTransformer.transform`` call (the checked path's)."""
    from sklearn.compose import ColumnTransformer

    calls, original = [], ColumnTransformer.transform

    def counted(self, X, **params):
        calls.append(len(X))
        return original(self, X, **params)

    monkeypatch.setattr(ColumnTransformer, "transform", counted)
    return calls


@pytest.fixture
def slow_path(monkeypatch):
    """A function running a call with the compiled path switched off: the checked path."""
    from regtune.export import _fast

    def run(method, *args):
        with monkeypatch.context() as patch:
            patch.setattr(_fast, "_compiled", lambda pipeline: None)
            return method(*args)

    return run


def _fitted_pair():
    X, y = _raw_frame()
    regressor = TabularRegressor(**FAST, random_state=0).fit(X, y)
    classifier = TabularClassifier(**FAST, random_state=0).fit(X, np.digitize(y, [0.5, 1.5]))
    requests = _raw_frame(n_rows=12, seed=5)[0]
    requests.loc[0:1, "city"] = ["west", None]  # unknown and missing categories
    requests.loc[2, "shop"] = "s999"
    requests.loc[3:4, ["age", "income"]] = np.nan  # income had no missing value in training
    return regressor, classifier, requests


def test_short_frames_take_the_compiled_path_with_the_same_outputs(tmp_path, transforms, slow_path):
    regressor, classifier, requests = _fitted_pair()
    loaded = regtune.load(regtune.save(classifier, tmp_path / "classifier.regtune"))
    old = clone(regressor)  # as saved before FastPipeline: a plain scikit-learn pipeline_
    old.__dict__.update(vars(regressor), pipeline_=Pipeline(regressor.pipeline_.steps))
    calls = [(m, "predict") for m in (regressor, old)]
    calls += [(m, method) for m in (classifier, loaded) for method in ("predict", "predict_proba")]
    for rows in [requests.iloc[[i]] for i in range(len(requests))] + [requests.iloc[:7]]:
        for model, method in calls:
            expected = slow_path(getattr(model, method), rows)
            transforms.clear()
            np.testing.assert_array_equal(getattr(model, method)(rows), expected)
            assert transforms == []


def _outcome(method, X):
    """``(result or (error type, message), warning messages)`` of ``method(X)``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = method(X)
        except Exception as error:  # the outcome under comparison, whatever it is
            result = (type(error), str(error))
    return result, [str(w.message) for w in caught]


@pytest.mark.parametrize(
    "change",
    [
        lambda f: f.to_numpy(),  # an array, for a model fitted on a frame: a warning
        lambda f: f.rename(columns={"age": "Age"}),
        lambda f: f[f.columns[::-1]],
        lambda f: f.assign(income=f["income"] + 1j),  # complex: refused by the checks
        lambda f: f.assign(shop=1j),  # a complex category
        lambda f: pd.concat([f] * 30, ignore_index=True),  # more than 64 rows
    ],
    ids=["array", "renamed", "reordered", "complex", "complex-category", "large"],
)
def test_other_inputs_get_the_checked_paths_outcome(change, transforms, slow_path):
    regressor, classifier, requests = _fitted_pair()
    frame = change(requests.iloc[:3])
    for method in (regressor.predict, classifier.predict, classifier.predict_proba):
        expected = slow_path(_outcome, method, frame)
        transforms.clear()
        got = _outcome(method, frame)
        assert got[1] == expected[1]
        if isinstance(expected[0], tuple):
            assert got[0] == expected[0]
        else:
            np.testing.assert_array_equal(got[0], expected[0])


def test_a_model_fitted_on_an_array_checks_a_frame_first():
    X, y = _raw_frame()
    array = X[["shop", "age", "income"]].to_numpy(dtype=object)
    model = TabularRegressor(**FAST, categorical=[0], random_state=0).fit(array, y)
    frame = pd.DataFrame(array[:1], columns=["x0", "x1", "x2"]).infer_objects()
    with pytest.warns(UserWarning, match="X has feature names"):  # the checks ran
        prediction = model.predict(frame)
    np.testing.assert_array_equal(prediction, model.predict(array[:1]))
