"""``tune``: check the arguments, create or resume the study, run its trials, refit the best."""

import os
import shutil
import tempfile
import time

import numpy as np
import optuna

from .._data import as_frame, detect_columns, drop_ignored, infer_task
from .._data_checks import API_FLAGS, check_training_data, numeric_target
from ._config import StudyConfig
from ._fingerprint import FINGERPRINT, check_same_data, data_fingerprint
from ._local_workers import run_local_workers, write_data
from ._metrics import resolve_metric
from ._refit import refit_frame
from ._result import require_complete_trial, tune_result
from ._resume import announce_resume
from ._sampling import PRUNERS, make_pruner, make_sampler, startup_trials
from ._slots import top_up_slots
from ._space import SearchSpace
from ._storage import DEFAULT_STORAGE, open_storage
from ._worker import run_study

__all__ = ["tune"]

# Settings that must match when a study is resumed (the rest may change between runs).
_SAME_ON_RESUME = ("task", "metric", "target", "categorical", "numeric", "cv", "seed", "space", "n_rows")


def _resolve_space(space):
    if space is None:
        return SearchSpace.default()
    if isinstance(space, SearchSpace):
        return space
    if isinstance(space, dict):
        return SearchSpace.from_dict(space)
    if isinstance(space, (str, os.PathLike)):
        return SearchSpace.from_toml(space)
    raise ValueError(f"space must be a SearchSpace, a dict, a TOML path or None, got {space!r}")


def _check_arguments(n_trials, timeout, n_workers, cv, pruner, trial_timeout, heartbeat_interval, progress):
    def positive_int(name, value):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")

    positive_int("n_trials", n_trials)
    positive_int("n_workers", n_workers)
    positive_int("heartbeat_interval", heartbeat_interval)
    if isinstance(cv, bool) or not isinstance(cv, (int, np.integer)) or cv < 2:
        raise ValueError(f"cv must be an integer >= 2, got {cv!r}")
    for name, value in (("timeout", timeout), ("trial_timeout", trial_timeout)):
        if value is not None and not (isinstance(value, (int, float)) and value > 0):
            raise ValueError(f"{name} must be a positive number of seconds or None, got {value!r}")
    if pruner not in PRUNERS:
        raise ValueError(f"pruner must be one of {list(PRUNERS)}, got {pruner!r}")
    if progress not in ("auto", True, False):
        raise ValueError(f"progress must be 'auto', True or False, got {progress!r}")


def _check_resume(study, attrs):
    old = study.user_attrs
    if not old:
        return
    check_same_data(study.study_name, old.get(FINGERPRINT), attrs[FINGERPRINT])
    changed = [key for key in _SAME_ON_RESUME if key in old and old[key] != attrs[key]]
    if changed:
        details = ", ".join(f"{k}: stored {old[k]!r}, now {attrs[k]!r}" for k in changed)
        raise ValueError(
            f"study {study.study_name!r} exists with other settings ({details}); "
            "use another study_name or the same data and settings to resume it"
        )


