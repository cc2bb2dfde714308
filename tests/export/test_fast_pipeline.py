"""``FastPipeline`` (what ``build_pipeline`` builds) and ``FoldEnsemble``s of them predict short frames
through the compiled kernels by themselves: the same outputs, errors and warnings as scikit-learn's
own path, nothing stored on the model, rebuilt after a refit, and fast again after save/load.

Oracles: scikit-learn's ``Pipeline`` over the same fitted steps (``plain``), and the same call with
the compiled path switched off (``slow_path``). That the compiled path ran is read from a count of
``ColumnTransformer.transform`` calls, which the model's own path makes once per pipeline.
"""

import copy
import gc
import warnings
import weakref

import numpy as np
import pandas as pd
import pytest
from export_cases import CATEGORICAL, NUMERIC, fit, mixed_frame, unseen_frame
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline

import regtune
from regtune.ensemble import FoldEnsemble
from regtune.export import FastPipeline, _fast
from regtune.export._fast import MAX_ROWS

COLUMNS = CATEGORICAL + NUMERIC


def plain(model):
    """scikit-learn's Pipeline over the fitted steps of ``model``: the path without kernels."""
    return Pipeline(model.steps)


@pytest.fixture
def transforms(monkeypatch):
    """The number of rows of every ``ColumnTransformer.transform`` call (the model's own path)."""
    calls = []
    original = ColumnTransformer.transform

    def counted(self, X, **params):
        calls.append(len(X))
        return original(self, X, **params)

    monkeypatch.setattr(ColumnTransformer, "transform", counted)
    return calls


@pytest.fixture
def slow_path(monkeypatch):
    """A function running a call with the compiled path switched off."""

    def run(method, *args, **kwargs):
        with monkeypatch.context() as patch:
            patch.setattr(_fast, "_compiled", lambda pipeline: None)
            return method(*args, **kwargs)

    return run


def _rows(frame):
    """Every single row, then batches of 2, 7 and MAX_ROWS rows."""
    yield from (frame.iloc[[i]] for i in range(len(frame)))
    for size in (2, 7, MAX_ROWS):
        yield frame.iloc[:size]


def _requests():
    """Rows with unknown categories, missing categories and missing numbers, then ordinary rows."""
    return pd.concat([unseen_frame()[COLUMNS], mixed_frame(30, 9)[COLUMNS]], ignore_index=True)


def test_build_pipeline_builds_a_fast_pipeline():
    model = fit("regression")
    assert type(model) is FastPipeline and isinstance(model, Pipeline)


NETWORKS = [
    {},
    {"batch_norm": True, "dropout": 0.2},
    {"numeric_embedding": "pbld", "embedding_columns": [3, 4]},
    {"numeric_embedding": "ple", "n_members": 3, "feature_scaling": True},
]


@pytest.mark.parametrize("task", ["regression", "binary", "multiclass"])
@pytest.mark.parametrize("network", NETWORKS, ids=lambda p: ",".join(p) or "default")
def test_predict_is_the_pipelines_own_and_takes_the_compiled_path(task, network, transforms):
    model = fit(task, mlp=network)
    oracle = plain(model)
    expected = [oracle.predict(rows) for rows in _rows(_requests())]
    expected_proba = (
        [oracle.predict_proba(rows) for rows in _rows(_requests())] if task != "regression" else []
    )
    transforms.clear()
    for i, rows in enumerate(_rows(_requests())):
        np.testing.assert_array_equal(model.predict(rows), expected[i])
        if task != "regression":
            np.testing.assert_array_equal(model.predict_proba(rows), expected_proba[i])
    assert transforms == []


