"""One trial: cross-validation folds trained in lockstep, the mean curve reported to the pruner.

Every epoch, each fold's network trains one epoch (``iter_fit``), its validation metric is measured,
and the mean over folds is reported to the trial as the value of that epoch, so the pruner judges the
cross-validated learning curve. A pruned trial stops all its folds at once. The preprocessing (target
encoder included) is fitted on each fold's training rows only, so no fold sees the targets of its
validation rows.

Each fold keeps a copy of its network at the best epoch of the mean curve so far, so a trial that
ends (complete, or stopped by the deadline) hands over its fold ensemble without training again.
Each step is timed; the cost model (``_cost``) predicts it before the first, and with a budget the
epochs are capped to what one trial may cost.
"""

import copy
import math
import os
import socket
import time

import numpy as np
import optuna
from optuna.trial import TrialState

from regtune.ensemble import FoldEnsemble

from .._hyperparameters import HYPERPARAMETERS, pipeline_configuration
from ._config import trial_seed
from ._cost import CostModel, calibrated_speed, embedded_columns
from ._default_trial import default_trial_record
from ._optuna_internals import set_user_attrs
from ._pipeline import build_pipeline, column_encodings

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
    """A trial's sampled params completed with the space's fixed values (as the trial used them).

    A searched parameter the trial did not sample (the default trial leaves out those whose
    default the space cannot express; see ``_default_trial``) is left out, so the pipeline's
    default applies, as it did in the trial.
    """
    unsampled = [n for n in space if not space[n].fixed and n not in trial_params]
    used = space.override(drop=unsampled) if unsampled else space
    return used.suggest(optuna.trial.FixedTrial(dict(trial_params)), has_categorical=has_categorical)


def _snapshot(model):
    """A copy of a fitted network as it is now, unaffected by further epochs.

    Every epoch replaces the fitted arrays (``network_state_``, ``coefs_`` ...) by new ones and
    appends to the history lists, so a shallow copy with copied lists is enough (no weight copy).
    """
    copied = copy.copy(model)
    for name, value in vars(copied).items():
        if isinstance(value, list):
            setattr(copied, name, list(value))
    return copied


class _Fold:
    """One fold's fitted preprocessing, its network's epoch generator and its curves."""

    def __init__(self, params, config, X, y, train, valid, seed, max_train_rows=None):
        pipe = build_pipeline(
            params,
            task=config.task,
            categorical=config.categorical,
            numeric=config.numeric,
            seed=seed,
            n_rows=len(train),
        )
        self.preprocess, self.model = pipe.named_steps["preprocess"], pipe.named_steps["mlp"]
        X_train, self.y_train = X.iloc[train], y.iloc[train].to_numpy()
        self.X_train = self.preprocess.fit_transform(X_train, self.y_train)
        self.X_valid = self.preprocess.transform(X.iloc[valid])
        self.y_valid = y.iloc[valid].to_numpy()
        if max_train_rows is not None and len(self.y_train) > max_train_rows:  # rows as a fidelity
            subset = np.random.default_rng([seed, 1]).choice(len(self.y_train), max_train_rows, replace=False)
            subset.sort()
            self.X_train, self.y_train = self.X_train[subset], self.y_train[subset]
            train = train[subset]
        # The training metric is measured on a fixed random subset the size of the validation fold.
        rng = np.random.default_rng(seed)
        size = min(len(train), len(valid))
        self.train_rows = np.sort(rng.choice(len(train), size=size, replace=False))
        self.epochs = self.model.iter_fit(self.X_train, self.y_train)
        self.train_curve, self.valid_curve = [], []
        self.best_model = None

    def step(self, metric):
        """Train one epoch; record and return the validation metric."""
        next(self.epochs)
        rows = self.train_rows
        self.train_curve.append(metric(self.model, self.X_train[rows], self.y_train[rows]))
        self.valid_curve.append(metric(self.model, self.X_valid, self.y_valid))
        return self.valid_curve[-1]

    def keep(self):
        """Keep the network as it is now (the trial's best epoch so far)."""
        self.best_model = _snapshot(self.model)

    def member(self):
        """This fold's pipeline at the kept epoch: the fitted preprocessing and network."""
        from regtune.export import FastPipeline

        return FastPipeline([("preprocess", self.preprocess), ("mlp", self.best_model)])

    def close(self):
        self.epochs.close()


