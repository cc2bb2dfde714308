"""Benchmark of regtune's time budget: the cost model, the final model, wall times, time to quality.

Four parts, each printed as a table (``--parts`` picks some; ``--quick`` shrinks each):

* ``cost``: the cost model's predicted step time (``regtune.tuning._cost``, speed 1: the constants
  as shipped) against the measured median step of real trials (``run_cv_trial``, in-memory
  study) on the bundled cps1988 and penguins data, for networks from 1 x 64 to 3 x 512 units,
  with and without batch norm and dropout; then the constants refitted by non-negative least
  squares on these measurements (how the shipped ones were chosen).
* ``final``: test error of ``final_model="ensemble"`` against ``"refit"`` on the same study
  (a 75/25 split; the study is tuned once, both final models are made from its best trial), on
  cps1988 (RMSE of the wage) and on scikit-learn's covertype-free breast-cancer (log loss), and
  penguins (log loss); a few seeds.
* ``wall``: wall time of ``regtune tune DATA --timeout T`` (a fresh process, as a user runs it)
  on cps1988 at T = 30, 60, 300 s with 1 and 2 workers (quick: T = 30 s), and with 3
  ``regtune worker`` processes on PostgreSQL beside it (``--postgres``, needs ``initdb``); the
  promise is ``wall <= 1.1 T + 5 s``.
* ``quality``: the best cross-validated score over wall-clock time for ``regtune.tune``, Optuna
  by hand on scikit-learn's ``MLPRegressor`` (as Optuna's docs show: ``cross_val_score`` in the
  objective), and ``RandomizedSearchCV`` over ``HistGradientBoostingRegressor``, on cps1988
  (RMSE of the wage, 5 folds), each with the same budget.

Usage::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/bench_budget.py --quick
    python benchmarks/bench_budget.py --parts cost,final   # the full size of those parts

Timings are wall-clock on whatever else the machine is doing; they go into no test.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CPS = ROOT / "src" / "regtune" / "datasets" / "data" / "cps1988.csv"

# (n_layers, width, batch_size, batch_norm, dropout) of the cost part.
COST_GRID = [
    (1, 100, "auto", False, 0.0),
    (1, 64, 16, False, 0.0),
    (1, 256, 64, False, 0.0),
    (2, 256, 64, False, 0.0),
    (2, 128, 32, True, 0.0),
    (1, 128, 128, False, 0.3),
    (2, 256, 256, True, 0.3),
    (3, 512, 256, False, 0.0),
    (1, 1024, 32, False, 0.0),
]
COST_GRID_QUICK = [COST_GRID[i] for i in (0, 1, 3, 4, 6)]


def _config(X, y, task, space, cv=5, seed=0):
    from regtune.tuning import SearchSpace
    from regtune.tuning._config import StudyConfig
    from regtune.tuning._metrics import resolve_metric
    from regtune.tuning._pipeline import detect_columns

    categorical, numeric = detect_columns(X)
    return StudyConfig(
        task=task,
        metric=resolve_metric(None, task),
        target=str(y.name),
        categorical=categorical,
        numeric=numeric,
        cv=cv,
        seed=seed,
        pruner="none",
        space=SearchSpace.from_dict(space),
        data_path=None,
        n_trials=1,
        deadline=None,
        trial_timeout=None,
        heartbeat_interval=10,
        n_rows=len(X),
    )


def measure_steps(X, y, task, config_tuple, epochs):
    """(measured median step seconds, (macs, unit_rows, batches) counts, predicted) of one trial."""
    import optuna

    from regtune.tuning._cost import CostModel, step_terms
    from regtune.tuning._objective import cv_splits, run_cv_trial

    n_layers, width, batch, bn, dropout = config_tuple
    space = {
        "n_layers": n_layers,
        "width": width,
        "batch_norm": bn,
        "dropout": dropout,
        "max_epochs": epochs,
        "learning_rate_init": 1e-3,
        "alpha": 1e-4,
        "l1": 1e-6,
        "weight_decay": 1e-5,
        "smooth": 10.0,
        "drop": ["bn_momentum"],
    }
    if batch != "auto":
        space["batch_size"] = batch
    else:
        space["drop"].append("batch_size")
    config = _config(X, y, task, space)
    folds = cv_splits(y, task=task, cv=config.cv, seed=0)
    study = optuna.create_study(direction="minimize")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study.optimize(lambda t: run_cv_trial(t, config, X, y, folds), n_trials=1)
    trial = study.trials[0]
    params = config.space.suggest(optuna.trial.FixedTrial({}), has_categorical=bool(config.categorical))
    attrs = trial.user_attrs
    model = CostModel(n_rows=len(y), n_inputs=attrs["n_inputs"], n_outputs=attrs["n_outputs"], cv=config.cv)
    terms = step_terms(
        params,
        n_inputs=model.n_inputs,
        n_outputs=model.n_outputs,
        train_rows=model.train_rows,
        eval_rows=model.eval_rows,
        cv=config.cv,
    )
    return float(np.median(trial.user_attrs["step_times"])), terms, trial.user_attrs["step_cost"]


def part_cost(quick):
    import regtune
    from regtune.tuning import _cost

    data = [
        ("cps1988", *regtune.load_dataset("cps1988", return_X_y=True), "regression"),
        ("penguins", *regtune.load_dataset("penguins", return_X_y=True), "multiclass"),
    ]
    grid = COST_GRID_QUICK if quick else COST_GRID
    rows = []
    print("\n== cost model: predicted (speed 1) vs measured median step, 5 folds ==")
    print(
        f"{'data':9} {'config (layers x width, batch, bn, dropout)':44} {'pred s':>8} {'meas s':>8} {'ratio':>6}"
    )
    for name, X, y, task in data:
        for config in grid:
            epochs = 3 if name == "cps1988" else 6
            measured, terms, predicted = measure_steps(X, y, task, config, epochs)
            rows.append((name, config, measured, terms, predicted))
            label = f"{config[0]} x {config[1]}, {config[2]}, bn={config[3]}, dropout={config[4]}"
            print(
                f"{name:9} {label:44} {predicted:8.3f} {measured:8.3f} {measured / predicted:6.2f}",
                flush=True,
            )
    ratios = [measured / predicted for *_, measured, _, predicted in rows]
    print(
        f"measured / predicted: median {statistics.median(ratios):.2f}, range {min(ratios):.2f}-{max(ratios):.2f}"
    )
    from scipy.optimize import nnls

    A = np.array([[*terms, 1.0] for *_, terms, _ in rows], dtype=float)
    b = np.array([measured for _, _, measured, _, _ in rows])
    scale = A.max(axis=0)
    coef, _ = nnls(A / scale / b[:, None], np.ones(len(b)))  # relative errors
    coef = coef / scale
    names = ("FLOP", "UNIT", "BATCH", "PARAM", "STEP")
    print("refitted constants:", " ".join(f"{n}={c:.3g}" for n, c in zip(names, coef)))
    print("shipped constants: ", " ".join(f"{n}={getattr(_cost, n):.3g}" for n in names))
    refit = A @ coef
    print("refitted ratios:", " ".join(f"{m / p:.2f}" for m, p in zip(b, refit)))
    return {"rows": [(n, list(c), m, list(t), p) for n, c, m, t, p in rows]}


def _test_error(model, X, y, task):
    from regtune.tuning._metrics import log_loss

    if task == "regression":
        return float(np.sqrt(np.mean((np.asarray(y, float) - model.predict(X)) ** 2)))
    return log_loss(np.asarray(y), model.predict_proba(X), model.classes_)


def _final_data():
    from sklearn.datasets import load_breast_cancer

    import regtune

    cancer = load_breast_cancer(as_frame=True)
    return [
        ("cps1988", *regtune.load_dataset("cps1988", return_X_y=True), "regression", "RMSE"),
        ("penguins", *regtune.load_dataset("penguins", return_X_y=True), "multiclass", "log loss"),
        ("breast cancer", cancer.data, cancer.target.rename("y"), "binary", "log loss"),
    ]


def part_final(quick):
    """Test error of the fold ensemble and of the refit, made from the same study."""
    from sklearn.model_selection import train_test_split

    from regtune.tuning import best_configuration, build_pipeline, tune

    seeds = (0, 1) if quick else (0, 1, 2)
    budgets = {
        "cps1988": 30 if quick else 60,
        "penguins": 15 if quick else 30,
        "breast cancer": 15 if quick else 30,
    }
    rows = []
    print("\n== final model: fold ensemble vs refit, test error (25% held out), same study ==")
    print(
        f"{'data':14} {'seed':>4} {'budget':>6} {'ensemble':>10} {'refit':>10} {'refit s':>8} {'ens/refit':>9}"
    )
    for name, X, y, task, metric in _final_data():
        for seed in seeds:
            stratify = None if task == "regression" else y
            X_tr, X_te, y_tr, y_te = train_test_split(
                X, y, test_size=0.25, random_state=seed, stratify=stratify
            )
            with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = tune(
                    X_tr.reset_index(drop=True),
                    y_tr.reset_index(drop=True),
                    n_trials=1000,
                    timeout=budgets[name],
                    storage=f"sqlite:///{folder}/s.db",
                    seed=seed,
                    progress=False,
                )
                params, settings = best_configuration(result.study)
                started = time.perf_counter()
                refit = build_pipeline(
                    params,
                    task=settings["task"],
                    categorical=settings["categorical"],
                    numeric=settings["numeric"],
                    seed=settings["seed"],
                ).fit(X_tr, y_tr)
                refit_seconds = time.perf_counter() - started
            ensemble_error = _test_error(result.best_pipeline, X_te, y_te, task)
            refit_error = _test_error(refit, X_te, y_te, task)
            rows.append((name, seed, ensemble_error, refit_error, refit_seconds))
            print(
                f"{name:14} {seed:4d} {budgets[name]:6d} {ensemble_error:10.4f} {refit_error:10.4f} "
                f"{refit_seconds:8.2f} {ensemble_error / refit_error:9.3f}",
                flush=True,
            )
    for name in dict.fromkeys(r[0] for r in rows):
        ratios = [e / r for n, _, e, r, _ in rows if n == name]
        print(f"{name}: ensemble / refit test error, geometric mean {np.exp(np.mean(np.log(ratios))):.3f}")
    return {"rows": rows}


PARTS = {"cost": part_cost, "final": part_final}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a few minutes in all)")
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma list of {list(PARTS)}")
    parser.add_argument("--json", help="write the results there")
    args = parser.parse_args(argv)
    results = {}
    for part in args.parts.split(","):
        results[part] = PARTS[part](args.quick)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
