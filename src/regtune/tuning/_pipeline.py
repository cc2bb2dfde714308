"""The pipeline being tuned, and what tune infers from the data: task and column kinds."""

import numpy as np
import pandas as pd

__all__ = ["as_frame", "build_pipeline", "detect_columns", "infer_task"]

_TASKS = ("binary", "multiclass", "regression")
# A numeric target with more distinct values than this is treated as a regression target.
_MAX_CLASSES = 20


def as_frame(X, y=None):
    """``X`` (pandas, polars or NumPy) as a pandas DataFrame, and ``y`` as a pandas Series.

    NumPy columns are named ``x0, x1, ...``; a target without a name is named ``target``.
    """
    if hasattr(X, "to_pandas") and not isinstance(X, pd.DataFrame):  # polars
        X = X.to_pandas()
    if not isinstance(X, pd.DataFrame):
        array = np.asarray(X)
        if array.ndim != 2:
            raise ValueError(f"X must be 2-dimensional, got an array of shape {array.shape}")
        X = pd.DataFrame(array, columns=[f"x{j}" for j in range(array.shape[1])])
    X = X.copy()
    X.columns = [str(c) for c in X.columns]
    duplicated = sorted(set(X.columns[X.columns.duplicated()]))
    if duplicated:
        raise ValueError(f"X has duplicated column names {duplicated}")
    if y is None:
        return X
    if hasattr(y, "to_pandas") and not isinstance(y, pd.Series):
        y = y.to_pandas()
    name = getattr(y, "name", None)
    y = pd.Series(np.asarray(y), name=str(name) if name is not None else "target")
    if len(y) != len(X):
        raise ValueError(f"X and y must have the same number of rows, got {len(X)} and {len(y)}")
    if y.isna().any():
        raise ValueError(f"y must not contain missing values, got {int(y.isna().sum())}")
    return X.reset_index(drop=True), y


def infer_task(y, task=None):
    """``task`` if given, else "binary", "multiclass" or "regression" from the target's values.

    Floats with non-integer values, and numbers with more than 20 distinct values, are regression;
    anything else with 2 distinct values is binary, with more multiclass.
    """
    if task is not None:
        if task not in _TASKS:
            raise ValueError(f"task must be one of {list(_TASKS)}, got {task!r}")
        return task
    values = np.asarray(y)
    n_unique = len(pd.unique(values))
    if values.dtype.kind in "fiu":
        is_integer = values.dtype.kind in "iu" or bool(np.all(np.mod(values, 1) == 0))
        if not is_integer or n_unique > _MAX_CLASSES:
            return "regression"
    if n_unique < 2:
        raise ValueError(f"y must have at least 2 distinct values, got {n_unique}")
    return "binary" if n_unique == 2 else "multiclass"


def detect_columns(X, categorical=None):
    """Split ``X``'s columns into (categorical, numeric) lists of names.

    Categorical: the columns named in ``categorical``, or else those of dtype object, string,
    category or bool. Every other column must be numeric.
    """
    columns = list(X.columns)
    if categorical is None:
        categorical = [
            c
            for c in columns
            if isinstance(X[c].dtype, (pd.CategoricalDtype, pd.StringDtype)) or X[c].dtype.kind in "OSUb"
        ]
    else:
        categorical = [str(c) for c in categorical]
        missing = [c for c in categorical if c not in columns]
        if missing:
            raise ValueError(f"categorical names columns that X does not have: {missing}")
    numeric = [c for c in columns if c not in categorical]
    not_numeric = [c for c in numeric if X[c].dtype.kind not in "fiu"]
    if not_numeric:
        raise ValueError(f"columns must be numeric or listed in categorical; not numeric: {not_numeric}")
    if not columns:
        raise ValueError("X must have at least one column, got 0")
    return categorical, numeric


def mlp_params(params, *, task, seed):
    """The estimator arguments for a sampled configuration ``params``."""
    kwargs = {"solver": "adam", "random_state": seed}
    if "n_layers" in params or "width" in params:
        n_layers, width = params.get("n_layers", 1), params.get("width", 100)
        kwargs["hidden_layer_sizes"] = (int(width),) * int(n_layers)
    if "max_epochs" in params:
        kwargs["max_iter"] = int(params["max_epochs"])
    for name in (
        "alpha",
        "l1",
        "weight_decay",
        "dropout",
        "batch_norm",
        "bn_momentum",
        "learning_rate_init",
        "batch_size",
    ):
        if name in params:
            kwargs[name] = params[name]
    return kwargs


def build_pipeline(params, *, task, categorical, numeric, seed=0):
    """The unfitted pipeline a configuration describes.

    ``ColumnTransformer`` (regtune's ``TargetEncoder`` on the categorical columns; median imputation
    with missing-value indicators and standard scaling on the numeric ones) followed by regtune's
    ``MLPClassifier`` (binary, multiclass) or ``MLPRegressor`` (regression).

    Parameters
    ----------
    params : dict
        Hyperparameters named as in :class:`SearchSpace` (missing ones keep estimator defaults).
    task : {"binary", "multiclass", "regression"}
    categorical, numeric : list of str or list of int
        Column names (DataFrame input) or positions (NumPy input).
    seed : int
        ``random_state`` of the encoder and the network.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Steps ``"preprocess"`` and ``"mlp"``.

    Examples
    --------
    >>> from regtune.tuning import build_pipeline
    >>> pipe = build_pipeline({"width": 8, "n_layers": 2}, task="binary",
    ...                       categorical=["city"], numeric=["age"])
    >>> [name for name, _ in pipe.steps]
    ['preprocess', 'mlp']
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from regtune.encoding import TargetEncoder
    from regtune.neural_network import MLPClassifier, MLPRegressor

    if task not in _TASKS:
        raise ValueError(f"task must be one of {list(_TASKS)}, got {task!r}")

    transformers = []
    if categorical:
        encoder = TargetEncoder(
            target_type="continuous" if task == "regression" else task,
            smooth=params.get("smooth", "auto"),
            random_state=seed,
        )
        transformers.append(("categorical", encoder, list(categorical)))
    if numeric:
        numeric_steps = Pipeline(
            [
                ("impute", SimpleImputer(strategy="median", add_indicator=True)),
                ("scale", StandardScaler()),
            ]
        )
        transformers.append(("numeric", numeric_steps, list(numeric)))
    preprocess = ColumnTransformer(transformers, remainder="drop")
    model_class = MLPRegressor if task == "regression" else MLPClassifier
    mlp = model_class(**mlp_params(params, task=task, seed=seed))
    return Pipeline([("preprocess", preprocess), ("mlp", mlp)])
