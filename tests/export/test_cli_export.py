"""``regtune export`` and ``regtune predict`` on the exported ``.onnx`` file, in-process."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from export_cases import CATEGORICAL, NUMERIC, fit, unseen_frame

import regtune

sys.path.insert(0, str(Path(__file__).parents[1] / "cli"))
import onnxruntime  # noqa: F401  (a test dependency: `make test` installs the onnx extra)
from cli_runner import assert_one_line_error, invoke


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A saved multiclass pipeline and a CSV of rows with unknown and missing values."""
    root = tmp_path_factory.mktemp("export-cli")
    regtune.save(fit("multiclass"), root / "model.regtune")
    unseen_frame()[CATEGORICAL + NUMERIC].assign(id=range(40)).to_csv(root / "new.csv", index=False)
    return root


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_export_then_predict_equals_the_regtune_model(saved, dtype):
    graph = saved / f"model-{dtype}.onnx"
    result = invoke("export", saved / "model.regtune", "-o", graph, "--dtype", dtype)
    assert result.exit_code == 0, result.output
    assert str(graph) in result.stdout
    for model in ("model.regtune", graph.name):
        out = invoke("predict", saved / model, saved / "new.csv", "-o", saved / f"{model}.csv", "--proba")
        assert out.exit_code == 0, out.output
    native = pd.read_csv(saved / "model.regtune.csv")
    onnx = pd.read_csv(saved / f"{graph.name}.csv")
    assert list(onnx.columns) == list(native.columns)
    tol = 1e-5 if dtype == "float32" else 1e-9
    np.testing.assert_allclose(onnx.iloc[:, 1:], native.iloc[:, 1:], rtol=tol, atol=tol)
    clear = np.sort(native.iloc[:, 1:].to_numpy(), axis=1) @ [0, -1, 1] > 10 * tol
    assert (onnx["prediction"] == native["prediction"])[clear].all()


def test_predict_onnx_refuses_uncertainty(saved):
    invoke("export", saved / "model.regtune", "-o", saved / "m.onnx")
    result = invoke("predict", saved / "m.onnx", saved / "new.csv", "-o", saved / "u.csv", "--uncertainty")
    assert_one_line_error(result, "--uncertainty needs the .regtune model")


def test_predict_onnx_names_missing_columns(saved):
    invoke("export", saved / "model.regtune", "-o", saved / "m.onnx")
    pd.read_csv(saved / "new.csv").drop(columns=["x2"]).to_csv(saved / "short.csv", index=False)
    result = invoke("predict", saved / "m.onnx", saved / "short.csv", "-o", saved / "s.csv")
    assert_one_line_error(result, "lacks the model's columns 'x2'")


def test_export_errors_are_one_line(saved):
    assert_one_line_error(invoke("export", saved / "absent.regtune"), "does not exist")
    (saved / "not-a-model.regtune").write_text("hello")
    assert_one_line_error(invoke("export", saved / "not-a-model.regtune"), "not a regtune model file")
    assert_one_line_error(invoke("export", saved / "model.regtune", "--opset", "9"), "--opset")
