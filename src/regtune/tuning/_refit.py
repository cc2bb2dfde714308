"""Fitting on all rows: a study's best configuration (``refit_best``) or any (``fit_configuration``)."""

import warnings

import numpy as np
from optuna.trial import TrialState

from .._data import as_frame, detect_columns, infer_task
from .._data_checks import check_columns, check_numeric, check_target, check_training_data, numeric_target
from ._config import StudyConfig
from ._objective import full_params
from ._pipeline import build_pipeline, default_configuration
from ._progress import check_progress, is_terminal
from ._resume import check_recorded_space

__all__ = ["best_configuration", "fit_configuration", "refit_best", "refit_frame"]


def best_configuration(study):
    """How the best trial of a regtune study is refit: its hyperparameters and the study's settings.

    Parameters
    ----------
    study : optuna.Study
        A study created by :func:`tune` (``result.study``, or ``optuna.load_study``).

    Returns
    -------
    params : dict
        The best trial's sampled hyperparameters completed with the space's fixed ones, with
        ``max_epochs`` set to the epoch of its best mean validation score.
    settings : dict
        ``task``, ``target``, ``categorical`` and ``numeric`` (column names) of the study, and
        ``seed`` (the best trial's).

    Raises
    ------
    ValueError
        When the study was not created by :func:`tune`, or has no complete trial yet.
    """
    attrs = study.user_attrs
    if "task" not in attrs or "space" not in attrs:
        raise ValueError(
            f"study {study.study_name!r} was not created by regtune.tune "
            "(its user_attrs lack 'task' and 'space')"
        )
    check_recorded_space(study.study_name, attrs)
    config = StudyConfig.from_attrs(attrs)
    if not study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        raise ValueError(f"study {study.study_name!r} has no complete trial yet")
    best = study.best_trial
    params = full_params(config.space, best.params, has_categorical=bool(config.categorical))
    params["max_epochs"] = int(best.user_attrs.get("best_epoch", params.get("max_epochs", 1)))
    settings = {
        "task": config.task,
        "target": config.target,
        "categorical": list(config.categorical),
        "numeric": list(config.numeric),
        "seed": int(best.user_attrs.get("seed", config.seed)),
    }
    return params, settings


class _EpochBar:
    """A tqdm bar of a fit's epochs on ``stream``, observing the network the pipeline ends with.

    ``progress``: "auto" (a bar when ``stream`` is a terminal), True or False. The network's
    epoch budget is the bar's total; early stopping ends it sooner, at the epoch it stopped. The
    warnings the fit issues wait until the bar is closed, so that none is written into its line."""

    def __init__(self, pipeline, progress, stream=None):
        import sys

        check_progress(progress)
        self.stream = sys.stderr if stream is None else stream
        self.network = pipeline.steps[-1][1]
        self.on = progress is True or (progress == "auto" and is_terminal(self.stream))
        self.bar = None

    def __enter__(self):
        if self.on:
            from tqdm.auto import tqdm

            total = getattr(self.network, "max_iter", None)
            self.bar = tqdm(total=total, unit="epoch", desc="fit", file=self.stream, dynamic_ncols=True)
            # The user's filters act at each warning's own call ("error" raises there); what they let
            # through is recorded, and shown once the bar is closed.
            self.held = warnings.catch_warnings(record=True)
            self.warnings = self.held.__enter__()
            self.network._epoch_observer = self._observe
        return self

    def _observe(self, record):
        loss = record["val_loss"] if record["val_loss"] is not None else record["train_loss"]
        which = "validation" if record["val_loss"] is not None else "training"
        self.bar.set_postfix_str(f"{which} loss {loss:.5g}", refresh=False)
        self.bar.update(record["epoch"] - self.bar.n)

    def __exit__(self, *exc):
        if self.bar is None:
            return
        self.network.__dict__.pop("_epoch_observer", None)  # first: a saved model never holds it
        try:
            self.bar.close()
        finally:
            self.held.__exit__(*exc)
            for caught in self.warnings:  # shown as the warning would have been, not filtered again
                warnings.showwarning(
                    caught.message, caught.category, caught.filename, caught.lineno, caught.file, caught.line
                )