def _n_outputs(config, y):
    if config.task == "regression":
        return 1
    n_classes = len(np.unique(np.asarray(y)))
    return 1 if n_classes == 2 else n_classes


def _epoch_cap(trial, config, params, fold, n_rows, y, max_trial_seconds):
    """Predict the trial's step time; cap its epochs to ``max_trial_seconds``. Returns
    ``(cap or None, records)``. The names the trial does not give (dropped from the space, or left
    to the defaults by the default trial) are costed with the task's pipeline defaults, as
    ``build_pipeline`` builds them."""
    params = pipeline_configuration(params, task=config.task)
    embedded = () if params["numeric_embedding"] == "none" else embedded_columns(fold.X_train)
    model = CostModel(
        n_rows=n_rows,
        n_inputs=fold.X_train.shape[1],
        n_outputs=_n_outputs(config, y),
        cv=config.cv,
        embedded=embedded,
    )
    model.train_rows = len(fold.y_train)
    cost = model.cost(params)
    finished = trial.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED))
    predicted = calibrated_speed(finished) * cost
    records = {
        "step_cost": cost,
        "predicted_step_seconds": predicted,
        "n_inputs": model.n_inputs,
        "n_outputs": model.n_outputs,
    }
    if max_trial_seconds is None:
        return None, records
    cap = max(1, math.floor(max_trial_seconds / predicted))
    records["epoch_cap"] = cap
    return cap, records


