"""A ``FoldEnsemble`` (``tune``'s default final model) logged to MLflow loads back with
``mlflow.pyfunc.load_model`` and predicts what the ensemble predicts; nothing stored is a pickle."""

import warnings

import mlflow  # a test dependency (the mlflow extra is part of the test extra)
import numpy as np
import onnxruntime  # noqa: F401  (a test dependency: `make test` installs the onnx extra)
import pytest
from export_cases import CATEGORICAL, NUMERIC, mixed_frame, targets, unseen_frame

from regtune.ensemble import FoldEnsemble
from regtune.tuning import build_pipeline


@pytest.fixture
def tracking(tmp_path, monkeypatch):
    """A file-store tracking URI in tmp_path (MLflow 3 asks for an explicit opt-in to it)."""
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", (tmp_path / "mlruns").as_uri())
    yield tmp_path / "mlruns"
    if mlflow.active_run() is not None:
        mlflow.end_run()


@pytest.mark.filterwarnings("ignore::UserWarning", "ignore::FutureWarning")
def test_fold_ensemble_round_trip(tracking):
    from regtune.export import log_model

    frame = mixed_frame(200, 0)[CATEGORICAL + NUMERIC]
    pipeline = build_pipeline(
        {"width": 8, "n_layers": 1, "max_epochs": 3},
        task="multiclass",
        categorical=CATEGORICAL,
        numeric=NUMERIC,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = FoldEnsemble(pipeline, cv=2).fit(frame, targets(frame, "multiclass"))
    new = unseen_frame()[CATEGORICAL + NUMERIC]
    with mlflow.start_run():
        info = log_model(model)
    result = mlflow.pyfunc.load_model(info.model_uri).predict(new)
    assert list(result.columns) == ["prediction", *(f"proba_{c}" for c in model.classes_)]
    np.testing.assert_array_equal(result["prediction"], model.predict(new))
    np.testing.assert_allclose(result.iloc[:, 1:], model.predict_proba(new), rtol=1e-9, atol=1e-12)
    stored = [p for p in tracking.rglob("*") if p.is_file()]
    assert any(p.suffix == ".onnx" for p in stored)
    assert not [p for p in stored if p.suffix in (".pkl", ".pickle", ".cloudpickle")]
