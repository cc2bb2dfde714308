"""The pipeline being tuned: each step built with the hyperparameters the table routes to it.

The names a configuration does not give take regtune's recipe, the table's pipeline defaults
(:func:`default_configuration`): the tuner's trials, its first trial and the tabular estimators
all start from the same values.
"""

from .._data import TASKS
from .._hyperparameters import CATEGORICAL, MLP, NUMERIC, pipeline_configuration, route

__all__ = ["PIPELINE_STEPS", "build_pipeline", "column_encodings", "default_configuration"]

# The steps that receive hyperparameters (a table entry's ``step``), in the order of the pipeline;
# the two column steps are also the names of the ColumnTransformer's transformers.
PIPELINE_STEPS = (CATEGORICAL, NUMERIC, MLP)


def default_configuration(task):
    """regtune's untuned configuration for ``task``: every hyperparameter of the pipeline and its
    default.

    The values :func:`build_pipeline` uses for the names a configuration does not give, and the
    parameters of :class:`regtune.TabularRegressor` (``task="regression"``) and
    :class:`regtune.TabularClassifier` (``"binary"``, ``"multiclass"``). They are the table's
    pipeline defaults (``src/regtune/_hyperparameters/_table.py``), chosen by measurement
    (``benchmarks/bench_pipeline_defaults.py``, ``benchmarks/bench_embedding_defaults.py``); two
    differ by task: ``numeric_embedding`` (``"ple"`` for regression, ``"none"`` for
    classification) and ``learning_rate_init`` (0.003, 0.001).

    Parameters
    ----------
    task : {"binary", "multiclass", "regression"}

    Returns
    -------
    dict
        ``name -> value`` in table order; a new dict on each call.

    Examples
    --------
    >>> from regtune.tuning import default_configuration
    >>> config = default_configuration("regression")
    >>> config["n_layers"], config["width"], config["learning_rate"], config["max_onehot"]
    (3, 160, 'constant', 64)
    >>> config["numeric_embedding"], default_configuration("binary")["numeric_embedding"]
    ('ple', 'none')
    """
    return pipeline_configuration(task=task)


def build_pipeline(params, *, task, categorical, numeric, seed=0, n_rows=None):
    """The unfitted pipeline a configuration describes.

    ``ColumnTransformer`` (regtune's ``CategoricalEncoder`` on the categorical columns: one-hot
    up to ``max_onehot`` levels, target encoding above; ``NumericScaler`` on the numeric ones:
    median imputation with missing-value indicators, robust or standard scaling, smooth clipping)
    followed by regtune's ``MLPClassifier`` (binary, multiclass) or ``MLPRegressor`` (regression).

    Parameters
    ----------
    params : dict
        Hyperparameters named as in the table: the search space's names, and any parameter of the
        network. Missing names take the task's pipeline defaults (:func:`default_configuration`), other
        network parameters the estimator's defaults. ``n_layers`` and ``width`` make
        ``hidden_layer_sizes``, ``max_epochs`` is ``max_iter``, ``numeric_scaling`` is the
        scaler's ``scaling``, ``alpha_per_row`` and ``l1_per_row`` times ``n_rows`` are ``alpha``
        and ``l1``, ``decay_per_step / learning_rate_init`` is ``weight_decay``. An unknown
        name, or two names for one argument, raise ``ValueError``.
    task : {"binary", "multiclass", "regression"}
    categorical, numeric : list of str or list of int
        Column names (DataFrame input) or positions (NumPy input).
    seed : int, RandomState instance or None
        ``random_state`` of the encoder and the network.
    n_rows : int, optional
        The number of rows the pipeline will be fitted on; needed by the per-row strengths.

    Returns
    -------
    regtune.export.FastPipeline
        A scikit-learn ``Pipeline`` whose ``predict`` and ``predict_proba`` are fast on frames of
        up to 64 rows (same outputs). Steps ``"preprocess"`` (transformers ``"categorical"`` and
        ``"numeric"``, each present when it has columns) and ``"mlp"``.

    Examples
    --------
    >>> from regtune.tuning import build_pipeline
    >>> pipe = build_pipeline({"width": 8, "n_layers": 2}, task="binary",
    ...                       categorical=["city"], numeric=["age"])
    >>> [name for name, _ in pipe.steps]
    ['preprocess', 'mlp']
    """
    from sklearn.compose import ColumnTransformer

    from regtune.export import FastPipeline
    from regtune.neural_network import MLPClassifier, MLPRegressor
    from regtune.preprocessing import CategoricalEncoder, NumericScaler

    if task not in TASKS:
        raise ValueError(f"task must be one of {list(TASKS)}, got {task!r}")
    arguments = route(pipeline_configuration(params, task=task), PIPELINE_STEPS, n_rows=n_rows)
    if "random_state" in arguments.get(MLP, {}):
        raise ValueError("params must not hold random_state: build_pipeline seeds every step with seed=")

    transformers = []
    if categorical:  # without categorical columns there is no encoder, and its parameters do nothing
        encoder = CategoricalEncoder(
            target_type="continuous" if task == "regression" else task,
            random_state=seed,
            **arguments.get(CATEGORICAL, {}),
        )
        transformers.append((CATEGORICAL, encoder, list(categorical)))
    if numeric:
        transformers.append((NUMERIC, NumericScaler(**arguments.get(NUMERIC, {})), list(numeric)))
    preprocess = ColumnTransformer(transformers, remainder="drop")
    model_class = MLPRegressor if task == "regression" else MLPClassifier
    mlp = model_class(**{"solver": "adam", **arguments.get(MLP, {}), "random_state": seed})
    return FastPipeline([("preprocess", preprocess), ("mlp", mlp)])


def column_encodings(fitted):
    """How each categorical column of a fitted pipeline is encoded: ``{column: kind}``.

    Parameters
    ----------
    fitted : sklearn.pipeline.Pipeline or sklearn.compose.ColumnTransformer
        A pipeline of :func:`build_pipeline`, or its ``"preprocess"`` step, fitted.

    Returns
    -------
    dict
        ``column -> "onehot" | "binary" | "target"`` (the ``CategoricalEncoder``'s ``encoding_``),
        in column order; empty when the pipeline has no categorical columns. Column names are
        strings (a NumPy input's positions as ``"0"``, ``"1"``...), so the dict is JSON-able.

    Examples
    --------
    >>> import pandas as pd
    >>> from regtune.tuning import build_pipeline, column_encodings
    >>> X = pd.DataFrame({"smoker": ["no", "yes"] * 6, "city": list("abcdefghijkl"),
    ...                   "age": range(12)})
    >>> pipe = build_pipeline({"max_onehot": 4, "max_epochs": 1, "width": 4}, task="regression",
    ...                       categorical=["smoker", "city"], numeric=["age"])
    >>> column_encodings(pipe.fit(X, [1.0, 2.0, 3.0] * 4))
    {'smoker': 'binary', 'city': 'target'}
    """
    preprocess = fitted.named_steps["preprocess"] if hasattr(fitted, "named_steps") else fitted
    encoder = preprocess.named_transformers_.get(CATEGORICAL)
    if encoder is None or not hasattr(encoder, "encoding_"):
        return {}
    columns = next(cols for name, _, cols in preprocess.transformers_ if name == CATEGORICAL)
    return {str(column): kind for column, kind in zip(columns, encoder.encoding_.values())}
