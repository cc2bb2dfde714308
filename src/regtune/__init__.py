"""regtune: regularized neural networks for tabular data, leak-free target encoding, fast tuning.

The public names are imported lazily, so ``import regtune`` stays light: NumPy, scikit-learn and
Optuna load only when the name that needs them is first used.
"""

from ._lazy import lazy_names

__version__ = "0.1.0"

_LAZY = {
    "MLPClassifier": "regtune.neural_network",
    "MLPRegressor": "regtune.neural_network",
    "TargetEncoder": "regtune.encoding",
    "save": "regtune.persistence",
    "load": "regtune.persistence",
    "tune": "regtune.tuning",
    "TuneResult": "regtune.tuning",
    "SearchSpace": "regtune.tuning",
    "TabularClassifier": "regtune.tuning",
    "TabularRegressor": "regtune.tuning",
    "load_dataset": "regtune.datasets",
    "export_onnx": "regtune.export",
    "compile_predictor": "regtune.export",
}

__all__ = ["__version__", *_LAZY]


__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())
