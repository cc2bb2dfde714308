"""ONNX Runtime reproduces ``FoldEnsemble``, the final model ``tune`` saves: members' mean prediction
(regression), mean probability and its label (classification), on the bundled data, on frames with
unknown and missing values, with embeddings and k-member networks, and after a NumPy-array ``tune``."""

import json
import warnings
from collections import Counter

import numpy as np
import onnx
import onnxruntime  # noqa: F401  (a test dependency: `make test` installs the onnx extra)
import pandas as pd
import pytest
from export_cases import (
    CATEGORICAL,
    NUMERIC,
    TOLERANCE,
    assert_onnx_matches,
    mixed_frame,
    targets,
    unseen_frame,
)
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.pipeline import Pipeline
from test_onnx_parity import Doubler

import regtune
from regtune.datasets import load_dataset
from regtune.ensemble import FoldEnsemble
from regtune.export import OnnxPredictor, to_onnx
from regtune.tuning import build_pipeline

DTYPES = [np.float32, np.float64]
TINY = {"width": 8, "n_layers": 1, "max_epochs": 3}


def _tune(X, y, **kwargs):
    """A short ``tune`` whose final model is its best trial's fold ensemble (the default)."""
    result = regtune.tune(
        X, y, n_trials=2, cv=3, storage="sqlite:///:memory:", space=TINY, progress=False, **kwargs
    )
    return result.best_pipeline


def _bundled(task):
    if task == "regression":
        X, y = load_dataset("cps1988", return_X_y=True)
        rows = np.random.default_rng(0).choice(len(X), 400, replace=False)
        return X.iloc[rows].reset_index(drop=True), y.iloc[rows].reset_index(drop=True)
    X, y = load_dataset("penguins", return_X_y=True)
    return X, (y == "Adelie").map({True: "Adelie", False: "other"}) if task == "binary" else y


@pytest.fixture(scope="module", params=["regression", "binary", "multiclass"])
def tuned(request):
    X, y = _bundled(request.param)
    return _tune(X, y), X


def test_tune_on_bundled_data(tuned):
    model, X = tuned
    assert isinstance(model, FoldEnsemble) and len(model.members_) == 3
    for dtype in DTYPES:
        assert_onnx_matches(model, X, dtype)


def test_one_graph_with_the_single_pipelines_outputs(tuned):
    """Inputs are the raw columns once; outputs are named as a single pipeline's; every member's
    network is in the graph and the members' own labels are not."""
    model, X = tuned
    graph = to_onnx(model)
    single = to_onnx(model.members_[0])
    assert [i.name for i in graph.graph.input] == [i.name for i in single.graph.input] == list(X.columns)
    assert [o.name for o in graph.graph.output] == [o.name for o in single.graph.output]
    ops, member_ops = (
        Counter(n.op_type for n in graph.graph.node),
        Counter(n.op_type for n in single.graph.node),
    )
    assert ops["MatMul"] == 3 * member_ops["MatMul"]
    assert ops["ArgMax"] == member_ops["ArgMax"]  # 1 (classifier) or 0: the ensemble's label only
    assert len({n.name for n in graph.graph.node}) == len(graph.graph.node)
    meta = {p.key: p.value for p in graph.metadata_props}
    assert meta["regtune.task"] == ("classifier" if hasattr(model, "classes_") else "regressor")


