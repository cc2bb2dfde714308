"""What ``tune`` returns: the best trial's parameters and score, the final model, the trials."""

import math
from dataclasses import dataclass, field
from pathlib import Path

import optuna
from optuna.trial import TrialState

from regtune.exceptions import RegtuneError

from ._objective import full_params

__all__ = ["TuneResult", "require_complete_trial", "tune_result"]


@dataclass
class TuneResult:
    """What :func:`tune` found.

    Attributes
    ----------
    best_params : dict
        The best trial's hyperparameters (sampled and fixed ones), named as in the search space.
    best_score : float
        Its mean cross-validated metric over folds (at its best epoch).
    best_score_std : float
        The standard deviation of that metric over folds.
    best_pipeline : estimator or None
        The final model: the best trial's ``FoldEnsemble`` (``final_model="ensemble"``), or its
        configuration refit on all rows (a ``Pipeline``, ``"refit"``); None without one.
    study : optuna.Study
        The Optuna study, for Optuna's own tools (``optuna.visualization`` ...).
    trials : pandas.DataFrame
        One row per trial (waiting slots left out), from ``study.trials_dataframe``.
    metric : str
    direction : {"minimize", "maximize"}
    model_path : pathlib.Path or None
        Where the final model was saved (``save_to``).
    best_trial : optuna.trial.FrozenTrial or None
        The trial of the final model: the best by cross-validated score among the complete
        trials and those stopped by the deadline (at their best epoch); with
        ``final_model="refit"``, the best complete one. It may differ from Optuna's
        ``study.best_trial``, which knows complete trials only.
    """

    best_params: dict
    best_score: float
    best_score_std: float
    best_pipeline: object = field(repr=False)
    study: optuna.Study = field(repr=False)
    trials: object = field(repr=False)
    metric: str = "log_loss"
    direction: str = "minimize"
    model_path: Path | None = None
    best_trial: object = field(default=None, repr=False)


def require_complete_trial(study):
    """Raise ``RegtuneError`` (with the first failure reasons) when no trial of ``study`` completed."""
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not complete:
        failed = study.get_trials(deepcopy=False, states=(TrialState.FAIL,))
        reasons = sorted({t.user_attrs.get("fail_reason", "worker lost") for t in failed})
        raise RegtuneError(
            f"no trial of study {study.study_name!r} completed "
            f"({len(failed)} failed: {'; '.join(reasons[:3]) or 'none'}); "
            "narrow the search space or raise n_trials"
        )


def tune_result(study, config, best, model, save_to):
    """The :class:`TuneResult` of a study whose final model comes from trial ``best``."""
    frame = study.trials_dataframe()
    frame = frame[frame["state"] != TrialState.WAITING.name].reset_index(drop=True)
    # A pruned trial's value is its last epoch's; the final model is at its best epoch.
    score = best.value if best.state == TrialState.COMPLETE else best.user_attrs["best_score"]
    return TuneResult(
        best_params=full_params(config.space, best.params, has_categorical=bool(config.categorical)),
        best_score=float(score),
        best_score_std=float(best.user_attrs.get("score_std", math.nan)),
        best_pipeline=model,
        study=study,
        trials=frame,
        metric=config.metric.name,
        direction=config.metric.direction,
        model_path=None if save_to is None else Path(save_to),
        best_trial=best,
    )
