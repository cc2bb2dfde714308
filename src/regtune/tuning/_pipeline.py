"""The pipeline being tuned: each step built with the hyperparameters the table routes to it."""

from .._data import TASKS
from .._hyperparameters import MLP, TARGET_ENCODER, route

__all__ = ["PIPELINE_STEPS", "build_pipeline"]

# The steps that receive hyperparameters (a table entry's ``step``), in the order of the pipeline.
PIPELINE_STEPS = (TARGET_ENCODER, MLP)


def build_pipeline(params, *, task, categorical, numeric, seed=0, n_rows=None):
    """The unfitted pipeline a configuration describes.

    ``ColumnTransformer`` (regtune's ``TargetEncoder`` on the categorical columns; median imputation
    with missing-value indicators and standard scaling on the numeric ones) followed by regtune's
    ``MLPClassifier`` (binary, multiclass) or ``MLPRegressor`` (regression).

    Parameters
    ----------
    params : dict
        Hyperparameters named as in the table: the search space's names, and any parameter of the
        network (missing ones keep the estimators' defaults; ``solver`` defaults to ``"adam"``).
        ``n_layers`` and ``width`` make ``hidden_layer_sizes``, ``max_epochs`` is ``max_iter``,
        ``alpha_per_row`` and ``l1_per_row`` times ``n_rows`` are ``alpha`` and ``l1``.
        An unknown name, or two names for one argument, raise ``ValueError``.
    task : {"binary", "multiclass", "regression"}
    categorical, numeric : list of str or list of int
        Column names (DataFrame input) or positions (NumPy input).
    seed : int
        ``random_state`` of the encoder and the network.
    n_rows : int, optional
        The number of rows the pipeline will be fitted on; needed by the per-row strengths.

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

    if task not in TASKS:
        raise ValueError(f"task must be one of {list(TASKS)}, got {task!r}")
    arguments = route(params, PIPELINE_STEPS, n_rows=n_rows)
    if "random_state" in arguments.get(MLP, {}):
        raise ValueError("params must not hold random_state: build_pipeline seeds every step with seed=")

    transformers = []
    if categorical:  # without categorical columns there is no encoder, and its parameters do nothing
        encoder = TargetEncoder(
            target_type="continuous" if task == "regression" else task,
            random_state=seed,
            **arguments.get(TARGET_ENCODER, {}),
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
    mlp = model_class(**{"solver": "adam", **arguments.get(MLP, {}), "random_state": seed})
    return Pipeline([("preprocess", preprocess), ("mlp", mlp)])
