"""Predicting with an exported graph: ONNX Runtime fed from a data frame, output as ``regtune predict``
writes it (``prediction``, and ``proba_<class>`` columns for a classifier)."""

import json
from pathlib import Path

import numpy as np

__all__ = ["OnnxPredictor", "predict_onnx"]

_NUMERIC_INPUTS = {"tensor(double)": np.float64, "tensor(float)": np.float32}


class OnnxPredictor:
    """An ONNX Runtime session over a graph written by :func:`export_onnx`.

    Parameters
    ----------
    model : str, Path or bytes
        The ``.onnx`` file, or its bytes.
    threads : int, default=1
        ONNX Runtime's intra-op threads (1 is fastest for single rows and small batches).

    Attributes
    ----------
    columns : list of str
        The raw columns the graph reads, in input order.
    task : {"classifier", "regressor", "transformer"}
    classes_ : ndarray or None
        The class labels of a classifier.
    """

    def __init__(self, model, threads=1):
        try:
            import onnxruntime as ort
        except ImportError:
            raise ImportError(
                "predicting with an ONNX graph needs onnxruntime: pip install 'regtune[onnx]'"
            ) from None

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        source = model if isinstance(model, bytes) else str(Path(model))
        try:
            self.session = ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # ONNX Runtime raises its own exception types for a bad file
            where = "the given bytes" if isinstance(model, bytes) else repr(str(model))
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ValueError(f"cannot load the ONNX model {where}: {message}") from None
        meta = self.session.get_modelmeta().custom_metadata_map
        if "regtune.columns" not in meta:
            raise ValueError("the ONNX model was not exported by regtune (no regtune.columns metadata)")
        self.columns = json.loads(meta["regtune.columns"])
        self.task = meta.get("regtune.task", "regressor")
        self._markers = json.loads(meta.get("regtune.missing_markers", "{}"))
        self.classes_ = np.asarray(json.loads(meta["regtune.classes"])) if "regtune.classes" in meta else None
        self._inputs = [
            (column, i.name, i.type) for column, i in zip(self.columns, self.session.get_inputs())
        ]

    def feed(self, frame):
        """The input dictionary for ``frame``'s rows: one ``(N, 1)`` array per graph input."""
        absent = [c for c in self.columns if c not in frame.columns]
        if absent:
            raise ValueError(
                f"data lacks the model's columns {', '.join(map(repr, absent))}; "
                f"its columns are: {', '.join(map(str, frame.columns))}"
            )
        return {name: self._column(frame[column], column, kind) for column, name, kind in self._inputs}

    def _column(self, series, column, kind):
        import pandas as pd

        if kind in _NUMERIC_INPUTS:
            try:
                values = series.to_numpy(dtype=_NUMERIC_INPUTS[kind], na_value=np.nan)
            except (TypeError, ValueError):
                raise ValueError(
                    f"column {column!r} must be numeric (it was numeric when the model was trained), "
                    f"got dtype {series.dtype}"
                ) from None
            return values.reshape(-1, 1)
        values = series.to_numpy(dtype=object, na_value=None)
        missing = pd.isna(values)
        present = values[~missing]
        if not all(isinstance(v, str) for v in present):
            example = next(v for v in present if not isinstance(v, str))
            raise ValueError(
                f"column {column!r} must hold strings (the model learned string categories), "
                f"got {example!r} ({type(example).__name__})"
            )
        values[missing] = self._markers.get(column, "")
        return values.reshape(-1, 1)

    def run(self, frame):
        """The graph's outputs for ``frame``, as a list of arrays."""
        return self.session.run(None, self.feed(frame))

    def predict_frame(self, frame, proba=False):
        """``prediction`` (and ``proba_<class>`` columns with ``proba``) for ``frame``'s rows."""
        import pandas as pd

        outputs = self.run(frame)
        if self.task == "classifier":
            columns = {"prediction": np.asarray(outputs[0]).ravel()}
            if proba:
                for k, label in enumerate(self.classes_.tolist()):
                    columns[f"proba_{label}"] = outputs[1][:, k]
            return pd.DataFrame(columns)
        if proba:
            raise ValueError("--proba needs a classifier; the model is a regressor")
        values = np.asarray(outputs[0])
        if values.ndim == 2 and values.shape[1] == 1:
            return pd.DataFrame({"prediction": values[:, 0]})
        return pd.DataFrame({f"prediction_{k}": values[:, k] for k in range(values.shape[1])})


def predict_onnx(model, frame, *, proba=False):
    """Predict ``frame``'s rows with an exported ONNX graph (ONNX Runtime, one thread).

    Parameters
    ----------
    model : str, Path, bytes or OnnxPredictor
        The ``.onnx`` file written by :func:`export_onnx`.
    frame : pandas.DataFrame
        The raw columns the model was trained on (extra columns are ignored); missing values as
        NaN/None.
    proba : bool, default=False
        Also return ``proba_<class>`` columns (classifiers).

    Returns
    -------
    pandas.DataFrame
        ``prediction`` (and the probabilities), the columns ``regtune predict`` writes.
    """
    predictor = model if isinstance(model, OnnxPredictor) else OnnxPredictor(model)
    return predictor.predict_frame(frame, proba=proba)
