"""ONNX Runtime reproduces networks whose layers do not fold into dense steps: periodic (pbld, plr)
and piecewise-linear numeric embeddings, feature scaling, TabM-style k members, with batch norm
and dropout, inside the full pipeline with categorical columns."""

import numpy as np
import onnx
import onnxruntime  # noqa: F401  (a test dependency: `make test` installs the onnx extra)
import pytest
from export_cases import CATEGORICAL, NUMERIC, assert_onnx_matches, fit, unseen_frame

from regtune.export import OnnxPredictor, to_onnx

DTYPES = [np.float32, np.float64]
TASKS = ["regression", "binary", "multiclass"]
EMBEDDINGS = [
    {"numeric_embedding": "pbld", "n_frequencies": 5, "embedding_dim": 3},
    {"numeric_embedding": "plr", "n_frequencies": 4, "embedding_dim": 3},
    {"numeric_embedding": "ple", "n_bins": 6},
]
BN_DROPOUT = {"batch_norm": True, "dropout": 0.2}
NETWORKS = [
    *EMBEDDINGS,
    {"feature_scaling": True},
    {"n_members": 3},
    {"numeric_embedding": "pbld", "feature_scaling": True, "n_members": 3, "embedding_dim": 3},
    {"numeric_embedding": "plr", "n_members": 3, "embedding_dim": 2, "dropout_scaling": "classic"},
    {"numeric_embedding": "ple", "n_bins": 4, "feature_scaling": True, "n_members": 3},
    {"feature_scaling": True, "n_members": 3, "dropout_scaling": "classic", "activation": "tanh"},
]


def _name(params):
    return ",".join(f"{k}={v}" for k, v in params.items())


def _fitted(task, network, n_layers=2):
    """The pipeline of ``export_cases.fit`` with ``network`` set on the MLP, batch norm and dropout on."""
    return fit(task, {"n_layers": n_layers, **BN_DROPOUT}, mlp=network)


@pytest.mark.parametrize("network", NETWORKS, ids=_name)
@pytest.mark.parametrize("task", TASKS)
def test_networks_that_do_not_fold(task, network):
    model = _fitted(task, network)
    kinds = [layer["kind"] for layer in model[-1].network_state_["layers"]]
    if "n_members" in network:
        assert "member_head" in kinds
    if "numeric_embedding" in network:
        assert {"periodic_embedding", "piecewise_linear_encoding"} & set(kinds)
    frame = unseen_frame()[CATEGORICAL + NUMERIC]
    for dtype in DTYPES:
        assert_onnx_matches(model, frame, dtype)


@pytest.mark.parametrize("task", TASKS)
def test_members_without_hidden_layers(task):
    model = _fitted(task, {"n_members": 3, "numeric_embedding": "ple", "n_bins": 3}, n_layers=0)
    assert_onnx_matches(model, unseen_frame()[CATEGORICAL + NUMERIC], np.float64)


def test_ple_extrapolates_beyond_the_training_range():
    """The first and last bins are open-ended: numbers far outside the training rows keep a slope."""
    model = _fitted("regression", {"numeric_embedding": "ple", "n_bins": 5})
    frame = unseen_frame()[CATEGORICAL + NUMERIC]
    frame.loc[20:29, "x1"] = np.linspace(-500.0, 500.0, 10)
    frame.loc[30:39, "x3"] = np.linspace(-80.0, 80.0, 10)
    for dtype in DTYPES:
        assert_onnx_matches(model, frame, dtype)


def test_checker_and_no_rows():
    model = _fitted("binary", {"numeric_embedding": "pbld", "n_members": 3})
    graph = to_onnx(model, dtype=np.float64)
    onnx.checker.check_model(graph, full_check=True)
    label, proba = OnnxPredictor(graph.SerializeToString()).run(
        unseen_frame()[CATEGORICAL + NUMERIC].iloc[:0]
    )
    assert np.asarray(label).shape == (0,) and np.asarray(proba).shape == (0, 2)


def test_a_layer_without_onnx_form_raises_one_line(monkeypatch):
    """A layer kind the exporter does not know (as a future kind would be) names the step and the layer."""
    from regtune.export import _network

    model = _fitted("regression", {"n_members": 3})
    monkeypatch.delitem(_network._LAYERS, "member_adapter")
    message = (
        r"^cannot export step FastPipeline > mlp \(regtune\.\S+\) to ONNX: layer 'member_adapter': [^\n]+$"
    )
    with pytest.raises(ValueError, match=message):
        to_onnx(model)