def run_cv_trial(
    trial,
    config,
    X,
    y,
    folds,
    *,
    deadline=None,
    max_trial_seconds=None,
    max_train_rows=None,
    offer=None,
    on_epoch=None,
    default_trial_seconds=None,
    default_train_rows=None,
):
    """Run one trial of a study; return its value (the best mean validation metric over epochs).

    Records on the trial (``user_attrs``): seed, worker, train_curve, valid_curve, fold_scores,
    score_std, fit_time, sparsity, n_epochs (trained), best_epoch (of the best mean validation
    score), best_score (the mean there), step_times (seconds of each lockstep step),
    step_seconds (their median), step_cost, predicted_step_seconds, n_inputs and n_outputs (see
    ``_cost``), setup_seconds (building the folds' preprocessing), max_train_rows,
    epoch_cap, and when pruned pruned_at and pruned_reason ("pruner" or "deadline"). Raises
    ``optuna.TrialPruned`` when the pruner stops it or, between two steps, ``deadline`` (a
    ``_budget.DeadlineWatch``) has passed; :class:`TrialTimeoutError` past the study's
    ``trial_timeout``; and whatever training raises (``DivergenceError``...); the caller records
    failures.

    Each fold's network is kept as it was at the best epoch of the mean curve; a complete or
    deadline-stopped trial hands ``offer(trial, score, complete, make_model)`` a function that
    builds their ``FoldEnsemble`` (``_best_model``), before the caller tells the storage.
    ``max_trial_seconds`` caps the epochs to what the predicted step time allows;
    ``max_train_rows`` the rows each fold's network trains on (a fixed random subset).
    ``on_epoch()`` is called after each reported epoch (the periodic log line).

    The pruner never stops the default trial: it is the baseline every tuned result must beat,
    on equal terms. With a time budget (``default_trial_seconds``) it is also trained as the
    untuned estimator trains: it completes once the mean validation score has not improved for
    the untuned ``n_iter_no_change`` epochs; it may use ``default_trial_seconds`` (its cap set
    again after every epoch from its own measured steps, which no calibration predicts:
    :func:`_measured_cap`); and when the budget shortened
    the space's epochs (``_default_trial.default_epochs``) it trains the untuned epochs instead.
    It trains on ``default_train_rows`` rows of each fold (None: all of them) instead of
    ``max_train_rows``: rows as a fidelity serve the pruner's first decisions, and its fold
    ensemble is the final model when no trial beats it. (So on large data with a short budget
    its scores come from more training rows than a search trial's at the same epoch: a search
    trial must beat the untuned model trained on every row.)
    """
    start = time.perf_counter()
    seed = trial_seed(config.seed, trial.number)
    set_user_attrs(trial, {"seed": seed, "worker": worker_name()})
    unsampled, untuned_epochs = default_trial_record(trial)
    space = config.space if unsampled is None else config.space.override(drop=unsampled)
    params = space.suggest(trial, has_categorical=bool(config.categorical), has_numeric=bool(config.numeric))
    n_epochs = int(params.get("max_epochs", space.max_epochs()))
    patience = None  # epochs without a better mean score before the trial completes
    if unsampled is not None:
        max_train_rows = default_train_rows
    if unsampled is not None and default_trial_seconds is not None:
        # The default trial of a study with a time budget: trained as the untuned estimator trains.
        patience = int(HYPERPARAMETERS["n_iter_no_change"].default)
        max_trial_seconds = default_trial_seconds
        if untuned_epochs is not None:
            n_epochs = int(untuned_epochs)
            params = {**params, "max_epochs": n_epochs}  # the networks' own epoch budget too
    fold_runs, mean_curve, step_times, state = [], [], [], "failed"
    sign = 1.0 if config.metric.direction == "minimize" else -1.0  # sign * score: lower is better
    try:
        fold_runs = [
            _Fold(params, config, X, y, train, valid, seed, max_train_rows) for train, valid in folds
        ]
        setup = {"setup_seconds": time.perf_counter() - start, "max_train_rows": max_train_rows}
        cap, records = _epoch_cap(trial, config, params, fold_runs[0], len(y), y, max_trial_seconds)
        set_user_attrs(trial, {**setup, **records})
        planned, n_epochs = n_epochs, n_epochs if cap is None else min(n_epochs, cap)
        best_at = 0
        for epoch in range(1, planned + 1):  # ends at n_epochs (below), which the cap may move
            tick = time.perf_counter()
            scores = [fold.step(config.metric) for fold in fold_runs]
            mean = float(np.mean(scores))
            if not math.isfinite(mean):
                raise FloatingPointError(f"mean validation {config.metric.name} is {mean}")
            if not mean_curve or sign * mean < min(sign * m for m in mean_curve):
                for fold in fold_runs:
                    fold.keep()
                best_at = epoch
            mean_curve.append(mean)
            trial.report(mean, epoch)
            if on_epoch is not None:
                on_epoch()
            if config.trial_timeout is not None and time.perf_counter() - start > config.trial_timeout:
                raise TrialTimeoutError(
                    f"trial exceeded trial_timeout={config.trial_timeout} s at epoch {epoch}"
                )
            if epoch < n_epochs and deadline is not None and deadline.passed():
                state = "deadline"
                step_times.append(time.perf_counter() - tick)
                raise _deadline_stop(epoch)
            if unsampled is None and trial.should_prune():  # the pruner never stops the default
                state = "pruned"  # recorded as pruned_at = the epochs trained
                step_times.append(time.perf_counter() - tick)
                raise optuna.TrialPruned(f"pruned at epoch {epoch}")
            step_times.append(time.perf_counter() - tick)
            if patience is not None:
                if cap is not None:  # the default trial's cap from its measured steps so far
                    elapsed = time.perf_counter() - start
                    cap = _measured_cap(epoch, elapsed, step_times, max_trial_seconds)
                    if min(planned, cap) != n_epochs or epoch == 1:
                        n_epochs = min(planned, cap)
                        set_user_attrs(trial, {"epoch_cap": cap})
                    if epoch < n_epochs and deadline is not None and deadline.passed():
                        state = "deadline"  # the cap moved past an epoch the check above ended on
                        raise _deadline_stop(epoch)
                if epoch - best_at >= patience:
                    break  # no better mean score for `patience` epochs: the untuned stop
            if epoch >= n_epochs:
                break
        state = "complete"
    finally:
        for fold in fold_runs:
            fold.close()
        _record(trial, config, fold_runs, mean_curve, step_times, start, state)
        if offer is not None and mean_curve and state in ("complete", "deadline"):
            best = mean_curve[_best_epoch(mean_curve, config.metric.direction)]
            members = [fold.member for fold in fold_runs]
            offer(trial, best, state == "complete", lambda: FoldEnsemble.from_members([m() for m in members]))
    best = _best_epoch(mean_curve, config.metric.direction)
    return mean_curve[best]


