"""One trial: cross-validation folds trained in lockstep, the mean curve reported to the pruner.

Every epoch, each fold's network trains one epoch (``iter_fit``), its validation metric is measured,
and the mean over folds is reported to the trial as the value of that epoch, so the pruner judges the
cross-validated learning curve. A pruned trial stops all its folds at once. The preprocessing (target
encoder included) is fitted on each fold's training rows only, so no fold sees the targets of its
validation rows.
"""

import math
import os
import socket
import time

import numpy as np
import optuna

from ._config import trial_seed
from ._optuna_internals import set_user_attrs
from ._pipeline import build_pipeline

__all__ = ["TrialTimeoutError", "cv_splits", "full_params", "run_cv_trial"]


class TrialTimeoutError(RuntimeError):
    """A trial ran longer than the study's ``trial_timeout``."""


def worker_name():
    """``hostname:pid`` of this process, recorded on each trial it runs."""
    return f"{socket.gethostname()}:{os.getpid()}"


def cv_splits(y, *, task, cv, seed):
    """The study's folds: stratified for classification, shuffled with the study seed."""
    from sklearn.model_selection import KFold, StratifiedKFold

    splitter = (KFold if task == "regression" else StratifiedKFold)(
        n_splits=cv, shuffle=True, random_state=seed
    )
    return list(splitter.split(np.zeros(len(y)), y))


def full_params(space, trial_params, *, has_categorical):
    """A trial's sampled params completed with the space's fixed values (as the trial used them)."""
    return space.suggest(optuna.trial.FixedTrial(dict(trial_params)), has_categorical=has_categorical)


class _Fold:
    """One fold's fitted preprocessing, its network's epoch generator and its curves."""

    def __init__(self, params, config, X, y, train, valid, seed):
        pipe = build_pipeline(
            params,
            task=config.task,
            categorical=config.categorical,
            numeric=config.numeric,
            seed=seed,
            n_rows=len(train),
        )
        preprocess, self.model = pipe.named_steps["preprocess"], pipe.named_steps["mlp"]
        X_train, self.y_train = X.iloc[train], y.iloc[train].to_numpy()
        self.X_train = preprocess.fit_transform(X_train, self.y_train)
        self.X_valid = preprocess.transform(X.iloc[valid])
        self.y_valid = y.iloc[valid].to_numpy()
        # The training metric is measured on a fixed random subset the size of the validation fold.
        rng = np.random.default_rng(seed)
        size = min(len(train), len(valid))
        self.train_rows = np.sort(rng.choice(len(train), size=size, replace=False))
        self.epochs = self.model.iter_fit(self.X_train, self.y_train)
        self.train_curve, self.valid_curve = [], []

    def step(self, metric):
        """Train one epoch; record and return the validation metric."""
        next(self.epochs)
        rows = self.train_rows
        self.train_curve.append(metric(self.model, self.X_train[rows], self.y_train[rows]))
        self.valid_curve.append(metric(self.model, self.X_valid, self.y_valid))
        return self.valid_curve[-1]

    def close(self):
        self.epochs.close()


def run_cv_trial(trial, config, X, y, folds, on_epoch=None):
    """Run one trial of a study; return its value (the best mean validation metric over epochs).

    Records on the trial (``user_attrs``): seed, worker, train_curve, valid_curve, fold_scores,
    score_std, fit_time, sparsity, n_epochs (trained), best_epoch (of the best mean
    validation score; the refit trains that many), and pruned_at when pruned. Raises
    ``optuna.TrialPruned`` when the pruner stops it, :class:`TrialTimeoutError` past the study's
    ``trial_timeout``, and whatever training raises (``DivergenceError``...); the caller records
    failures. ``on_epoch()`` is called after each reported epoch (the periodic log line).
    """
    start = time.perf_counter()
    seed = trial_seed(config.seed, trial.number)
    set_user_attrs(trial, {"seed": seed, "worker": worker_name()})
    params = config.space.suggest(trial, has_categorical=bool(config.categorical))
    n_epochs = int(params.get("max_epochs", config.space.max_epochs()))
    fold_runs, mean_curve, state = [], [], "failed"
    try:
        fold_runs = [_Fold(params, config, X, y, train, valid, seed) for train, valid in folds]
        for epoch in range(1, n_epochs + 1):
            scores = [fold.step(config.metric) for fold in fold_runs]
            mean = float(np.mean(scores))
            if not math.isfinite(mean):
                raise FloatingPointError(f"mean validation {config.metric.name} is {mean}")
            mean_curve.append(mean)
            trial.report(mean, epoch)
            if on_epoch is not None:
                on_epoch()
            if config.trial_timeout is not None and time.perf_counter() - start > config.trial_timeout:
                raise TrialTimeoutError(
                    f"trial exceeded trial_timeout={config.trial_timeout} s at epoch {epoch}"
                )
            if trial.should_prune():
                state = "pruned"  # recorded as pruned_at = the epochs trained
                raise optuna.TrialPruned(f"pruned at epoch {epoch}")
        state = "complete"
    finally:
        for fold in fold_runs:
            fold.close()
        _record(trial, config, fold_runs, mean_curve, start, state)
    best = _best_epoch(mean_curve, config.metric.direction)
    return mean_curve[best]


def _best_epoch(mean_curve, direction):
    pick = np.argmin if direction == "minimize" else np.argmax
    return int(pick(mean_curve))


def _record(trial, config, fold_runs, mean_curve, start, state):
    """Record the trial's curves and figures, all in one storage transaction."""
    attrs = {
        "train_curve": [fold.train_curve for fold in fold_runs],
        "valid_curve": [fold.valid_curve for fold in fold_runs],
        "fit_time": time.perf_counter() - start,
        "n_epochs": len(mean_curve),
    }
    if state == "pruned":
        attrs["pruned_at"] = len(mean_curve)
    sparsity = [getattr(fold.model, "sparsity_", math.nan) for fold in fold_runs]
    if sparsity and all(math.isfinite(s) for s in sparsity):
        attrs["sparsity"] = float(np.mean(sparsity))
    if mean_curve and state != "failed":
        # Fold scores at the epoch whose mean is best (the epoch the refit trains for).
        best = _best_epoch(mean_curve, config.metric.direction)
        complete = [fold.valid_curve for fold in fold_runs if len(fold.valid_curve) > best]
        fold_scores = [float(curve[best]) for curve in complete]
        attrs.update(fold_scores=fold_scores, score_std=float(np.std(fold_scores)), best_epoch=best + 1)
    set_user_attrs(trial, attrs)
