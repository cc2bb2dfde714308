"""regtune: regularized neural networks for tabular data, leak-free target encoding, fast tuning.

The public names are imported lazily, so ``import regtune`` stays light: NumPy, scikit-learn and
Optuna load only when the name that needs them is first used.
"""

from importlib import import_module

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


def __getattr__(name):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'regtune' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
