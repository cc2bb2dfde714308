"""Deployment: the fitted pipeline as one ONNX graph, ONNX Runtime predictions, MLflow, and a fast
native predictor for single rows.

* :func:`export_onnx` / :func:`to_onnx`: the whole pipeline (imputation, encodings, scaling, every
  layer, probabilities and labels) as an ONNX graph over the raw named columns;
* :func:`predict_onnx`: run an exported graph on a data frame with ONNX Runtime;
* :func:`log_model`: log a model to MLflow as a pyfunc over its ONNX graph (no pickle);
* :func:`compile_predictor` and :class:`FastPipeline` (what ``build_pipeline`` builds):
  ``predict``/``predict_proba`` of a fitted pipeline with the per-call validation done once, for
  one-row requests.

The ONNX converters live in a registry keyed by step type (``_registry.py``); ``docs/deployment.md``
lists the opset and the input conventions. Imports are lazy: onnx, skl2onnx, onnxruntime and mlflow
load only when the function that needs them is called.
"""

from .._lazy import lazy_names

_LAZY = {
    "export_onnx": "._convert",
    "to_onnx": "._convert",
    "predict_onnx": "._runtime",
    "OnnxPredictor": "._runtime",
    "log_model": "._mlflow",
    "compile_predictor": "._fast",
    "CompiledPredictor": "._fast",
    "FastPipeline": "._fast",
}

__all__ = list(_LAZY)


__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())
