"""In-memory Optuna studies whose verdict is known, filled with the records regtune's tuner leaves.

Each builder returns a study (no storage) made of trials shaped like ``tuning._objective._record``
writes them: ``train_curve`` and ``valid_curve`` (folds x epochs), ``fold_scores`` at the best epoch of
the fold-mean validation curve, ``score_std``, ``best_epoch``, ``n_epochs``, and ``pruned_at`` for
pruned trials; the study's user attributes are those of ``StudyConfig.to_attrs``.

* :func:`underfit_study`: the best trial's validation falls until its last epoch (20 of 20) and its
  training error equals its validation error: the epoch budget is too small, and bias dominates.
* :func:`overfit_study`: the best trial's training error falls far below its validation error, whose
  minimum (epoch 8 of 30) comes well before the end: overfitting, with enough epochs.
* :func:`tied_study`: five trials whose folds differ by about 27 while the trials differ by less
  than 4, with paired differences that change sign from fold to fold: all tied. With
  ``distinguishable=True`` every rival is worse than the best by 4 on every fold (plus 0.1 noise).
* :func:`regularizer_study`: dropout lowers the error (``score = 2 - dropout + noise``), ``alpha_per_row``
  does nothing, and every trial with batch norm was pruned. ``dropout_sign=+1`` makes dropout hurt.
* :func:`noisy_dip_study`: the best trial's validation curve is a parabola (lowest at epoch 15) plus
  white noise, with one dip 12 times the noise deep at epoch 17 that becomes the best epoch;
  ``dip=False`` leaves the curve without it.
* :func:`origin_study`: a default trial (trial 0), portfolio entry 0 (trial 1) and a trial of the
  search (trial 2), scoring 1.0, 0.9 and 0.8 at their best epochs; ``best`` picks which of the three
  scores 0.7 instead, ``default_state`` the default trial's state.
* :func:`sparse_study`: one complete trial and two pruned ones with batch norm: charts with too little
  to draw.
"""

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import TrialState, create_trial

DISTRIBUTIONS = {
    "alpha_per_row": FloatDistribution(1e-5, 10.0, log=True),
    "dropout": FloatDistribution(0.0, 0.8),
    "batch_norm": CategoricalDistribution([False, True]),
}
N_FOLDS = 5


def _attrs(n_trials, *, cv=N_FOLDS, max_epochs=20):
    return {
        "task": "regression",
        "metric": "rmse",
        "direction": "minimize",
        "target": "price",
        "n_rows": 1000,
        "n_features": 4,
        "categorical": [],
        "numeric": ["a", "b", "c", "d"],
        "cv": cv,
        "seed": 0,
        "pruner": "hyperband",
        "space": {
            "max_epochs": max_epochs,
            "n_layers": {"low": 1, "high": 3},
            "width": {"low": 16, "high": 128},
        },
        "data_path": "/data/cars.csv",
        "n_trials": n_trials,
        "deadline": None,
    }


def new_study(n_trials, direction="minimize", **attrs):
    study = optuna.create_study(direction=direction, study_name="synthetic")
    for key, value in _attrs(n_trials, **attrs).items():
        study.set_user_attr(key, value)
    return study


def add_trial(study, params, valid, train, *, state=TrialState.COMPLETE, system_attrs=None):
    """Add a trial from per-fold curves (folds x epochs); its value is the best fold-mean epoch.
    ``system_attrs``: as the tuner marks trials (the default trial, a portfolio entry)."""
    valid, train = np.asarray(valid, dtype=float), np.asarray(train, dtype=float)
    mean = valid.mean(axis=0)
    best = int(np.argmin(mean))
    attrs = {
        "train_curve": train.tolist(),
        "valid_curve": valid.tolist(),
        "n_epochs": valid.shape[1],
        "fit_time": 1.0,
        "worker": "host:1",
    }
    value = None
    if state == TrialState.COMPLETE:
        fold_scores = valid[:, best].tolist()
        attrs.update(fold_scores=fold_scores, score_std=float(np.std(fold_scores)), best_epoch=best + 1)
        value = float(mean[best])
    else:
        attrs["pruned_at"] = valid.shape[1]
    study.add_trial(
        create_trial(
            state=state,
            value=value,
            params=params,
            distributions={k: DISTRIBUTIONS[k] for k in params},
            user_attrs=attrs,
            intermediate_values={e + 1: float(v) for e, v in enumerate(mean)},
            system_attrs=system_attrs or {},
        )
    )


