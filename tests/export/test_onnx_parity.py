"""ONNX Runtime reproduces regtune's predictions: bundled data, synthetic frames with unknown and
missing values, and every hyperparameter that changes the graph."""

import numpy as np
import onnxruntime  # noqa: F401  (a test dependency: `make test` installs the onnx extra)
import pandas as pd
import pytest
from export_cases import (
    CATEGORICAL,
    NUMERIC,
    assert_onnx_matches,
    fit,
    mixed_frame,
    preprocessing_pipeline,
    unseen_frame,
)
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline

from regtune.datasets import load_dataset
from regtune.export import OnnxPredictor, to_onnx
from regtune.tuning import build_pipeline

DTYPES = [np.float32, np.float64]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["cps1988", "penguins"])
def test_bundled_datasets(name, dtype):
    X, y = load_dataset(name, return_X_y=True)
    X, y = X.iloc[:600], y.iloc[:600]
    categorical = [c for c in X.columns if X[c].dtype.kind not in "fiu"]
    numeric = [c for c in X.columns if c not in categorical]
    task = "regression" if name == "cps1988" else "multiclass"
    model = fit(task, frame=X, y=y.to_numpy(), categorical=categorical, numeric=numeric)
    assert_onnx_matches(model, X, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("task", ["regression", "binary", "multiclass"])
def test_unknown_and_missing_values(task, dtype):
    model = fit(task)
    assert_onnx_matches(model, unseen_frame()[CATEGORICAL + NUMERIC], dtype)


GRAPH_PARAMS = [
    {"n_layers": 0},
    {"n_layers": 3, "width": 8},
    {"activation": "tanh"},
    {"activation": "logistic"},
    {"activation": "identity"},
    {"batch_norm": True},
    {"dropout": 0.3},
    {"dropout": 0.3, "dropout_scaling": "classic"},
    {"dropout": 0.2, "dropout_scaling": "classic", "batch_norm": True, "activation": "tanh"},
    {"smooth": 5.0},
]
NETWORK_ONLY = ("activation", "dropout_scaling")  # not in the search space: set on the network


@pytest.mark.parametrize("params", GRAPH_PARAMS, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()))
@pytest.mark.parametrize("task", ["regression", "binary", "multiclass"])
def test_every_graph_changing_hyperparameter(task, params):
    network = {k: v for k, v in params.items() if k in NETWORK_ONLY}
    model = fit(task, {k: v for k, v in params.items() if k not in NETWORK_ONLY}, mlp=network)
    for dtype in DTYPES:
        assert_onnx_matches(model, unseen_frame()[CATEGORICAL + NUMERIC], dtype)


@pytest.mark.parametrize(
    "labels", [np.array([0, 1]), np.array([False, True]), np.array([2.0, 5.0])], ids=["int", "bool", "float"]
)
def test_label_types_of_binary_classifiers(labels):
    frame = mixed_frame(200, 3)
    y = labels[(frame["x3"].to_numpy() > 0).astype(int)]
    model = fit("binary", frame=frame, y=y)
    label, _ = assert_onnx_matches(model, frame[CATEGORICAL + NUMERIC], np.float64)
    assert np.asarray(label).dtype.kind == labels.dtype.kind


@pytest.mark.parametrize(
    "options",
    [
        {"handle_unknown": "nan"},
        {"handle_missing": "prior"},
        {"handle_missing": "prior", "handle_unknown": "nan"},
        {"dtype": np.float32},
    ],
    ids=lambda o: ",".join(f"{k}={getattr(v, '__name__', v)}" for k, v in o.items()),
)
def test_target_encoder_policies(options):
    from regtune import TargetEncoder

    frame = mixed_frame(300, 4)
    y = fit("regression").predict(frame[CATEGORICAL + NUMERIC])
    encoder = TargetEncoder(**options, random_state=0).fit(frame[CATEGORICAL], y)
    unseen = unseen_frame()[CATEGORICAL]
    graph = to_onnx(encoder, dtype=np.float64)
    (encoded,) = OnnxPredictor(graph.SerializeToString()).run(unseen)
    np.testing.assert_allclose(encoded, encoder.transform(unseen), rtol=1e-12, atol=0)


