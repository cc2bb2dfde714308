"""Workers: processes that join a study created by ``tune`` and run its trials.

``tune`` starts ``python -m regtune.tuning._process`` for ``n_workers > 1`` (see
``_local_workers``); ``regtune worker --storage URL --study NAME`` runs :func:`worker` on any machine.
"""

import os
import time

import optuna
from optuna.trial import TrialState

from ._best_model import BestModel
from ._budget import Budget, DeadlineWatch, final_reserve, first_step_seconds, update_deadline
from ._config import StudyConfig
from ._converged import check_converged
from ._objective import cv_splits, run_cv_trial
from ._optuna_internals import storage_of
from ._periodic_log import PeriodicLog
from ._progress import Progress
from ._resume import check_recorded_space
from ._run import run_trials
from ._sampling import make_pruner, study_sampler
from ._storage import mask_password, open_storage, quiet_storage_retries

__all__ = ["load_data", "open_study", "run_study", "worker"]


def load_data(config):
    """Read the study's data file (CSV or Parquet) into (X, y) with the study's columns."""
    import pandas as pd

    path = config.data_path
    if path is None:
        raise ValueError(
            "study has no data_path, so a worker cannot load its data: pass data_path= to tune "
            "(the CSV or Parquet file X and y came from)"
        )
    if not os.path.exists(path):
        raise FileNotFoundError(f"study's data_path does not exist on this machine: {path}")
    suffix = os.path.splitext(str(path))[1].lower()
    frame = pd.read_parquet(path) if suffix in (".parquet", ".pq") else pd.read_csv(path)
    columns = [*config.categorical, *config.numeric]
    missing = [c for c in [*columns, config.target] if c not in frame.columns]
    if missing:
        raise ValueError(f"data file {path} lacks the study's columns {missing}")
    if len(frame) != config.n_rows:
        raise ValueError(
            f"data file {path} has {len(frame)} rows but the study was created with {config.n_rows}"
        )
    return frame[columns], frame[config.target]


def open_study(storage, study_name, *, sampler_seed=None):
    """Load a regtune study: (study, config), with heartbeats on and the study's pruner."""
    plain = open_storage(storage)
    try:
        attrs = optuna.load_study(study_name=study_name, storage=plain).user_attrs
    except KeyError:
        raise ValueError(
            f"study {study_name!r} does not exist in {mask_password(storage)}; create it with tune"
        ) from None
    check_recorded_space(study_name, attrs)
    config = StudyConfig.from_attrs(attrs)
    study = optuna.load_study(
        study_name=study_name,
        storage=open_storage(storage, heartbeat_interval=config.heartbeat_interval),
        sampler=study_sampler(sampler_seed, config),
        pruner=make_pruner(config.pruner, config.space.max_epochs()),
    )
    return study, config


def run_study(
    study, config, X, y, *, n_trials=None, deadline=None, progress=False, best_model=None, display=None
):
    """Run trials of an opened study on (X, y) until the budget, the deadline or ``n_trials``.

    ``deadline`` (unix time) is this worker's own, besides the study's. Each trial that ends
    with a model offers it to ``best_model`` (a ``_best_model.BestModel``; default: one that
    writes the study's model file, if it has one). ``display``: a ``Progress`` to update (this
    function then leaves it open); default: one of its own for ``progress``.
    """
    folds = cv_splits(y, task=config.task, cv=config.cv, seed=config.seed)
    X = X.reset_index(drop=True)
    y = y.reset_index(drop=True)
    attrs = study.user_attrs
    budget = Budget.from_attrs(attrs)
    if best_model is None:
        uid = attrs.get("study_uid", study.study_name)
        best_model = BestModel(uid, config.metric.direction, budget.model_path, keep=False)
    watch = DeadlineWatch(study, own=deadline)
    own_display = display is None
    if own_display:
        display = Progress.of_study(progress, config, study)
    log = PeriodicLog(study, config, progress=progress, deadline=deadline)

    def on_epoch():
        log.tick()
        display.tick()

    def objective(trial):
        return run_cv_trial(
            trial,
            config,
            X,
            y,
            folds,
            deadline=watch,
            max_trial_seconds=budget.max_trial_seconds,
            default_trial_seconds=budget.default_trial_seconds,
            max_train_rows=budget.max_train_rows,
            default_train_rows=budget.default_train_rows,
            offer=best_model.offer,
            on_epoch=on_epoch,
        )

    def on_trial(trial):
        update_deadline(study, trial, config.cv)
        check_converged(study, config.cv)
        display.update(study)

    try:
        with quiet_storage_retries():
            return run_trials(
                study,
                objective,
                max_trials=n_trials,
                deadline=deadline,
                heartbeat_interval=storage_of(study).get_heartbeat_interval(),
                on_trial=on_trial,
                start_margin=lambda: first_step_seconds(
                    study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED))
                ),
            )
    finally:
        if own_display:
            display.close()


def worker(storage, study_name, *, n_trials=None, timeout=None, progress="auto"):
    """Join a study created by :func:`tune` and run its trials until its budget or deadline.

    The data are read from the study's ``data_path`` (the same path must exist on this machine).
    The study-wide budget (``n_trials`` of ``tune``) and deadline hold across all workers: a
    running trial stops at its first epoch boundary past the study's deadline. When this worker
    completes a better trial it writes the fold ensemble to the study's model file, if that
    file's folder exists on this machine (see ``docs/tuning.md``).

    Parameters
    ----------
    storage : str
        The study's storage URL (e.g. ``postgresql://user:password@host/db``).
    study_name : str
    n_trials : int, optional
        Run at most this many trials in this worker.
    timeout : float, optional
        This worker's own wall-clock budget in seconds: it starts no trial after
        ``timeout - 1 s - 1 %`` (the wrap-up reserve), and its running trial stops at the first
        epoch boundary past that, so the worker exits within ``timeout`` plus one epoch step.
    progress : "auto", True or False

    Returns
    -------
    int
        The number of trials this worker ran.
    """
    started = time.time()
    if n_trials is not None and (isinstance(n_trials, bool) or int(n_trials) < 1):
        raise ValueError(f"n_trials must be a positive integer or None, got {n_trials!r}")
    if timeout is not None and not float(timeout) > 0:
        raise ValueError(f"timeout must be a positive number of seconds or None, got {timeout!r}")
    study, config = open_study(storage, study_name)
    X, y = load_data(config)
    if timeout is not None:
        deadline = started + float(timeout) - final_reserve(float(timeout))
    else:
        deadline = None
    return run_study(study, config, X, y, n_trials=n_trials, deadline=deadline, progress=progress)
