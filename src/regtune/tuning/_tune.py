"""``tune``: check the arguments, create or resume the study, run its trials, make the final model."""

import math
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import optuna

from .._data import as_frame, detect_columns, drop_ignored, infer_task
from .._data_checks import API_FLAGS, check_training_data, numeric_target
from ._best_model import BestModel, holds, restore_record, save_final, store_record
from ._budget import FINAL_MODELS, Budget
from ._budget_space import budget_space, default_train_rows, search_configuration, train_rows_cap
from ._config import StudyConfig
from ._cost import embedded_numeric, network_sizes
from ._default_trial import default_epochs, default_trial, space_defaults
from ._final_model import final_model_of, final_trial, recover_best
from ._fingerprint import FINGERPRINT, check_same_data, data_fingerprint
from ._local_workers import run_local_workers, write_data
from ._metrics import resolve_metric
from ._optuna_internals import set_study_user_attrs
from ._progress import check_progress
from ._refit import refit_frame
from ._result import require_complete_trial, tune_result
from ._resume import announce_resume, check_recorded_space
from ._sampling import PRUNERS, make_pruner, study_sampler
from ._slots import top_up_slots, trial_budget
from ._space import SearchSpace
from ._storage import DEFAULT_STORAGE, open_storage
from ._worker import run_study

__all__ = ["tune"]

# Settings that must match when a study is resumed (the rest may change between runs). The space
# compared is the one asked for; the one the study samples was sized for its first budget.
_SAME_ON_RESUME = (
    "task",
    "metric",
    "target",
    "categorical",
    "numeric",
    "cv",
    "seed",
    "space_requested",
    "n_rows",
)


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


def _check_arguments(
    n_trials, timeout, n_workers, cv, pruner, trial_timeout, heartbeat_interval, progress, stop_when_converged
):
    def positive_int(name, value):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")

    if n_trials is not None:
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
    check_progress(progress)
    if not isinstance(stop_when_converged, (bool, np.bool_)):
        raise ValueError(f"stop_when_converged must be True or False, got {stop_when_converged!r}")


def _check_resume(study, attrs):
    old = dict(study.user_attrs)
    if not old:
        return
    check_recorded_space(study.study_name, old)
    check_same_data(study.study_name, old.get(FINGERPRINT), attrs[FINGERPRINT])
    if "space_requested" not in old and "space" in old:  # a study of regtune 0.1
        old["space_requested"] = old["space"]
    changed = [key for key in _SAME_ON_RESUME if key in old and old[key] != attrs[key]]
    if changed:
        details = ", ".join(f"{k}: stored {old[k]!r}, now {attrs[k]!r}" for k in changed)
        raise ValueError(
            f"study {study.study_name!r} exists with other settings ({details}); "
            "use another study_name or the same data and settings to resume it"
        )


def _check_final_model(final_model, refit):
    if refit is not None:
        if not isinstance(refit, bool):
            raise ValueError(f"refit must be True, False or None, got {refit!r}")
        return "refit" if refit else None
    if final_model not in (*FINAL_MODELS, None):
        raise ValueError(f"final_model must be one of {list(FINAL_MODELS)} or None, got {final_model!r}")
    return final_model


def _resume_attrs(study, attrs, space):
    """``attrs`` for a study that may exist: a resumed study keeps its identity and the space its
    workers sample (sized for its first budget); returns ``(attrs, space)``."""
    old = study.user_attrs
    attrs = dict(attrs, study_uid=old.get("study_uid") or uuid.uuid4().hex)
    if old.get("space") is not None:
        attrs["space"] = old["space"]
        space = SearchSpace.from_dict(old["space"])
    return attrs, space


