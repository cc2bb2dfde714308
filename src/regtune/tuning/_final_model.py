"""The final model of a study: the best trial's fold ensemble, taken over, loaded or rebuilt.

The trial it comes from (:func:`final_trial`) is the best by cross-validated score among the
complete trials and those stopped by the deadline (their networks at their best epoch are a
cross-validated model too). Its fold ensemble is, in this order of preference: the one kept in
this process's memory (``n_workers=1``); the one a worker wrote to the study's model file, when
the file's record names this trial; else rebuilt by training the trial's folds again for its best
epoch (:func:`rebuild_ensemble`), which gives the same networks (a trial is deterministic given
its parameters and seed); that happens only when the trial ran where the model file could not be
written (a ``regtune worker`` on another machine) or the study is resumed with another model file.
"""

import time
import warnings

import numpy as np
from optuna.trial import TrialState

from regtune.ensemble import FoldEnsemble

from ._best_model import holds, read_record
from ._budget import Budget
from ._default_trial import default_trial_record
from ._objective import _Fold, cv_splits, full_params

__all__ = [
    "as_array_model",
    "final_model_of",
    "final_trial",
    "fold_ensemble",
    "rebuild_ensemble",
    "recover_best",
]


def final_trial(study, *, complete_only=False):
    """The trial whose model is the final one, or None: the best by cross-validated score
    (``best_score``) among the complete trials and those stopped by the deadline (whose networks
    at their best epoch are a cross-validated model too; a trial pruned by the pruner is not);
    among the complete ones only with ``complete_only`` (a refit needs a complete trial)."""
    candidates = list(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
    if not complete_only or not candidates:
        candidates += [
            t
            for t in study.get_trials(deepcopy=False, states=(TrialState.PRUNED,))
            if t.user_attrs.get("pruned_reason") == "deadline" and t.user_attrs.get("best_score") is not None
        ]
    if not candidates:
        return None
    sign = 1.0 if study.direction.name == "MINIMIZE" else -1.0
    return min(candidates, key=lambda t: (sign * _score(t), t.state != TrialState.COMPLETE, t.number))


def _score(trial):
    if trial.state == TrialState.COMPLETE:
        return float(trial.value)
    return float(trial.user_attrs["best_score"])


def rebuild_ensemble(trial, config, X, y):
    """Train ``trial``'s folds again for its best epoch (on the rows it trained on) and return
    their ``FoldEnsemble``."""
    max_train_rows = trial.user_attrs.get("max_train_rows")
    params = full_params(config.space, trial.params, has_categorical=bool(config.categorical))
    _, untuned_epochs = default_trial_record(trial)
    if untuned_epochs is not None:  # the default trial trained the untuned epochs, not the space's
        params = {**params, "max_epochs": int(untuned_epochs)}
    seed = int(trial.user_attrs["seed"])
    epochs = int(trial.user_attrs["best_epoch"])
    X, y = X.reset_index(drop=True), y.reset_index(drop=True)
    folds = cv_splits(y, task=config.task, cv=config.cv, seed=config.seed)
    runs = [_Fold(params, config, X, y, train, valid, seed, max_train_rows) for train, valid in folds]
    for run in runs:
        for _ in range(epochs):
            next(run.epochs)
        run.keep()
        run.close()
    return FoldEnsemble.from_members([run.member() for run in runs])


def rebuild_seconds(trial):
    """Predicted seconds of :func:`rebuild_ensemble` (the trial's measured steps, evaluation
    included: an upper bound)."""
    return float(trial.user_attrs.get("step_seconds", 0.0)) * int(trial.user_attrs.get("best_epoch", 1))


def _kept(trial, best_model, path, study_uid):
    """``trial``'s fold ensemble if this process has it in memory or the model file holds it."""
    if best_model is not None and best_model.record and best_model.record["trial"] == trial.number:
        return best_model.model
    if holds(path, study_uid, trial.number):
        import regtune

        return regtune.load(path)
    return None


def recover_best(study, config, X, y, *, best_model, path, study_uid, seconds_left):
    """Before a resumed study searches: rebuild its best trial's fold ensemble when neither this
    process nor the model file has it (an earlier run saved elsewhere or not at all) and that
    takes at most half of ``seconds_left``, and offer it to ``best_model``."""
    if not study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        return
    best = study.best_trial
    if _kept(best, best_model, path, study_uid) is not None or rebuild_seconds(best) > 0.5 * seconds_left:
        return
    model = rebuild_ensemble(best, config, X, y)
    best_model.offer(best, best.value, True, lambda: model)


def fold_ensemble(
    study, trial, config, X, y, *, best_model=None, path=None, study_uid=None, seconds_left=None
):
    """``trial``'s fold ensemble: from memory, from the model file, or rebuilt (in that order).

    When it must be rebuilt but the rebuild is predicted to take longer than ``seconds_left``,
    the best model at hand (memory or file) is taken instead, if there is one.

    Returns ``(model, trial)``: the model and the trial it belongs to.
    """
    model = _kept(trial, best_model, path, study_uid)
    if model is not None:
        return model, trial
    if seconds_left is not None and rebuild_seconds(trial) > seconds_left:
        record = best_model.record if best_model is not None and best_model.record else None
        record = record or (read_record(path) if path is not None else None)
        if record and record.get("study") == study_uid and record.get("kind", "ensemble") == "ensemble":
            at_hand = study.trials[record["trial"]]
            model = _kept(at_hand, best_model, path, study_uid)
            if model is not None:
                warnings.warn(
                    f"the best trial {trial.number} ran where its model could not be kept and "
                    f"rebuilding it does not fit in the {seconds_left:.0f} s left: the final model "
                    f"is trial {at_hand.number}'s fold ensemble",
                    UserWarning,
                    stacklevel=3,
                )
                return model, at_hand
    return rebuild_ensemble(trial, config, X, y), trial


def as_array_model(model, n_columns):
    """``model`` (fitted on frames with columns ``x0, x1, ...``) behind a first step that names
    the columns of a NumPy array the same way, so it predicts on arrays as ``tune``'s input was."""
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    names = FunctionTransformer(feature_names_out="one-to-one").set_output(transform="pandas")
    names.fit(np.zeros((1, n_columns)))
    return Pipeline([("columns", names), ("model", model)])


def final_model_of(study, config, final, data, *, numpy_input, best_model, refit):
    """``(model, trial, kind)``: the final model of trial ``final`` (see ``final_model`` of
    ``tune``), the trial it comes from, and its kind for the model file's record ("ensemble",
    "refit", "array"). ``refit()`` makes the refit pipeline (``_tune._refit``)."""
    budget = Budget.from_attrs(study.user_attrs)
    if budget.final_model is None:
        return None, final, None
    if budget.final_model == "refit" and final_trial(study, complete_only=True).state == TrialState.COMPLETE:
        return refit(), study.best_trial, "refit"
    if not study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        warnings.warn(
            f"no trial completed within the budget: the model is trial {final.number}'s fold "
            f"ensemble, stopped by the deadline at epoch {final.user_attrs.get('pruned_at')}",
            UserWarning,
            stacklevel=4,
        )
    X_frame, y_series = data
    model, final = fold_ensemble(
        study,
        final,
        config,
        X_frame,
        y_series,
        best_model=best_model,
        path=budget.model_path,
        study_uid=study.user_attrs.get("study_uid"),
        seconds_left=None if budget.job_end is None else budget.job_end - time.time(),
    )
    if numpy_input:
        return as_array_model(model, X_frame.shape[1]), final, "array"
    return model, final, "ensemble"
