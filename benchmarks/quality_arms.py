"""The arms of the quality benchmark, and one cell (data set x seed x arm) run in its own process.

Every arm sees the same rows (``quality_data.split``) and is fit on the training rows only:

* ``regtune-defaults``: regtune's untuned pipeline, ``regtune.TabularRegressor()`` /
  ``TabularClassifier()`` with their defaults (:func:`regtune_defaults`);
* ``regtune-tune``: ``regtune.tune(X_train, y_train, timeout=budget)`` (TPE + Hyperband, 5 folds,
  its default space, one worker, an in-memory study), predicting with ``result.best_pipeline``;
* ``regtune-tune-2w``: the same with ``n_workers=2`` (this process and one worker process, each on
  one BLAS thread: both cores of a 2-core machine) and an SQLite file in a temporary folder (worker
  processes need a storage they share);
* ``hgb``: ``HistGradientBoostingRegressor()`` / ``HistGradientBoostingClassifier()`` defaults
  after an ordinal encoding of the categorical columns; columns of at most 255 levels are declared
  categorical (native categorical splits), larger ones enter as their ordinal codes (HGB refuses
  categorical columns above ``max_bins`` = 255 levels);
* ``lightgbm``: ``LGBMRegressor()`` / ``LGBMClassifier()`` defaults on the frame (pandas category
  columns are LightGBM's native categorical features);
* ``sklearn-mlp``: ``sklearn.neural_network.MLPRegressor()`` / ``MLPClassifier()`` defaults behind
  the SAME preprocessing step as ``regtune-defaults`` (``build_pipeline``'s, with the defaults);
* ``realmlp-td``: pytabkit's ``RealMLP_TD_Regressor`` / ``RealMLP_TD_Classifier`` defaults on the
  CPU; numeric columns with missing values are median-imputed with an indicator column first
  (pytabkit refuses missing numeric values); categories go in as pandas categories.

Run as a script it executes one cell: ``python quality_arms.py CELL.json OUT.json`` reads the cell
(data set, seed, arm, settings) and writes the metrics (or the error) to OUT.json.
"""

import json
import sys
import time
import warnings
from importlib.util import find_spec

import numpy as np

import quality_data

__all__ = ["ABLATIONS", "ARMS", "ablation_overrides", "missing_packages", "regtune_defaults"]
ARMS = {  # arm -> packages it needs beyond regtune and scikit-learn
    "regtune-defaults": (),
    "regtune-tune": (),
    "regtune-tune-2w": (),
    "hgb": (),
    "lightgbm": ("lightgbm",),
    "sklearn-mlp": (),
    "realmlp-td": ("pytabkit", "torch"),
}


def _other_task(*names):
    """Overrides that give each task the other task's default of ``names`` (ByTask entries of the
    table), and their label: the defaults the benchmark chose by task, ablated."""
    from regtune._hyperparameters import HYPERPARAMETERS

    defaults = {name: HYPERPARAMETERS[name].pipeline_default for name in names}
    overrides = {
        "regression": {name: d.classification for name, d in defaults.items()},
        "classification": {name: d.regression for name, d in defaults.items()},
    }
    swapped = ", ".join(f"{name} {d.classification} / {d.regression}" for name, d in defaults.items())
    return f"the other task's default (regression / classification: {swapped})", overrides


# (name, overrides) of the --ablation mode: each switches one element of the defaults arm off (or to
# the alternative); the overrides are the Tabular estimators' parameters (the table's names). A
# default that differs by task (ByTask in the table) is ablated by the other task's value: those
# overrides are {"regression": ..., "classification": ...} (see ablation_overrides).
ABLATIONS = [
    ("target encoding of every categorical (max_onehot 0)", {"max_onehot": 0}),
    ("standard scaling, no clip", {"numeric_scaling": "standard", "clip": False}),
    ("target not standardized", {"standardize_target": False}),
    ("no early stopping (50 epochs)", {"early_stopping": False}),
    ("1 x 100 units (scikit-learn's size)", {"n_layers": 1, "width": 100}),
    _other_task("numeric_embedding"),
    _other_task("learning_rate_init"),
    _other_task("numeric_embedding", "learning_rate_init"),
]


