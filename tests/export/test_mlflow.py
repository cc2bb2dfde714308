"""A model logged to MLflow (local file store) loads back with ``mlflow.pyfunc.load_model`` and
predicts what regtune predicts; nothing in the store is a pickle."""

import mlflow  # a test dependency (the mlflow extra is part of the test extra)
import numpy as np
import onnxruntime  # noqa: F401  (a test dependency: `make test` installs the onnx extra)
import pytest
from export_cases import CATEGORICAL, NUMERIC, fit, unseen_frame


@pytest.fixture
def tracking(tmp_path, monkeypatch):
    """A file-store tracking URI in tmp_path (MLflow 3 asks for an explicit opt-in to it)."""
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", (tmp_path / "mlruns").as_uri())
    yield tmp_path / "mlruns"
    if mlflow.active_run() is not None:
        mlflow.end_run()


@pytest.mark.filterwarnings("ignore::UserWarning", "ignore::FutureWarning")
@pytest.mark.parametrize("task", ["multiclass", "regression"])
def test_round_trip(tracking, task):
    from regtune.export import log_model

    model = fit(task)
    frame = unseen_frame()[CATEGORICAL + NUMERIC]
    with mlflow.start_run():
        info = log_model(model)
    loaded = mlflow.pyfunc.load_model(info.model_uri)
    result = loaded.predict(frame)
    if task == "regression":
        assert list(result.columns) == ["prediction"]
        np.testing.assert_allclose(result["prediction"], model.predict(frame), rtol=1e-9)
    else:
        labels = model[-1].classes_.tolist()
        assert list(result.columns) == ["prediction", *(f"proba_{c}" for c in labels)]
        np.testing.assert_array_equal(result["prediction"], model.predict(frame))
        np.testing.assert_allclose(result.iloc[:, 1:], model.predict_proba(frame), rtol=1e-9, atol=1e-12)
    stored = [p for p in tracking.rglob("*") if p.is_file()]
    assert any(p.suffix == ".onnx" for p in stored)
    assert not [p for p in stored if p.suffix in (".pkl", ".pickle", ".cloudpickle")]
