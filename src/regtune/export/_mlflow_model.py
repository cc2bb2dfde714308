"""The MLflow model code that :func:`regtune.export.log_model` logs ("models from code").

MLflow stores this file with the model and runs it when the model is loaded: it defines the pyfunc
model and hands it to ``mlflow.models.set_model``. Nothing is pickled; the fitted model is the
ONNX artifact ``onnx_model``, run by ONNX Runtime.
"""

import mlflow
import pandas as pd
from mlflow.pyfunc import PythonModel


class RegtuneOnnxModel(PythonModel):
    """A pyfunc over a regtune ONNX graph: a data frame of raw columns in, the columns that
    ``regtune predict --proba`` writes out (``prediction``, and ``proba_<class>`` for classifiers)."""

    def load_context(self, context):
        from regtune.export import OnnxPredictor

        self.predictor = OnnxPredictor(context.artifacts["onnx_model"])

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        return self.predictor.predict_frame(model_input, proba=self.predictor.task == "classifier")


mlflow.models.set_model(RegtuneOnnxModel())