def ablation_overrides(overrides, task):
    """The estimator parameters an ``ABLATIONS`` entry sets on a ``task`` table."""
    if set(overrides) == {"regression", "classification"}:
        return dict(overrides["regression" if task == "regression" else "classification"])
    return dict(overrides)


def missing_packages(arm):
    """The packages ``arm`` needs that are not installed."""
    return [name for name in ARMS[arm] if find_spec(name) is None]


def regtune_defaults(table, seed, overrides=None):
    """Regtune's untuned model: the one place that says what "regtune's defaults" are."""
    from regtune import TabularClassifier, TabularRegressor

    model_class = TabularRegressor if table.task == "regression" else TabularClassifier
    return model_class(categorical=table.categorical, random_state=seed, **dict(overrides or {}))


def _fit_defaults(table, train, seed, settings):
    model = regtune_defaults(table, seed, settings.get("overrides"))
    return model.fit(table.X.iloc[train], table.y[train]), {}


def _fit_tune(table, train, seed, settings, n_workers=1):
    import tempfile

    import regtune

    budget = settings["budget"]
    with tempfile.TemporaryDirectory(prefix="bench-tune-") as folder:
        # one process: an in-memory study; worker processes share an SQLite file
        storage = "sqlite:///:memory:" if n_workers == 1 else f"sqlite:///{folder}/study.db"
        result = regtune.tune(
            table.X.iloc[train].reset_index(drop=True),
            table.y[train],
            task=table.task,
            categorical=table.categorical,
            timeout=budget,
            n_workers=n_workers,
            trial_timeout=max(3 * budget, 300.0),  # a runaway trial cannot eat the whole cell
            storage=storage,
            seed=seed,
            progress=False,
        )
    n_complete = int((result.trials["state"] == "COMPLETE").sum())
    info = {"trials": len(result.trials), "complete_trials": n_complete, "best_params": result.best_params}
    return result.best_pipeline, info


def _fit_hgb(table, train, seed, settings):
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OrdinalEncoder

    encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan)
    encode = ColumnTransformer([("categorical", encoder, table.categorical)], remainder="passthrough")
    native = [table.X[c].cat.categories.size <= 255 for c in table.categorical]
    native += [False] * len(table.numeric)  # passthrough columns come after the encoded ones
    regression = table.task == "regression"
    model_class = HistGradientBoostingRegressor if regression else HistGradientBoostingClassifier
    model = model_class(categorical_features=np.array(native, dtype=bool), random_state=seed)
    return Pipeline([("encode", encode), ("hgb", model)]).fit(table.X.iloc[train], table.y[train]), {}


def _fit_lightgbm(table, train, seed, settings):
    import lightgbm

    model_class = lightgbm.LGBMRegressor if table.task == "regression" else lightgbm.LGBMClassifier
    model = model_class(random_state=seed, n_jobs=settings["threads"], verbose=-1)
    return model.fit(table.X.iloc[train], table.y[train]), {}


def _fit_sklearn_mlp(table, train, seed, settings):
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import Pipeline

    from regtune.tuning import build_pipeline

    preprocess = build_pipeline(
        {}, task=table.task, categorical=table.categorical, numeric=table.numeric, seed=seed
    ).named_steps["preprocess"]
    model_class = MLPRegressor if table.task == "regression" else MLPClassifier
    pipeline = Pipeline([("preprocess", preprocess), ("mlp", model_class(random_state=seed))])
    return pipeline.fit(table.X.iloc[train], table.y[train]), {}