def _folds(curve, offsets):
    """The same curve shifted per fold (each fold has its own difficulty)."""
    return [np.asarray(curve) + o for o in offsets]


def underfit_study():
    study = new_study(3)
    epochs = np.arange(1, 21)
    offsets = np.linspace(-0.05, 0.05, N_FOLDS)
    for k, level in enumerate((1.0, 1.3, 1.6)):
        curve = level + 2.0 * np.exp(-epochs / 15.0)  # still falling at epoch 20
        add_trial(
            study,
            {"alpha_per_row": 0.3 * 10.0**-k, "dropout": 0.02},
            _folds(curve, offsets),
            _folds(curve * 1.01, offsets),  # training error 1% above validation: no overfitting
        )
    return study


def overfit_study():
    study = new_study(3, max_epochs=30)
    epochs = np.arange(1, 31)
    offsets = np.linspace(-0.05, 0.05, N_FOLDS)
    for k, level in enumerate((1.0, 1.2, 1.4)):
        valid = level + 0.01 * (epochs - 8) ** 2 / 8  # lowest at epoch 8, rising after
        train = 0.3 + 2.0 * np.exp(-epochs / 4.0)  # keeps falling far below
        add_trial(
            study,
            {"alpha_per_row": 1e-3 * 10.0**k, "dropout": 0.1 + 0.1 * k},
            _folds(valid, offsets),
            _folds(train, offsets),
        )
    return study


def tied_study(*, distinguishable=False, seed=0):
    rng = np.random.default_rng(seed)
    study = new_study(5)
    fold_levels = 400.0 + np.array([-30.0, -20.0, 0.0, 15.0, 35.0])  # std about 23 across folds
    epochs = np.arange(1, 11)
    shape = 40.0 * np.exp(-epochs / 2.0)
    for k in range(5):
        if distinguishable:
            shift = 4.0 * k + rng.normal(0.0, 0.1, N_FOLDS)
        else:
            shift = 0.8 * k + rng.normal(0.0, 3.0, N_FOLDS)  # within 4 on average, sign changes
            shift -= shift.mean() - 0.8 * k
        valid = [shape + level + s for level, s in zip(fold_levels, shift)]
        add_trial(study, {"alpha_per_row": 0.01 * (k + 1), "dropout": 0.1}, valid, [v - 5.0 for v in valid])
    return study


def regularizer_study(*, dropout_sign=-1.0, n=30, seed=1):
    rng = np.random.default_rng(seed)
    study = new_study(n + 2)
    epochs = np.arange(1, 11)
    offsets = np.linspace(-0.02, 0.02, N_FOLDS)
    for _ in range(n):
        dropout = float(rng.uniform(0.0, 0.8))
        alpha = float(np.exp(rng.uniform(np.log(1e-5), np.log(10.0))))
        level = 2.0 + dropout_sign * dropout + rng.normal(0.0, 0.05)
        curve = level + 0.5 * np.exp(-epochs / 2.0)
        params = {"alpha_per_row": alpha, "dropout": dropout, "batch_norm": False}
        add_trial(study, params, _folds(curve, offsets), _folds(curve * 0.9, offsets))
    for k in range(2):  # batch norm: both trials pruned after 2 epochs
        curve = 3.0 + 0.5 * np.exp(-epochs[:2] / 2.0)
        params = {"alpha_per_row": 0.1 * (k + 1), "dropout": 0.4, "batch_norm": True}
        add_trial(study, params, _folds(curve, offsets), _folds(curve, offsets), state=TrialState.PRUNED)
    return study