def tune(
    X,
    y,
    *,
    task=None,
    categorical=None,
    ignore=None,
    metric=None,
    space=None,
    n_trials=None,
    timeout=None,
    n_workers=1,
    storage=None,
    study_name=None,
    seed=0,
    pruner="hyperband",
    cv=5,
    trial_timeout=None,
    final_model="ensemble",
    refit=None,
    save_to=None,
    progress="auto",
    data_path=None,
    heartbeat_interval=10,
    stop_when_converged=True,
):
    """Tune a regularized network pipeline's hyperparameters by cross-validation with Optuna.

    Trial 0 is the untuned default configuration, trials 1-6 a portfolio of known-good networks;
    then each trial samples one (TPE, seeded). Every trial trains its ``cv`` folds in lockstep and
    reports the mean validation curve so the pruner stops hopeless trials early. The study lives
    in ``storage``: calling ``tune`` again with the same ``study_name`` resumes it, and
    ``regtune worker`` processes on other machines can join it.

    **The time budget** (``timeout=T``) covers the whole call: search, final model and saving.
    The search ends at ``T`` minus a reserve (1 s + 1 % of ``T``; with ``final_model="refit"``
    also the predicted refit time of the best trial); after that no trial starts, and a running
    trial stops at its first epoch boundary (recorded as pruned, ``pruned_reason="deadline"``,
    curves kept). What may run past ``T``: the epoch in progress at the deadline (its length is
    predicted and bounded: no trial may need more than a quarter of ``T``, and the default
    ranges shrink with the data size and ``T``), and any error of the refit time prediction. A
    local worker still running 2 % of ``T`` + 1 s after ``T`` is interrupted. The best model so
    far is written to ``save_to`` whenever a better trial completes, so a job killed at any moment
    leaves a usable model. The budget is a ceiling, not a target: once the search has
    converged (no trial beat the last real gain beyond the folds' noise for as long as that gain
    took to find, and for at least 8 trials and a fifth of ``T``) the job ends there with its
    best model (``stop_when_converged``). See ``docs/tuning.md``.

    Parameters
    ----------
    X : pandas or polars DataFrame, or 2-D NumPy array
    y : array-like of shape (n_rows,)
    task : {"binary", "multiclass", "regression"}, optional
        Inferred from ``y`` when None.
    categorical : list of str, optional
        The categorical columns (one-hot or target-encoded by their number of levels,
        ``max_onehot``); default: the object, string, category and bool columns.
    ignore : list of str, optional
        Columns of ``X`` left out of the features (ids, another target); the model does not
        need them to predict.
    metric : str, optional
        ``"log_loss"`` (default for classification), ``"rmse"`` (default for regression) or any
        scikit-learn scorer name (``"roc_auc"``, ``"accuracy"``, ``"r2"`` ...).
    space : SearchSpace, dict, str or Path, optional
        The search space, overrides of the default one, or a TOML file of overrides. With a
        ``timeout``, the default ranges of width, depth, batch size and epochs shrink to what
        the data size and the budget can pay (ranges you set are kept).
    n_trials : int, optional
        The study's budget of counted trials (complete, pruned or failed), across all workers.
        None (default): no limit on trials when a ``timeout`` is given (the time budget ends the
        search), and 50 without one.
    timeout : float, optional
        The wall-clock budget of the whole call in seconds (see above). With both ``n_trials``
        and ``timeout`` the search ends at whichever comes first.
    n_workers : int, default=1
        Workers on this machine (each with one BLAS thread): ``n_workers`` worker processes, or
        with a ``timeout`` this process and ``n_workers - 1`` worker processes.
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
    final_model : {"ensemble", "refit"} or None, default="ensemble"
        ``"ensemble"``: the best trial's ``cv`` fold pipelines, each with its network at the
        trial's best epoch, averaged (a :class:`regtune.ensemble.FoldEnsemble`; no training
        after the search; ``predict(X, return_std=True)`` / ``predict_proba(X,
        return_std=True)`` give the members' spread). ``"refit"``: the best configuration refit
        on all rows for its best epoch. None: no final model.
    refit : bool, optional
        The former switch: True is ``final_model="refit"``, False is ``final_model=None``.
    save_to : str or Path, optional
        Save the final model there with ``regtune.save``; the best model so far is written there
        during the search already.
    progress : "auto", True or False
        A live bar on a terminal, log lines otherwise ("auto"); always the bar; nothing.
    data_path : str or Path, optional
        The CSV or Parquet file X and y came from (target column ``y.name``), recorded in the
        study so that remote workers can load it. When None and ``n_workers > 1``, the data are
        written to a temporary Parquet file removed at the end.
    heartbeat_interval : int, default=10
        Seconds between a running trial's heartbeats; a trial silent for three intervals is failed
        and requeued.
    stop_when_converged : bool, default=True
        With a ``timeout``: end the search before it once it has converged (see above; the
        study's ``search_converged`` user attribute and the report say when and why). False:
        search until the deadline. Without a ``timeout`` it does nothing.

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
    started = time.time()
    _check_arguments(
        n_trials,
        timeout,
        n_workers,
        cv,
        pruner,
        trial_timeout,
        heartbeat_interval,
        progress,
        stop_when_converged,
    )
    final_model = _check_final_model(final_model, refit)
    if save_to is not None and final_model is None:
        raise ValueError("save_to needs a final model, got final_model=None (refit=False)")
    numpy_input = not hasattr(X, "columns")
    X_frame, y_series = as_frame(X, y)
    X_frame = drop_ignored(X_frame, ignore, named=not numpy_input)
    task = infer_task(y_series, task)
    if task == "regression":
        y_series = numeric_target(y_series)
    check_training_data(X_frame, y_series, None, categorical=categorical, task=task, cv=cv, flags=API_FLAGS)
    resolved_metric = resolve_metric(metric, task)
    requested_space = _resolve_space(space)
    categorical, numeric = detect_columns(X_frame, categorical)
    if y_series.name in X_frame.columns:
        raise ValueError(f"y's name must differ from X's columns, got {y_series.name!r}")
    n_inputs, n_outputs = network_sizes(X_frame, y_series, categorical, numeric, task)
    sizes = {
        "task": task,
        "n_rows": len(X_frame),
        "n_inputs": n_inputs,
        "n_outputs": n_outputs,
        "cv": cv,
        "timeout": timeout,
        "embedded": embedded_numeric(X_frame, numeric),
    }
    max_train_rows = train_rows_cap(**sizes, configuration=search_configuration(task, requested_space))
    space = budget_space(requested_space, **sizes, max_train_rows=max_train_rows)
    storage_url = DEFAULT_STORAGE if storage is None else str(storage)
    in_memory = storage_url.startswith("sqlite:///:memory:")  # one process only: no heartbeats
    if in_memory and n_workers > 1:
        raise ValueError("n_workers > 1 needs a storage that processes share, got an in-memory one")
    study_name = "regtune" if study_name is None else study_name
    temp_folder = None
    if n_workers > 1 and (data_path is None or (save_to is None and final_model is not None)):
        temp_folder = tempfile.mkdtemp(prefix="regtune-")
    if data_path is None and n_workers > 1:
        data_path = write_data(X_frame, y_series, temp_folder)
    model_path = save_to
    if save_to is not None:  # the best model so far is written there during the search
        Path(save_to).parent.mkdir(parents=True, exist_ok=True)
    if model_path is None and n_workers > 1 and final_model is not None:
        model_path = os.path.join(temp_folder, "model.regtune")  # where the workers hand it over
    model_path = None if model_path is None else os.path.abspath(model_path)
    budget = Budget.start(
        timeout,
        final_model=final_model,
        model_path=model_path,
        cv=cv,
        started=started,
        max_train_rows=max_train_rows,
        n_rows=len(X_frame),
        stop_when_converged=stop_when_converged,
    )
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
        n_trials=trial_budget(n_trials, timeout),
        deadline=budget.deadline,
        trial_timeout=trial_timeout,
        heartbeat_interval=int(heartbeat_interval),
        n_rows=len(X_frame),
    )
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = best_model = None
    try:
        study = optuna.create_study(
            storage=open_storage(storage_url, heartbeat_interval=None if in_memory else heartbeat_interval),
            study_name=study_name,
            direction=resolved_metric.direction,
            load_if_exists=True,
        )
        attrs = {
            **config.to_attrs(),
            "space_requested": requested_space.to_dict(),
            **budget.to_attrs(),
            FINGERPRINT: data_fingerprint(X_frame, y_series),
        }
        _check_resume(study, attrs)
        announce_resume(study, config.n_trials, progress)
        attrs, config.space = _resume_attrs(study, attrs, space)
        # The default trial's rows, sized on what it trains: the defaults of the space the study
        # samples (a resumed study's own, sized for its first budget).
        attrs["default_train_rows"] = default_train_rows(
            max_train_rows, configuration=space_defaults(config.space, task), **sizes
        )
        study.sampler = study_sampler(seed, config)
        study.pruner = make_pruner(pruner, config.space.max_epochs())
        set_study_user_attrs(study, attrs)
        default = SearchSpace.default()
        user_set = [n for n in requested_space if n not in default or requested_space[n] != default[n]]
        top_up_slots(
            study,
            config.n_trials,
            default=default_trial(config.space, task, user_set),
            default_epochs=default_epochs(config.space, task, user_set),
        )
        uid = attrs["study_uid"]
        best_model = BestModel(uid, resolved_metric.direction, model_path)
        if model_path is not None:
            restore_record(study, model_path)
        if final_model == "ensemble":
            seconds_left = math.inf if budget.job_end is None else budget.job_end - time.time()
            recover_best(
                study,
                config,
                X_frame,
                y_series,
                best_model=best_model,
                path=model_path,
                study_uid=uid,
                seconds_left=seconds_left,
            )
        if n_workers == 1:
            run_study(study, config, X_frame, y_series, progress=progress, best_model=best_model)
        elif timeout is None:  # this process only watches: a worker's death never ends the job
            run_local_workers(study, config, storage_url, n_workers, progress)
        else:  # with a budget, this process works too: worker processes need seconds to start

            def run_here(display):  # one BLAS thread, as each worker process
                from threadpoolctl import threadpool_limits

                with threadpool_limits(limits=1):
                    run_study(study, config, X_frame, y_series, best_model=best_model, display=display)

            run_local_workers(study, config, storage_url, n_workers - 1, progress, run_here)
        final = final_trial(study)
        if final is None:
            require_complete_trial(study)  # raises with the failures' reasons
        data = (X_frame, y_series)
        model, final, kind = final_model_of(
            study,
            config,
            final,
            data,
            numpy_input=numpy_input,
            best_model=best_model,
            refit=lambda: refit_frame(study, X_frame, y_series, by_position=numpy_input),
        )
        if save_to is not None and not (kind == "ensemble" and holds(model_path, uid, final.number)):
            save_final(model, save_to, study_uid=uid, trial=final, kind=kind)
    finally:
        if study is not None and model_path is not None:
            store_record(study, model_path)
        optuna.logging.set_verbosity(verbosity)
        if temp_folder is not None:
            shutil.rmtree(temp_folder, ignore_errors=True)
            if study is not None:  # the files are gone: workers joining later cannot use them
                for key, path in (("data_path", data_path), ("model_path", model_path)):
                    if path is not None and str(path).startswith(temp_folder):
                        study.set_user_attr(key, None)
    return tune_result(study, config, final, model, save_to)