class _ImputedRealMLP:
    """RealMLP-TD after median imputation of the numeric columns (pytabkit refuses NaN), with an
    indicator for each column that has gaps in the training rows. A test row's gap in a column
    without training gaps gets the median alone."""

    def __init__(self, table, seed, threads):
        from pytabkit import RealMLP_TD_Classifier, RealMLP_TD_Regressor

        model_class = RealMLP_TD_Regressor if table.task == "regression" else RealMLP_TD_Classifier
        self.model = model_class(device="cpu", random_state=seed, n_threads=threads, verbosity=0)
        self.numeric = table.numeric

    def _impute(self, X):
        X = X.copy()
        for column in self.gaps:
            X[f"{column}__missing"] = X[column].isna().astype(float)
        for column, median in self.medians.items():
            X[column] = X[column].fillna(median)
        return X

    def fit(self, X, y):
        self.gaps = [c for c in self.numeric if X[c].isna().any()]
        self.medians = {c: float(X[c].median()) for c in self.numeric}
        self.model.fit(self._impute(X), y)
        return self

    def predict(self, X):
        return self.model.predict(self._impute(X))

    def predict_proba(self, X):
        return self.model.predict_proba(self._impute(X))


def _fit_realmlp(table, train, seed, settings):
    import torch

    torch.set_num_threads(settings["threads"])
    return _ImputedRealMLP(table, seed, settings["threads"]).fit(table.X.iloc[train], table.y[train]), {}


_FIT = {
    "regtune-defaults": _fit_defaults,
    "regtune-tune": _fit_tune,
    "regtune-tune-2w": lambda table, train, seed, settings: _fit_tune(table, train, seed, settings, 2),
    "hgb": _fit_hgb,
    "lightgbm": _fit_lightgbm,
    "sklearn-mlp": _fit_sklearn_mlp,
    "realmlp-td": _fit_realmlp,
}


def score(task, y_true, model, X_test, n_classes):
    """The test metrics: RMSE for regression; log loss, accuracy (and AUC if binary) otherwise."""
    from sklearn.metrics import accuracy_score, log_loss, roc_auc_score

    if task == "regression":
        prediction = np.asarray(model.predict(X_test), dtype=float).ravel()
        rmse = float(np.sqrt(np.mean((prediction - y_true) ** 2)))
        return {"rmse": rmse, "target_std": float(np.std(y_true)), "error": rmse}
    proba = np.asarray(model.predict_proba(X_test), dtype=float)
    proba = np.clip(proba, 1e-15, 1.0)
    proba /= proba.sum(axis=1, keepdims=True)
    labels = np.arange(n_classes)
    metrics = {
        "log_loss": float(log_loss(y_true, proba, labels=labels)),
        "accuracy": float(accuracy_score(y_true, proba.argmax(axis=1))),
    }
    if n_classes == 2:
        metrics["auc"] = float(roc_auc_score(y_true, proba[:, 1]))
    metrics["error"] = metrics["log_loss"]
    return metrics


def run_cell(cell):
    """Fit ``cell["arm"]`` on the seed's training rows and score it on its test rows."""
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    table = quality_data.load(cell["dataset"], cell["max_rows"])
    train, test = quality_data.split(table, cell["seed"])
    with threadpool_limits(cell["threads"]), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        model, info = _FIT[cell["arm"]](table, train, cell["seed"], cell)
        fit_seconds = time.perf_counter() - start
        n_classes = 0 if table.task == "regression" else int(table.y.max()) + 1
        metrics = score(table.task, table.y[test], model, table.X.iloc[test], n_classes)
    return {**metrics, "fit_seconds": fit_seconds, "n_train": len(train), "n_test": len(test), **info}


if __name__ == "__main__":
    cell_path, out_path = sys.argv[1:3]
    with open(cell_path) as file:
        cell = json.load(file)
    try:
        outcome = {"status": "ok", **run_cell(cell)}
    except Exception as error:  # the parent records the failure and goes on with the next cell
        outcome = {"status": "error", "message": f"{type(error).__name__}: {error}"}
    with open(out_path, "w") as file:
        json.dump(outcome, file, default=str)