def refit_best(study, X, y=None, *, progress=False):
    """The best configuration of a regtune study, fitted on ``(X, y)``.

    The same pipeline ``tune(..., refit=True)`` fits: the best trial's hyperparameters, trained
    for its best epoch, with its seed, on the study's columns.

    Parameters
    ----------
    study : optuna.Study
        A study created by :func:`tune`.
    X : pandas or polars DataFrame, or 2-D NumPy array
        Rows holding the study's columns (a frame may hold others, which are ignored); an array
        has the columns of the array the study was tuned on.
    y : array-like of shape (n_rows,), optional
        The target; None takes the study's target column from the frame ``X``.
    progress : "auto", True or False, default=False
        A bar of the network's epochs on stderr: "auto" when stderr is a terminal, True always.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Fitted; it predicts on frames (or arrays) like ``X``.

    Examples
    --------
    >>> import regtune
    >>> from regtune.tuning import refit_best
    >>> X, y = regtune.load_dataset("penguins", return_X_y=True)
    >>> result = regtune.tune(X, y, n_trials=2, cv=2, storage="sqlite:///:memory:", refit=False,
    ...                       space={"width": 8, "max_epochs": 3}, progress=False)  # doctest: +SKIP
    >>> model = refit_best(result.study, X.assign(species=y))  # doctest: +SKIP
    """
    params, settings = best_configuration(study)
    used = settings["categorical"] + settings["numeric"]
    by_position = not hasattr(X, "columns")
    if by_position:
        if y is None:
            raise ValueError("y is required when X is an array (an array has no target column)")
        X, y = as_frame(X, y)
    else:
        X = as_frame(X)
        check_columns(X, used if y is not None else [settings["target"], *used])
        y = X[settings["target"]] if y is None else as_frame(X, y)[1]
        X = X[[c for c in X.columns if c in used]]
    check_target(y, y.name)
    if settings["task"] == "regression":
        y = numeric_target(y)
    check_numeric(X, settings["numeric"], when="the study was tuned")
    return _fit(params, settings, X, y, by_position, quiet=True, progress=progress)


def refit_frame(study, X, y, *, by_position):
    """:func:`refit_best` on data ``tune`` already checked: ``X`` a frame, ``y`` a Series."""
    params, settings = best_configuration(study)
    return _fit(params, settings, X, y, by_position, quiet=True)


def fit_configuration(X, y, params, *, task=None, categorical=None, seed=0, progress=False):
    """The pipeline of a configuration ``params`` fitted on all rows of ``(X, y)``.

    What ``regtune fit --params FILE`` (and ``--params default``) does: the data are checked, and
    the task and column kinds inferred, as :func:`tune` does; nothing is tuned.

    Parameters
    ----------
    X : pandas or polars DataFrame, or 2-D NumPy array
    y : array-like of shape (n_rows,)
    params : dict or "default"
        Hyperparameters as :func:`build_pipeline` takes them (``best_params.toml``'s ``[params]``).
        ``"default"``: regtune's untuned defaults for the task, fitted as
        :class:`regtune.TabularRegressor` / :class:`regtune.TabularClassifier` fit them (no early
        stopping where no rows can be held out; no warning for a budget the recipe trains whole).
    task : {"binary", "multiclass", "regression"}, optional
        Inferred from ``y`` when None.
    categorical : list of str, optional
        Categorical columns (encoded by cardinality); default: the object, string, category and
        bool columns.
    seed : int, default=0
        ``random_state`` of the encoder and the network.
    progress : "auto", True or False, default=False
        A bar of the network's epochs on stderr: "auto" when stderr is a terminal, True always.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Fitted. A training run that stops before it converges warns (``ConvergenceWarning``), but
        for ``"default"``, whose recipe trains its epoch budget on purpose.
    """
    by_position = not hasattr(X, "columns")
    X, y = as_frame(X, y)
    task = infer_task(y, task)
    if task == "regression":
        y = numeric_target(y)
    check_training_data(X, y, None, categorical=categorical, task=task)
    categorical, numeric = detect_columns(X, categorical)
    settings = {"task": task, "categorical": categorical, "numeric": numeric, "seed": int(seed)}
    if isinstance(params, str) and params != "default":
        raise ValueError(f"params must be a dict of hyperparameters or 'default', got {params!r}")
    quiet = isinstance(params, str)
    if quiet:
        from ._estimators import _holdout_possible

        params = default_configuration(task)
        if not _holdout_possible(y, task):  # early stopping needs a holdout, as in the estimators
            params["early_stopping"] = False
    return _fit(params, settings, X, y, by_position, quiet=quiet, progress=progress)


def _fit(params, settings, X, y, by_position, *, quiet, progress=False):
    """Build the pipeline of ``params`` for the columns in ``settings`` and fit it on ``(X, y)``.

    ``by_position``: the user's data were an array, so the pipeline selects columns by position
    and is fitted on the array, to predict on arrays. ``quiet``: a run that stops at its epoch
    budget does not warn (a refit trains a fixed number of epochs on purpose).
    """
    categorical, numeric, data = settings["categorical"], settings["numeric"], X
    if by_position:
        position = {name: j for j, name in enumerate(X.columns)}
        categorical = [position[c] for c in categorical]
        numeric = [position[c] for c in numeric]
        data = X.to_numpy()
    pipeline = build_pipeline(
        params,
        task=settings["task"],
        categorical=categorical,
        numeric=numeric,
        seed=settings["seed"],
        n_rows=len(data),
    )
    target = np.asarray(y)
    with _EpochBar(pipeline, progress):
        if not quiet:
            return pipeline.fit(data, target)
        from sklearn.exceptions import ConvergenceWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return pipeline.fit(data, target)
