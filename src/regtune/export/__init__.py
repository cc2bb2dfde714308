"""Deployment: the fitted pipeline as one ONNX graph, ONNX Runtime predictions, MLflow, and a fast
native predictor for single rows.

* :func:`export_onnx` / :func:`to_onnx`: the whole pipeline (imputation, encodings, scaling, every
  layer, probabilities and labels) as an ONNX graph over the raw named columns;
* :func:`predict_onnx`: run an exported graph on a data frame with ONNX Runtime;
* :func:`log_model`: log a model to MLflow as a pyfunc over its ONNX graph (no pickle);
* :func:`compile_predictor`: ``predict``/``predict_proba`` of a fitted pipeline with the per-call
  validation done once, for one-row requests.

The ONNX converters live in a registry keyed by step type (``_registry.py``); ``docs/deployment.md``
lists the opset and the input conventions. Imports are lazy: onnx, skl2onnx, onnxruntime and mlflow
load only when the function that needs them is called.
"""

from importlib import import_module

_LAZY = {
    "export_onnx": "._convert",
    "to_onnx": "._convert",
    "predict_onnx": "._runtime",
    "OnnxPredictor": "._runtime",
    "log_model": "._mlflow",
    "compile_predictor": "._fast",
    "CompiledPredictor": "._fast",
}

__all__ = list(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'regtune.export' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