def tune(
    X,
    y,
    *,
    task=None,
    categorical=None,
    ignore=None,
    metric=None,
    space=None,
    n_trials=50,
    timeout=None,
    n_workers=1,
    storage=None,
    study_name=None,
    seed=0,
    pruner="hyperband",
    cv=5,
    trial_timeout=None,
    refit=True,
    save_to=None,
    progress="auto",
    data_path=None,
    heartbeat_interval=10,
):
    """Tune a regularized network pipeline's hyperparameters by cross-validation with Optuna.

    Each trial samples a configuration (TPE, seeded), trains its ``cv`` folds in lockstep and
    reports the mean validation curve so the pruner stops hopeless trials early. The study lives in
    ``storage``: calling ``tune`` again with the same ``study_name`` resumes it, and
    ``regtune worker`` processes on other machines can join it.

    Parameters
    ----------
    X : pandas or polars DataFrame, or 2-D NumPy array
    y : array-like of shape (n_rows,)
    task : {"binary", "multiclass", "regression"}, optional
        Inferred from ``y`` when None.
    categorical : list of str, optional
        Columns to target-encode; default: the object, string, category and bool columns.
    ignore : list of str, optional
        Columns of ``X`` left out of the features (ids, another target); the model does not
        need them to predict.
    metric : str, optional
        ``"log_loss"`` (default for classification), ``"rmse"`` (default for regression) or any
        scikit-learn scorer name (``"roc_auc"``, ``"accuracy"``, ``"r2"`` ...).
    space : SearchSpace, dict, str or Path, optional
        The search space, overrides of the default one, or a TOML file of overrides.
    n_trials : int, default=50
        The study's budget of counted trials (complete, pruned or failed), across all workers.
    timeout : float, optional
        Seconds after which no worker starts a new trial.
    n_workers : int, default=1
        Worker processes on this machine (each with one BLAS thread).
    storage : str, optional
        Optuna storage URL; default ``sqlite:///regtune.db`` in the current directory.
    study_name : str, optional
        Default ``"regtune"``.
    seed : int, default=0
        Seeds the sampler, the folds and (with the trial number) every trial: with
        ``n_workers=1`` the same data and seed give the same trials, digit for digit. With
        ``n_workers > 1`` the order in which workers finish varies, so the trials do too.
    pruner : {"hyperband", "median", "successive_halving", "none"}, default="hyperband"
    cv : int, default=5
        Number of cross-validation folds (stratified for classification).
    trial_timeout : float, optional
        A trial running longer than this many seconds fails with that reason.
    refit : bool, default=True
        Refit the best configuration on all rows.
    save_to : str or Path, optional
        Save the refit pipeline there with ``regtune.save``.
    progress : "auto", True or False
        A live bar on a terminal, log lines otherwise ("auto"); always the bar; nothing.
    data_path : str or Path, optional
        The CSV or Parquet file X and y came from (target column ``y.name``), recorded in the
        study so that remote workers can load it. When None and ``n_workers > 1``, the data are
        written to a temporary Parquet file removed at the end.
    heartbeat_interval : int, default=10
        Seconds between a running trial's heartbeats; a trial silent for three intervals is failed
        and requeued.

    Returns
    -------
    TuneResult

    Examples
    --------
    >>> import regtune
    >>> X, y = regtune.load_dataset("penguins", return_X_y=True)
    >>> result = regtune.tune(X, y, n_trials=2, cv=2, storage="sqlite:///:memory:",
    ...                       space={"width": 8, "n_layers": 1, "max_epochs": 3},
    ...                       progress=False)  # doctest: +SKIP
    >>> result.metric  # doctest: +SKIP
    'log_loss'
    """
    _check_arguments(n_trials, timeout, n_workers, cv, pruner, trial_timeout, heartbeat_interval, progress)
    numpy_input = not hasattr(X, "columns")
    X_frame, y_series = as_frame(X, y)
    X_frame = drop_ignored(X_frame, ignore, named=not numpy_input)
    task = infer_task(y_series, task)
    if task == "regression":
        y_series = numeric_target(y_series)
    check_training_data(X_frame, y_series, None, categorical=categorical, task=task, cv=cv, flags=API_FLAGS)
    resolved_metric = resolve_metric(metric, task)
    space = _resolve_space(space)
    categorical, numeric = detect_columns(X_frame, categorical)
    if y_series.name in X_frame.columns:
        raise ValueError(f"y's name must differ from X's columns, got {y_series.name!r}")
    storage_url = DEFAULT_STORAGE if storage is None else str(storage)
    in_memory = storage_url.startswith("sqlite:///:memory:")  # one process only: no heartbeats
    if in_memory and n_workers > 1:
        raise ValueError("n_workers > 1 needs a storage that processes share, got an in-memory one")
    study_name = "regtune" if study_name is None else study_name
    temp_folder = None
    if data_path is None and n_workers > 1:
        temp_folder = tempfile.mkdtemp(prefix="regtune-")
        data_path = write_data(X_frame, y_series, temp_folder)
    config = StudyConfig(
        task=task,
        metric=resolved_metric,
        target=str(y_series.name),
        categorical=categorical,
        numeric=numeric,
        cv=int(cv),
        seed=int(seed),
        pruner=pruner,
        space=space,
        data_path=None if data_path is None else str(data_path),
        n_trials=int(n_trials),
        deadline=None if timeout is None else time.time() + timeout,
        trial_timeout=trial_timeout,
        heartbeat_interval=int(heartbeat_interval),
        n_rows=len(X_frame),
    )
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = None
    try:
        study = optuna.create_study(
            storage=open_storage(storage_url, heartbeat_interval=None if in_memory else heartbeat_interval),
            study_name=study_name,
            direction=resolved_metric.direction,
            load_if_exists=True,
            sampler=make_sampler(seed, startup_trials(pruner, space.max_epochs())),
            pruner=make_pruner(pruner, space.max_epochs()),
        )
        attrs = {**config.to_attrs(), FINGERPRINT: data_fingerprint(X_frame, y_series)}
        _check_resume(study, attrs)
        announce_resume(study, config.n_trials, progress)
        for key, value in attrs.items():
            study.set_user_attr(key, value)
        top_up_slots(study, config.n_trials)
        if n_workers == 1:
            run_study(study, config, X_frame, y_series, progress=progress)
        else:
            run_local_workers(study, config, storage_url, n_workers, progress)
    finally:
        optuna.logging.set_verbosity(verbosity)
        if temp_folder is not None:
            shutil.rmtree(temp_folder, ignore_errors=True)
            if study is not None:  # the file is gone: workers joining later cannot use it
                study.set_user_attr("data_path", None)
    require_complete_trial(study)
    pipeline = refit_frame(study, X_frame, y_series, by_position=numpy_input) if refit else None
    return tune_result(study, config, pipeline, save_to)