NOISE = 0.002


def noisy_dip_study(*, dip=True, seed=2):
    rng = np.random.default_rng(seed)
    study = new_study(2, max_epochs=30)
    epochs = np.arange(1, 31)
    base = 1.0 + NOISE * (epochs - 15.0) ** 2  # a clear minimum at epoch 15: 4x the noise 2 epochs away
    wiggle = rng.normal(0.0, NOISE, len(epochs))
    for k, level in enumerate((0.0, 0.2)):
        curve = base + level + wiggle
        if dip and k == 0:
            curve[16] -= 12 * NOISE  # epoch 17 drops below the minimum of the trend
        folds = _folds(curve, np.zeros(N_FOLDS))
        add_trial(study, {"alpha_per_row": 0.1, "dropout": 0.2}, folds, [f - 0.1 for f in folds])
    return study


def sparse_study():
    """One complete trial (still improving at its last epoch) and two pruned trials, both with batch norm.

    Most charts have too little to show: the page must say why instead of drawing them empty.
    """
    study = new_study(3)
    epochs = np.arange(1, 21)
    curve = 1.0 + 2.0 * np.exp(-epochs / 15.0)
    offsets = np.linspace(-0.05, 0.05, N_FOLDS)
    add_trial(
        study,
        {"alpha_per_row": 0.01, "dropout": 0.1, "batch_norm": False},
        _folds(curve, offsets),
        _folds(curve, offsets),
    )
    for k in range(2):
        short = 3.0 + np.exp(-epochs[:3] / 15.0)
        params = {"alpha_per_row": 0.1 * (k + 1), "dropout": 0.3, "batch_norm": True}
        add_trial(study, params, _folds(short, offsets), _folds(short, offsets), state=TrialState.PRUNED)
    return study


ORIGIN_MARKS = {
    "default": {"regtune:default": []},  # _default_trial.DEFAULT_TRIAL: the names left unsampled
    "portfolio": {"regtune:portfolio": 0},  # _portfolio.PORTFOLIO_ATTR: the entry's index
    "search": {},
}


def origin_study(best="search", default_state=TrialState.COMPLETE, maximize=False, stopped=None):
    """Trials 0 (default), 1 (portfolio entry 0), 2 (search) with flat validation curves at 1.0,
    0.9, 0.8 rmse (maximize: 0.80, 0.85, 0.90 accuracy); ``best`` scores 0.7 (maximize 0.96)
    instead. ``stopped``: a fourth trial (3, the search's) stopped by the deadline with that
    best score."""
    study = new_study(3, direction="maximize" if maximize else "minimize")
    if maximize:
        study.set_user_attr("metric", "accuracy")
        study.set_user_attr("direction", "maximize")
    levels, top = ((0.80, 0.85, 0.90), 0.96) if maximize else ((1.0, 0.9, 0.8), 0.7)
    offsets = np.linspace(-0.01, 0.01, N_FOLDS)
    for k, (origin, level) in enumerate(zip(ORIGIN_MARKS, levels)):
        valid = _folds(np.full(10, top if origin == best else level), offsets)
        add_trial(
            study,
            {"alpha_per_row": 0.01 * (k + 1), "dropout": 0.1},
            valid,
            [v - 0.05 for v in valid],
            state=default_state if origin == "default" else TrialState.COMPLETE,
            system_attrs=ORIGIN_MARKS[origin],
        )
    if stopped is not None:
        study.add_trial(
            create_trial(
                state=TrialState.PRUNED,
                params={"alpha_per_row": 0.05, "dropout": 0.1},
                distributions={k: DISTRIBUTIONS[k] for k in ("alpha_per_row", "dropout")},
                user_attrs={"pruned_reason": "deadline", "best_score": stopped, "pruned_at": 4},
                intermediate_values={1: stopped},
            )
        )
    return study