def _deadline_stop(epoch):
    return optuna.TrialPruned(f"stopped by the study's deadline at epoch {epoch}")


def _measured_cap(epoch, elapsed, step_times, max_seconds):
    """The default trial's epoch cap after ``epoch`` epochs, ``elapsed`` seconds into the trial:
    the epochs done and as many more as the median of its measured ``step_times`` fits in what is
    left of ``max_seconds`` (at least the epochs done, and 1). ``elapsed`` counts from the trial's
    start, its setup (preprocessing the folds) included: the share is the trial's whole time, as
    ``Budget.start`` sizes it.

    The median, not the first step: the first epoch is the slowest (on the quality benchmark's
    tables at T = 60 s up to 67 % slower than the median; txhousing 1.81 s against 1.16 s), and a
    cap set from it alone stopped txhousing's default trial at epoch 22 of 50, still improving,
    with a third of its share unused (docs/benchmarks.md, "T = 60 s on three splits with the
    converged search, and the default trial's epochs from its measured steps").
    """
    step = max(float(np.median(step_times)), 1e-9)  # a step too fast to time: no cap to speak of
    return max(1, epoch + math.floor(max(0.0, max_seconds - elapsed) / step))


def _best_epoch(mean_curve, direction):
    pick = np.argmin if direction == "minimize" else np.argmax
    return int(pick(mean_curve))


def _record(trial, config, fold_runs, mean_curve, step_times, start, state):
    """Record the trial's curves and figures, all in one storage transaction."""
    attrs = {
        "train_curve": [fold.train_curve for fold in fold_runs],
        "valid_curve": [fold.valid_curve for fold in fold_runs],
        "fit_time": time.perf_counter() - start,
        "n_epochs": len(mean_curve),
        "step_times": [round(t, 5) for t in step_times],
        "encoding": column_encodings(fold_runs[0].preprocess) if fold_runs else {},
    }
    if step_times:
        attrs["step_seconds"] = float(np.median(step_times))
    if state in ("pruned", "deadline"):
        attrs.update(pruned_at=len(mean_curve), pruned_reason="deadline" if state == "deadline" else "pruner")
    sparsity = [getattr(fold.model, "sparsity_", math.nan) for fold in fold_runs]
    if sparsity and all(math.isfinite(s) for s in sparsity):
        attrs["sparsity"] = float(np.mean(sparsity))
    if mean_curve and state != "failed":
        # Fold scores at the epoch whose mean is best (the kept networks, the refit's epochs).
        best = _best_epoch(mean_curve, config.metric.direction)
        complete = [fold.valid_curve for fold in fold_runs if len(fold.valid_curve) > best]
        fold_scores = [float(curve[best]) for curve in complete]
        attrs.update(
            fold_scores=fold_scores,
            score_std=float(np.std(fold_scores)),
            best_epoch=best + 1,
            best_score=float(mean_curve[best]),
        )
    set_user_attrs(trial, attrs)
