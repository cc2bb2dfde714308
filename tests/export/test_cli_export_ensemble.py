"""``regtune tune`` saves a fold ensemble by default; ``regtune export`` turns it into one ONNX graph
and ``regtune predict`` on that graph writes what ``regtune predict`` on the model file writes."""

import sys
from pathlib import Path

import numpy as np
import onnxruntime  # noqa: F401  (a test dependency: `make test` installs the onnx extra)
import pandas as pd
import pytest

import regtune
from regtune.datasets import load_dataset
from regtune.ensemble import FoldEnsemble

sys.path.insert(0, str(Path(__file__).parents[1] / "cli"))
from cli_runner import invoke

TINY_SPACE = "width = 8\nn_layers = 1\nmax_epochs = 3\nbatch_size = 64\n"
DATA = {
    "penguins": ("species", lambda: load_dataset("penguins")),
    "wages": ("wage", lambda: load_dataset("cps1988").sample(n=300, random_state=0)),
}


@pytest.fixture(scope="module", params=sorted(DATA))
def tuned(request, tmp_path_factory):
    """``regtune tune`` (2 trials, 2 folds, default final model) on a small table: its out folder."""
    root = tmp_path_factory.mktemp(f"tuned-{request.param}")
    target, load = DATA[request.param]
    load().to_csv(root / "data.csv", index=False)
    (root / "space.toml").write_text(TINY_SPACE)
    result = invoke(
        "tune",
        root / "data.csv",
        "--target",
        target,
        "--trials",
        2,
        "--cv",
        2,
        "--space",
        root / "space.toml",
        "--storage",
        f"sqlite:///{root / 'studies.db'}",
        "--out",
        root / "out",
        "-q",
    )
    assert result.exit_code == 0, (result.output, result.exception)
    return root


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_export_of_the_tuned_model_predicts_as_the_model_file(tuned, dtype):
    model_file = tuned / "out" / "model.regtune"
    assert isinstance(regtune.load(model_file), FoldEnsemble)
    graph = tuned / f"model-{dtype}.onnx"
    result = invoke("export", model_file, "-o", graph, "--dtype", dtype)
    assert result.exit_code == 0, result.output
    assert "FoldEnsemble" in result.stdout and str(graph) in result.stdout
    classifier = hasattr(regtune.load(model_file), "classes_")
    outputs = {}
    for name, model in (("native", model_file), ("onnx", graph)):
        out = tuned / f"{name}-{dtype}.csv"
        args = ["--proba"] if classifier else []
        written = invoke("predict", model, tuned / "data.csv", "-o", out, *args)
        assert written.exit_code == 0, written.output
        outputs[name] = pd.read_csv(out)
    native, onnx = outputs["native"], outputs["onnx"]
    assert list(onnx.columns) == list(native.columns)
    tol = 1e-5 if dtype == "float32" else 1e-9
    if not classifier:
        scale = float(np.abs(native["prediction"]).max())
        np.testing.assert_allclose(onnx["prediction"], native["prediction"], rtol=tol, atol=tol * scale)
        return
    np.testing.assert_allclose(onnx.iloc[:, 1:], native.iloc[:, 1:], rtol=tol, atol=tol)
    top2 = np.sort(native.iloc[:, 1:].to_numpy(), axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > 10 * tol
    assert (onnx["prediction"] == native["prediction"])[clear].all()