def test_column_with_empty_string_category_uses_another_missing_marker():
    import json

    model = fit("regression")
    graph = to_onnx(model, dtype=np.float64)
    markers = json.loads({p.key: p.value for p in graph.metadata_props}["regtune.missing_markers"])
    assert markers == {"city": "", "grade": "<missing>"}


def test_empty_string_is_the_missing_marker_where_it_is_no_category():
    """In the graph "" stands for a missing category, as an empty CSV field does in pandas."""
    model = fit("regression")
    frame = unseen_frame()[CATEGORICAL + NUMERIC].iloc[:5]
    as_empty = frame.assign(city="")
    as_missing = frame.assign(city=None)
    (onnx_empty,) = OnnxPredictor(to_onnx(model, dtype=np.float64).SerializeToString()).run(as_empty)
    np.testing.assert_allclose(onnx_empty.ravel(), model.predict(as_missing), rtol=1e-9)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_numeric_pipeline_fitted_on_numpy_reads_x0_x1():
    from sklearn.preprocessing import StandardScaler

    from regtune import MLPClassifier

    X = mixed_frame(200, 5)[NUMERIC].fillna(0).to_numpy()
    y = np.where(X[:, 0] > 10, "hi", "lo")
    model = Pipeline([("scale", StandardScaler()), ("mlp", MLPClassifier((8,), max_iter=30, random_state=0))])
    model.fit(X, y)
    graph = to_onnx(model, dtype=np.float64)
    assert [i.name for i in graph.graph.input] == ["x0", "x1", "x2"]
    frame = pd.DataFrame(X, columns=["x0", "x1", "x2"])
    _, proba = OnnxPredictor(graph.SerializeToString()).run(frame)
    np.testing.assert_allclose(proba, model.predict_proba(X), rtol=1e-9, atol=1e-9)


class Doubler(TransformerMixin, BaseEstimator):
    """A transformer no converter knows."""

    def fit(self, X, y=None):
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def transform(self, X):
        return 2 * np.asarray(X)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_step_without_converter_is_named_in_one_line():
    from regtune import MLPRegressor

    frame = mixed_frame(100, 6)[NUMERIC].fillna(0)
    model = Pipeline([("double", Doubler()), ("mlp", MLPRegressor((4,), max_iter=20))])
    model.fit(frame, frame["x3"])
    with pytest.raises(
        ValueError, match=r"^cannot export step Pipeline > double \(.*Doubler\) to ONNX"
    ) as error:
        to_onnx(model)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("bad", [{"dtype": np.int64}, {"dtype": "float16"}, {"opset": 9}, {"opset": 18.0}])
def test_invalid_dtype_or_opset(bad):
    with pytest.raises(ValueError, match=r"dtype must be|opset must be"):
        to_onnx(fit("regression"), **bad)


def test_build_pipeline_is_the_model_under_test():
    assert [
        name for name, _ in build_pipeline({}, task="binary", categorical=["a"], numeric=["b"]).steps
    ] == [
        "preprocess",
        "mlp",
    ]


ROUTES = {0: {"target"}, 4: {"onehot", "binary", "target"}, 8: {"onehot", "binary"}}


@pytest.mark.parametrize("max_onehot", [0, 4, 8])
@pytest.mark.parametrize("task", ["regression", "multiclass"])
def test_categorical_encoder_and_numeric_scaler(task, max_onehot):
    model, frame = preprocessing_pipeline(task, max_onehot)
    kinds = set(model[0].named_transformers_["categorical"].encoding_.values())
    assert kinds == (
        {"target"}
        if max_onehot == 0
        else {"onehot", "binary", "target"}
        if max_onehot == 4
        else {"onehot", "binary"}
    )
    for dtype in DTYPES:
        assert_onnx_matches(model, frame, dtype)


@pytest.mark.parametrize("options", [{"clip": False}, {"scaling": "standard"}])
def test_numeric_scaler_options(options):
    model, frame = preprocessing_pipeline("regression", 4, **options)
    for dtype in DTYPES:
        assert_onnx_matches(model, frame, dtype)