def _outcome(method, *args, **kwargs):
    """``(result or (error type, message), warning messages)`` of a call."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = method(*args, **kwargs)
        except Exception as error:  # the outcome under comparison, whatever it is
            result = (type(error), str(error))
    return result, [str(w.message) for w in caught]


def _assert_same_outcome(got, expected):
    (value, messages), (expected_value, expected_messages) = got, expected
    assert messages == expected_messages
    if isinstance(expected_value, tuple):
        assert value == expected_value
    else:
        np.testing.assert_array_equal(value, expected_value)


@pytest.mark.parametrize(
    "change",
    [
        lambda f: f[COLUMNS[::-1]],  # other column order
        lambda f: f.assign(extra=1)[[*COLUMNS, "extra"]],  # an extra column
        lambda f: f.drop(columns="x2"),  # a missing column
        lambda f: f.astype({"x3": np.float32}),  # float32 stays float32 in scikit-learn
        lambda f: f.astype({"x1": "Float64"}),  # an extension dtype
        lambda f: pd.concat([f] * 40, ignore_index=True),  # more than MAX_ROWS rows
        lambda f: f.to_numpy(),  # an array
        lambda f: f.assign(x1=np.inf),  # infinity: scikit-learn refuses it
        lambda f: f.astype({"city": object}).assign(city=12),  # a number where strings were learned
        lambda f: f.rename(columns={"x1": "X1"}),  # another name
        lambda f: f.iloc[:0],  # no rows
    ],
    ids=[
        "order",
        "extra",
        "missing",
        "float32",
        "Float64",
        "large",
        "array",
        "inf",
        "number",
        "name",
        "empty",
    ],
)
def test_other_inputs_get_the_pipelines_own_outcome(change, transforms, slow_path):
    model = fit("multiclass")
    model.predict(unseen_frame()[COLUMNS].iloc[[0]])  # the kernels are built and cached
    frame = change(unseen_frame()[COLUMNS].iloc[:3])
    for method in ("predict", "predict_proba"):
        expected = slow_path(_outcome, getattr(model, method), frame)
        transforms.clear()
        _assert_same_outcome(_outcome(getattr(model, method), frame), expected)
        assert transforms  # the pipeline's own path ran


def test_an_unfitted_pipeline_raises_not_fitted():
    from regtune.tuning import build_pipeline

    model = build_pipeline({}, task="binary", categorical=["city"], numeric=["x1"])
    with pytest.raises(NotFittedError):
        model.predict(unseen_frame()[["city", "x1"]].iloc[[0]])


def test_the_final_steps_methods_and_parameters(transforms, slow_path):
    model = fit("regression", mlp={"dropout": 0.3})
    assert not hasattr(model, "predict_proba") and not hasattr(model[:-1], "predict")
    row = unseen_frame()[COLUMNS].iloc[[3]]
    for params in ({"return_std": True}, {"mc_samples": 4, "return_std": True}):
        expected = slow_path(model.predict, row, **params)
        transforms.clear()
        got = model.predict(row, **params)
        assert transforms == []
        for part, expected_part in zip(got, expected, strict=True):
            np.testing.assert_array_equal(part, expected_part)


def test_a_refit_or_a_replaced_step_rebuilds_the_kernels(transforms):
    model = fit("multiclass")
    rows = _requests().iloc[:9]
    model.predict_proba(rows)
    other = mixed_frame(200, 5)[COLUMNS]
    labels = np.array(["low", "mid", "high"])[np.arange(200) % 3]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few epochs do not converge
        model.fit(other, labels[::-1])  # the same step objects, fitted again
        changes = [
            lambda: model.named_steps["preprocess"].fit(other, labels),  # a step refitted alone
            lambda: model.set_params(mlp=fit("multiclass", seed=3).named_steps["mlp"]),  # replaced
        ]
        for change in [lambda: None, *changes]:
            change()
            transforms.clear()
            expected = plain(model).predict_proba(rows)
            transforms.clear()
            np.testing.assert_array_equal(model.predict_proba(rows), expected)
            assert transforms == []


def test_nothing_is_stored_on_the_model():
    model = fit("binary")
    before = dict(vars(model))
    params = model.get_params(deep=False)
    model.predict(unseen_frame()[COLUMNS].iloc[[0]])
    assert vars(model).keys() == before.keys() and all(vars(model)[k] is v for k, v in before.items())
    assert model.get_params(deep=False).keys() == params.keys() == Pipeline([]).get_params(deep=False).keys()
    assert type(clone(model)) is FastPipeline and type(copy.deepcopy(model)) is FastPipeline
    alive = weakref.ref(model)
    del model
    gc.collect()
    assert alive() is None  # the cache does not keep a model alive


def test_save_and_load_keep_it_fast_and_old_plain_pipelines_load(tmp_path, transforms):
    model = fit("multiclass", mlp={"numeric_embedding": "plr"})
    rows = _requests().iloc[:5]
    model.predict(rows)  # kernels built before saving: they must not reach the file
    loaded = regtune.load(regtune.save(model, tmp_path / "fast.regtune"))
    old = regtune.load(regtune.save(plain(model), tmp_path / "old.regtune"))
    assert type(loaded) is FastPipeline and type(old) is Pipeline
    expected = [plain(model).predict_proba(rows.iloc[[i]]) for i in range(len(rows))]
    transforms.clear()
    for i in range(len(rows)):
        np.testing.assert_array_equal(loaded.predict_proba(rows.iloc[[i]]), expected[i])
    assert transforms == []
    np.testing.assert_array_equal(old.predict_proba(rows), plain(model).predict_proba(rows))


@pytest.mark.parametrize("task", ["regression", "multiclass"])
def test_a_fold_ensemble_of_fast_pipelines_is_fast_and_exact(task, tmp_path, transforms, slow_path):
    ensemble = FoldEnsemble.from_members([fit(task, seed=seed) for seed in range(3)])
    loaded = regtune.load(regtune.save(ensemble, tmp_path / "ensemble.regtune"))
    methods = ["predict"] if task == "regression" else ["predict", "predict_proba"]
    calls = [(method, {}) for method in methods] + [(methods[-1], {"return_std": True})]
    for rows in list(_rows(_requests()))[::5]:
        for method, params in calls:
            expected = slow_path(getattr(ensemble, method), rows, **params)
            transforms.clear()
            for model in (ensemble, loaded):
                got = getattr(model, method)(rows, **params)
                for part, expected_part in zip(*((got, expected) if params else ([got], [expected]))):
                    np.testing.assert_array_equal(part, expected_part)
            assert transforms == []
