"""``log_model``: a fitted model to MLflow as a pyfunc over its ONNX graph, without pickle."""

import tempfile
from pathlib import Path

import numpy as np

from ._convert import DEFAULT_OPSET, export_onnx

__all__ = ["log_model"]

MODEL_CODE = Path(__file__).with_name("_mlflow_model.py")


def log_model(model, name="model", *, dtype=np.float64, opset=DEFAULT_OPSET, pip_requirements=None, **kwargs):
    """Log a fitted model to the active MLflow run (or a new one); load it with
    ``mlflow.pyfunc.load_model``.

    The model is exported with :func:`export_onnx` and logged as an MLflow pyfunc in the
    "models from code" form: the artifact is the ONNX graph, the code is ``_mlflow_model.py``, and
    nothing is pickled. The loaded model's ``predict(frame)`` returns the columns of
    ``regtune predict --proba``: ``prediction``, and ``proba_<class>`` for a classifier.

    Parameters
    ----------
    model : Pipeline or estimator
        A fitted model, as ``regtune.load`` returns it.
    name : str, default="model"
        The model's name in the run.
    dtype, opset
        As in :func:`export_onnx`; float64 by default, so that predictions match regtune's to
        about 1e-12.
    pip_requirements : list of str, default=None
        The serving environment's requirements; default ``["regtune[onnx]"]``.
    **kwargs
        Passed on to ``mlflow.pyfunc.log_model`` (``signature``, ``input_example``, ...).

    Returns
    -------
    mlflow.models.model.ModelInfo
        With ``model_uri`` to load the model from.

    Examples
    --------
    >>> import mlflow, regtune  # doctest: +SKIP
    >>> with mlflow.start_run():  # doctest: +SKIP
    ...     info = regtune.export.log_model(regtune.load("model.regtune"))
    >>> mlflow.pyfunc.load_model(info.model_uri).predict(frame)  # doctest: +SKIP
    """
    try:
        import mlflow
    except ImportError:
        raise ImportError("log_model needs MLflow: pip install 'regtune[mlflow]'") from None
    with tempfile.TemporaryDirectory() as folder:
        graph = export_onnx(model, Path(folder) / "model.onnx", dtype=dtype, opset=opset)
        return mlflow.pyfunc.log_model(
            name=name,
            python_model=str(MODEL_CODE),
            artifacts={"onnx_model": str(graph)},
            pip_requirements=pip_requirements or ["regtune[onnx]"],
            **kwargs,
        )
