"""A real Optuna study in a temporary SQLite file, filled with the records regtune's tuner leaves.

The report is tested against this study, not against the tuner, so the two can change independently:
COMPLETE trials with learning curves, PRUNED trials with ``pruned_at``, FAIL trials with a reason, one
RUNNING trial, and hostile strings wherever a user can put text (study name, column names, target,
category values, failure messages).
"""

import math

import numpy as np
import optuna
from optuna.distributions import (
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.trial import TrialState, create_trial

HOSTILE = "<script>alert(1)</script>"
STUDY_NAME = "demo </script><img src=x onerror=alert(2)>"
TARGET = "wage</script>"
FAIL_REASON = "DivergenceError: loss is nan <script>alert(3)</script>"

DISTRIBUTIONS = {
    "alpha_per_row": FloatDistribution(1e-6, 10.0, log=True),
    "l1_per_row": FloatDistribution(1e-6, 1.0, log=True),
    "decay_per_step": FloatDistribution(1e-5, 0.9, log=True),
    "dropout": FloatDistribution(0.0, 0.5),
    "batch_norm": CategoricalDistribution([True, False]),
    "learning_rate_init": FloatDistribution(1e-4, 1e-1, log=True),
    "n_layers": IntDistribution(1, 3),
    "width": IntDistribution(16, 256, log=True),
    "activation": CategoricalDistribution(["relu", "<b>tanh</b>"]),
    "smooth": CategoricalDistribution(["auto", 1.0, 10.0, 100.0]),
}


def _curves(rng, n_folds, n_epochs, floor, gap):
    epochs = np.arange(1, n_epochs + 1)
    train = [
        list(floor + 2.0 / epochs - gap * epochs / n_epochs + rng.normal(0, 0.01, n_epochs))
        for _ in range(n_folds)
    ]
    valid = [
        list(floor + 2.0 / epochs + gap * (epochs / n_epochs) ** 2 + rng.normal(0, 0.01, n_epochs))
        for _ in range(n_folds)
    ]
    return [[float(v) for v in f] for f in train], [[float(v) for v in f] for f in valid]


def _params(rng):
    return {
        name: dist.to_external_repr(dist.to_internal_repr(_sample(rng, dist)))
        for name, dist in DISTRIBUTIONS.items()
    }


def _sample(rng, dist):
    if isinstance(dist, CategoricalDistribution):
        return dist.choices[rng.integers(len(dist.choices))]
    lo, hi = dist.low, dist.high
    if dist.log:
        value = math.exp(rng.uniform(math.log(lo), math.log(hi)))
    else:
        value = rng.uniform(lo, hi)
    return round(value) if isinstance(dist, IntDistribution) else float(value)


def make_study(path, *, n_complete=24, n_pruned=8, n_failed=2, n_running=1, seed=0):
    """Create and fill the study; returns ``(study, storage_url)``."""
    storage = f"sqlite:///{path}"
    study = optuna.create_study(storage=storage, study_name=STUDY_NAME, direction="minimize")
    attrs = {
        "regtune_version": "0.1.0",
        "task": "regression",
        "metric": "rmse",
        "direction": "minimize",
        "target": TARGET,
        "n_rows": 300,
        "n_features": 6,
        "categorical": [HOSTILE, "region"],
        "numeric": ["education", "experience"],
        "cv": 3,
        "seed": seed,
        "pruner": "hyperband",
        "space": {"alpha_per_row": {"low": 1e-6, "high": 10.0, "log": True}},
        "data_path": "/data/x.csv",
        "n_trials": n_complete + n_pruned + n_failed + n_running,
        "deadline": None,
    }
    for key, value in attrs.items():
        study.set_user_attr(key, value)
    rng = np.random.default_rng(seed)
    kinds = [TrialState.COMPLETE] * n_complete + [TrialState.PRUNED] * n_pruned + [TrialState.FAIL] * n_failed
    rng.shuffle(kinds)
    for number, state in enumerate(kinds):
        params = _params(rng)
        floor = 1.0 + 0.05 * (math.log10(params["alpha_per_row"]) + 3) ** 2 + 0.3 * params["dropout"]
        gap = 0.5 * (1 - params["dropout"]) / (1 + 10 * params["alpha_per_row"])
        n_epochs = 12 if state == TrialState.COMPLETE else 4
        train, valid = _curves(rng, 3, n_epochs, floor, gap)
        user_attrs = {"seed": seed + number, "worker": "host:1234", "fit_time": 1.5}
        intermediate = {}
        value = None
        if state != TrialState.FAIL:
            mean_valid = np.mean(valid, axis=0)
            intermediate = {e + 1: float(v) for e, v in enumerate(mean_valid)}
            user_attrs.update(
                train_curve=train,
                valid_curve=valid,
                n_epochs=n_epochs,
                sparsity=float(min(0.9, params["l1_per_row"] * 3)),
            )
        if state == TrialState.COMPLETE:
            fold_scores = [float(f[-1]) for f in valid]
            value = float(np.mean(fold_scores))
            user_attrs.update(
                fold_scores=fold_scores,
                score_std=float(np.std(fold_scores)),
                best_epoch=int(np.argmin(np.mean(valid, axis=0))) + 1,
            )
        elif state == TrialState.PRUNED:
            user_attrs["pruned_at"] = n_epochs
        else:
            user_attrs["fail_reason"] = FAIL_REASON
        study.add_trial(
            create_trial(
                state=state,
                value=value,
                params=params,
                distributions=DISTRIBUTIONS,
                user_attrs=user_attrs,
                intermediate_values=intermediate,
            )
        )
    for _ in range(n_running):
        study.add_trial(create_trial(state=TrialState.RUNNING, params={}, distributions={}))
    return study, storage