def test_the_graph_averages_probabilities_not_labels():
    """Two members that disagree: the label is the class of the mean probability (a naive mean,
    written here), which may be neither member's label."""
    frame = mixed_frame(300, 2)[CATEGORICAL + NUMERIC]
    y = targets(frame, "multiclass", 2)
    members = [_fit(frame.iloc[rows], y[rows], "multiclass", seed) for seed, rows in enumerate(_halves(300))]
    ensemble = FoldEnsemble.from_members(members)
    label, proba = OnnxPredictor(to_onnx(ensemble, dtype=np.float64).SerializeToString()).run(frame)
    naive = (members[0].predict_proba(frame) + members[1].predict_proba(frame)) / 2
    np.testing.assert_allclose(proba, naive, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(label, ensemble.classes_[np.argmax(naive, axis=1)])


def _halves(n):
    return [np.arange(n // 2), np.arange(n // 2, n)]


def _fit(frame, y, task, seed, params=None, mlp=None):
    pipeline = build_pipeline(
        {**TINY, "max_epochs": 4, **(params or {})},
        task=task,
        categorical=CATEGORICAL,
        numeric=NUMERIC,
        seed=seed,
    )
    pipeline.set_params(**{f"mlp__{k}": v for k, v in (mlp or {}).items()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few epochs do not converge; that is not under test
        return pipeline.fit(frame, y)


def _fold_ensemble(task, params=None, mlp=None, cv=3, seed=0):
    """``FoldEnsemble.fit`` of ``build_pipeline`` on 300 mixed rows: members fitted on different
    rows, so they know different categories and medians."""
    frame = mixed_frame(300, seed)[CATEGORICAL + NUMERIC]
    pipeline = build_pipeline({**TINY, **(params or {})}, task=task, categorical=CATEGORICAL, numeric=NUMERIC)
    pipeline.set_params(**{f"mlp__{k}": v for k, v in (mlp or {}).items()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return FoldEnsemble(pipeline, cv=cv).fit(frame, targets(frame, task, seed))


@pytest.mark.parametrize("task", ["regression", "binary", "multiclass"])
def test_unknown_categories_and_missing_numbers(task):
    model = _fold_ensemble(task)
    for dtype in DTYPES:
        assert_onnx_matches(model, unseen_frame()[CATEGORICAL + NUMERIC], dtype)


NETWORKS = [
    {"numeric_embedding": "pbld", "n_frequencies": 4, "embedding_dim": 3, "n_members": 2},
    {"numeric_embedding": "plr", "n_frequencies": 3, "embedding_dim": 2, "n_members": 1},
    {"numeric_embedding": "ple", "n_bins": 5, "n_members": 3, "feature_scaling": True},
]


@pytest.mark.parametrize("network", NETWORKS, ids=lambda p: p["numeric_embedding"])
@pytest.mark.parametrize("task", ["regression", "multiclass"])
def test_members_with_embeddings_and_k_member_networks(task, network):
    model = _fold_ensemble(task, {"batch_norm": True, "dropout": 0.2}, mlp=network, cv=2)
    kinds = {layer["kind"] for m in model.members_ for layer in m[-1].network_state_["layers"]}
    assert {"periodic_embedding", "piecewise_linear_encoding"} & kinds
    assert ("member_head" in kinds) == (network["n_members"] > 1)
    for dtype in DTYPES:
        assert_onnx_matches(model, unseen_frame()[CATEGORICAL + NUMERIC], dtype)


def test_members_that_disagree_on_the_missing_marker():
    """ "" is a category of one member only: the graph's marker differs from every member's
    categories, each member reads a missing value as missing and "" as what it learned."""
    frame = mixed_frame(300, 4)[CATEGORICAL + NUMERIC]
    first, second = _halves(300)
    frame.loc[second, "grade"] = frame.loc[second, "grade"].replace("", "a")
    frame.loc[::7, "grade"] = None  # both saw missing values: missing differs from unseen
    y = targets(frame, "regression", 4)
    members = [
        _fit(frame.iloc[rows], y[rows], "regression", seed) for seed, rows in enumerate((first, second))
    ]
    assert "" in members[0][0].named_transformers_["categorical"].categories_[1]
    assert "" not in members[1][0].named_transformers_["categorical"].categories_[1]
    ensemble = FoldEnsemble.from_members(members)
    rows = unseen_frame()[CATEGORICAL + NUMERIC].assign(grade=["", None, "a", "b"] * 10)
    for dtype in DTYPES:
        graph = to_onnx(ensemble, dtype=dtype)
        markers = json.loads({p.key: p.value for p in graph.metadata_props}["regtune.missing_markers"])
        assert markers["grade"] == "<missing>"
        (variable,) = OnnxPredictor(graph.SerializeToString()).run(rows)
        expected = ensemble.predict(rows)
        tol = TOLERANCE[dtype]
        np.testing.assert_allclose(variable.ravel(), expected, rtol=tol, atol=tol * np.abs(expected).max())


@pytest.mark.parametrize("dtype", DTYPES)
def test_tune_on_numpy_arrays_reads_x0_x1(dtype):
    """``tune`` on arrays puts a step naming the columns x0, x1, ... in front of the ensemble; the
    graph reads columns of those names. An object array makes every column categorical (strings,
    and numbers as double inputs); a float array every column numeric."""
    X, y = load_dataset("penguins", return_X_y=True)
    for array, target in (
        (X.to_numpy(), y.to_numpy()),
        (X.select_dtypes("number").to_numpy(float), y.to_numpy()),
    ):
        model = _tune(array, target)
        assert isinstance(model, Pipeline) and isinstance(model[-1], FoldEnsemble)
        graph = to_onnx(model, dtype=dtype)
        names = [f"x{j}" for j in range(array.shape[1])]
        assert [i.name for i in graph.graph.input] == names
        onnx.checker.check_model(graph, full_check=True)
        label, proba = OnnxPredictor(graph.SerializeToString()).run(pd.DataFrame(array, columns=names))
        tol = TOLERANCE[dtype]
        expected = model.predict_proba(array)
        np.testing.assert_allclose(proba, expected, rtol=tol, atol=tol)
        clear = np.diff(np.sort(expected, axis=1)[:, -2:], axis=1)[:, 0] > 10 * tol
        np.testing.assert_array_equal(np.asarray(label)[clear], model.predict(array)[clear])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_member_step_without_converter_is_named_in_one_line():
    from regtune import MLPRegressor

    frame = mixed_frame(100, 6)[NUMERIC].fillna(0)
    members = [
        Pipeline([("double", Doubler()), ("mlp", MLPRegressor((4,), max_iter=5, random_state=s))]).fit(
            frame, frame["x3"]
        )
        for s in range(2)
    ]
    with pytest.raises(
        ValueError, match=r"^cannot export step FoldEnsemble > member 0 > double \(.*Doubler\) to ONNX"
    ) as error:
        to_onnx(FoldEnsemble.from_members(members))
    assert "\n" not in str(error.value)


def test_members_without_probabilities_or_with_other_outputs_are_refused_in_one_line():
    frame = mixed_frame(100, 6)[NUMERIC].fillna(0)
    y = np.where(frame["x3"] > 0, "yes", "no")
    ridge = FoldEnsemble.from_members([RidgeClassifier().fit(frame, y)])
    with pytest.raises(ValueError, match=r"^cannot export step FoldEnsemble .* no predict_proba") as error:
        to_onnx(ridge)
    assert "\n" not in str(error.value)
    logistic = FoldEnsemble.from_members([LogisticRegression().fit(frame, y)])
    with pytest.raises(
        ValueError, match=r"^cannot export FoldEnsemble to ONNX: FoldEnsemble member 0"
    ) as error:
        to_onnx(logistic)  # skl2onnx's classifiers end in a ZipMap, not a probability tensor
    assert "\n" not in str(error.value)
