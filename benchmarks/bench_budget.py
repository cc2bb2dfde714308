"""Benchmark of regtune's time budget: the cost model, the final model, wall times, time to quality.

Four parts, each printed as a table (``--parts`` picks some; ``--quick`` shrinks each):

* ``cost``: the cost model's predicted step time (``regtune.tuning._cost``, speed 1: the constants
  as shipped) against the measured median step of real trials (``run_cv_trial``, in-memory
  study) on the bundled cps1988 and penguins data, for networks from 1 x 64 to 3 x 512 units,
  with and without batch norm and dropout; then the constants refitted by non-negative least
  squares on these measurements (how the shipped ones were chosen).
* ``final``: test error of ``final_model="ensemble"`` against ``"refit"`` on the same study
  (a 75/25 split; the study is tuned once, both final models are made from its best trial), on
  cps1988 (RMSE of the wage), penguins and scikit-learn's breast cancer (log loss); 3 seeds
  (quick: 2, and half the tuning budget).
* ``wall``: wall time of ``regtune tune DATA --timeout T`` (a fresh process, as a user runs it)
  on cps1988 at T = 30, 60, 300 s with 1 and 2 workers (quick: T = 30 s), and with 3
  ``regtune worker`` processes on PostgreSQL beside it (``--postgres``, needs ``initdb``); the
  promise is ``wall <= 1.1 T + 5 s``.
* ``quality``: the best cross-validated score over wall-clock time for ``regtune.tune``, Optuna
  by hand on scikit-learn's MLP (as Optuna's docs show: ``cross_val_score`` in the objective),
  and ``RandomizedSearchCV`` over ``HistGradientBoosting``, one after the other with the same
  budget, the same 5 folds and the same metric (RMSE in the target's units, or log loss): on
  the bundled cps1988 CSV (RMSE of the wage), or with ``--quality-datasets`` on the training
  rows (seed-0 split, ``--max-rows`` cap) of the quality benchmark's tables; ``--plot`` draws
  the curves, and a summary gives each method's median final score / the best final.

Usage::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/bench_budget.py --quick
    python benchmarks/bench_budget.py --parts cost,final   # the full size of those parts
    python benchmarks/bench_budget.py --parts quality --quality-datasets cps1988,diamonds,401ksubs,digits \
        --quality-budget 120 --json out.json --plot out.png

Timings are wall-clock on whatever else the machine is doing; they go into no test.
"""

import argparse
import json
import math
import os
import shutil
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
    (2, 512, 256, False, 0.0),
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


def _folds(X, y, task, config_tuple):
    """The lockstep folds of one configuration (as a trial builds them), its step counts and cost."""
    import optuna

    from regtune.tuning._cost import CostModel, step_terms
    from regtune.tuning._objective import _Fold, _n_outputs, cv_splits

    n_layers, width, batch, bn, dropout = config_tuple
    space = {
        "n_layers": n_layers,
        "width": width,
        "batch_norm": bn,
        "bn_momentum": 0.9,
        "dropout": dropout,
        "max_epochs": 1000,
        "learning_rate_init": 1e-3,
        "alpha_per_row": 1e-5,  # the space names the per-row and per-step penalties
        "l1_per_row": 1e-6,
        "decay_per_step": 1e-8,
        "smooth": 10.0,
    }
    if batch != "auto":
        space["batch_size"] = batch
    else:
        space["drop"] = ["batch_size"]
    config = _config(X, y, task, space)
    params = config.space.suggest(optuna.trial.FixedTrial({}), has_categorical=bool(config.categorical))
    folds = [_Fold(params, config, X, y, tr, va, 0) for tr, va in cv_splits(y, task=task, cv=5, seed=0)]
    model = CostModel(
        n_rows=len(y), n_inputs=folds[0].X_train.shape[1], n_outputs=_n_outputs(config, y), cv=5
    )
    terms = step_terms(
        params,
        n_inputs=model.n_inputs,
        n_outputs=model.n_outputs,
        train_rows=model.train_rows,
        eval_rows=model.eval_rows,
        cv=5,
    )
    return config, folds, terms, model.cost(params)


def part_cost(quick):
    """Predicted (speed 1) against measured step times; the configurations take turns step by step
    (round robin), so a change of the machine's load hits all of them alike."""
    import regtune
    from regtune.tuning import _cost

    data = [
        ("cps1988", *regtune.load_dataset("cps1988", return_X_y=True), "regression"),
        ("penguins", *regtune.load_dataset("penguins", return_X_y=True), "multiclass"),
    ]
    grid = COST_GRID_QUICK if quick else COST_GRID
    rounds = 3 if quick else 5
    runs = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, X, y, task in data:
            for config_tuple in grid:
                config, folds, terms, cost = _folds(X, y, task, config_tuple)
                runs.append(
                    {
                        "data": name,
                        "config": config_tuple,
                        "folds": folds,
                        "metric": config.metric,
                        "terms": terms,
                        "cost": cost,
                        "times": [],
                    }
                )
        for _ in range(rounds):
            for run in runs:
                started = time.perf_counter()
                for fold in run["folds"]:
                    fold.step(run["metric"])
                run["times"].append(time.perf_counter() - started + _cost.STEP)  # + the report
    print(f"\n== cost model: predicted (speed 1) vs measured median step, 5 folds, {rounds} rounds ==")
    print(
        f"{'data':9} {'config (layers x width, batch, bn, dropout)':44} "
        f"{'pred s':>8} {'meas s':>8} {'ratio':>6}"
    )
    rows = []
    for run in runs:
        measured = float(np.median(run["times"]))
        rows.append((run["data"], run["config"], measured, run["terms"], run["cost"]))
        label = "{} x {}, {}, bn={}, dropout={}".format(*run["config"])
        print(f"{run['data']:9} {label:44} {run['cost']:8.3f} {measured:8.3f} {measured / run['cost']:6.2f}")
        for fold in run["folds"]:
            fold.close()
    ratios = [measured / predicted for *_, measured, _, predicted in rows]
    spread = max(ratios) / min(ratios)
    print(
        f"measured / predicted: median {statistics.median(ratios):.2f}, "
        f"range {min(ratios):.2f}-{max(ratios):.2f} (max / min {spread:.2f}: "
        "one calibrated speed puts every prediction within that factor)"
    )
    from scipy.optimize import nnls

    A = np.array([[*terms, 1.0] for *_, terms, _ in rows], dtype=float)
    b = np.array([measured for _, _, measured, _, _ in rows])
    scale = A.max(axis=0)
    coef, _ = nnls(A / scale / b[:, None], np.ones(len(b)))  # relative errors
    coef = coef / scale
    names = ("FLOP", "UNIT", "BN_UNIT", "DROPOUT_UNIT", "BATCH", "PARAM", "STEP")
    print("refitted constants:", " ".join(f"{n}={c:.3g}" for n, c in zip(names, coef)))
    print("shipped constants: ", " ".join(f"{n}={getattr(_cost, n):.3g}" for n in names))
    print("refitted ratios:", " ".join(f"{m / p:.2f}" for m, p in zip(b, A @ coef)))
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
        f"{'data':14} {'seed':>4} {'budget':>6} {'ensemble':>10} {'refit':>10} "
        f"{'refit s':>8} {'ens/refit':>9}"
    )
    for name, X, y, task, _metric in _final_data():
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


def _regtune_command(*args):
    return [sys.executable, "-c", "from regtune.cli import main; main()", *map(str, args)]


def _timed(command, env=None):
    started = time.monotonic()
    completed = subprocess.run(command, capture_output=True, text=True, env=env)
    return time.monotonic() - started, completed


def _wall_data(name, folder, max_rows, split_seed=0):
    """(path, tune options, test frame, test target, table) of data set ``name`` in ``folder``.

    ``cps1988``: the bundled CSV, all rows (no test split). Any other name: a table of the
    quality benchmark (``quality_data``; needs the bench extras), capped at ``max_rows``, whose
    training rows (75 %) of the quality benchmark's split ``split_seed`` are written to Parquet
    (category columns stay categories) and whose test rows score the model the command saved.
    """
    if name == "cps1988-csv":
        return CPS, ["--target", "wage"], None, None, None
    import quality_data

    table = quality_data.load(name, max_rows)
    train, test = quality_data.split(table, split_seed)
    frame = table.X.iloc[train].reset_index(drop=True)
    frame["target__"] = table.y[train]
    path = Path(folder) / f"{name}.parquet"
    frame.to_parquet(path)
    options = ["--target", "target__", "--task", table.task]
    if table.categorical:
        options += ["--categorical", ",".join(table.categorical)]
    return path, options, table.X.iloc[test].reset_index(drop=True), table.y[test], table


def _trial_curve(storage, started, constant=np.nan):
    """Best cross-validated value [(seconds since ``started``, best)] of a finished study, when
    Hyperband's first rung was reached, which trial the final model is, each trial's record and how
    many trials were dead (``constant``: the constant model's score, see :func:`_dead_threshold`)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name="regtune", storage=storage)
    trials = study.get_trials(deepcopy=False)  # one read of the storage
    events = [
        (t.datetime_complete.timestamp() - started, t.value)
        for t in trials
        if t.value is not None and t.datetime_complete is not None
    ]
    sign = -1.0 if study.direction == optuna.study.StudyDirection.MAXIMIZE else 1.0
    curve = [(moment, sign * value) for moment, value in _curve([(m, sign * v) for m, v in events])]
    selection = _selection_facts(study, trials, started)
    # each trial that reported: number, best reported score (lower is better), epochs reported,
    # seconds it ran, the parameters it sampled
    records = [
        [
            t.number,
            min(sign * value for value in t.intermediate_values.values()),
            len(t.intermediate_values),
            None if t.datetime_complete is None else (t.datetime_complete - t.datetime_start).total_seconds(),
            t.params,
        ]
        for t in trials
        if t.intermediate_values
    ]
    threshold = _dead_threshold(records, constant)
    selection["dead"] = np.nan if threshold is None else sum(t[1] > threshold for t in records)
    selection["constant"] = constant
    selection["trial_best"] = records
    return curve, _first_rung(trials, started), selection


def _constant_score(table, split_seed=0):
    """The constant model's score on the training rows in the wall part's metric (lower is
    better): the target's standard deviation (RMSE of its mean), or the entropy of the class rates
    (log loss of the prior); nan without a table."""
    import quality_data

    if table is None:
        return np.nan
    train, _ = quality_data.split(table, split_seed)
    y = np.asarray(table.y)[train]
    if table.task == "regression":
        return float(np.std(y))
    rates = np.bincount(y.astype(int)) / len(y)
    rates = rates[rates > 0]
    return float(-(rates * np.log(rates)).sum())


def _dead_threshold(records, constant):
    """The score above which a trial is dead (lower is better): it never went a tenth of the way
    from the constant model's score to the default trial's (trial 0), a network a penalty or the
    learning rate froze at the constant prediction, or nearly. ``records``: ``trial_best`` rows.
    None when there is no constant score or the default trial did not beat it."""
    best0 = next((t[1] for t in records if t[0] == 0), None)
    if best0 is None or not best0 < constant:  # also False for a nan constant
        return None
    return constant - 0.1 * (constant - best0)


def _selection_facts(study, trials, started):
    """Which trial the final model came from and when it finished, and when the search first had
    a trial tied with it: one whose paired fold differences from the final trial are not above
    one standard error of their mean (a one-standard-error test; every trial has the same folds)."""
    from regtune.tuning._default_trial import is_default_trial
    from regtune.tuning._final_model import final_trial

    final = final_trial(study)
    if final is None or not final.user_attrs.get("fold_scores"):
        return {"final_trial": None, "final_is_default": None, "final_at": np.nan, "reach_tie": np.nan}
    sign = -1.0 if study.direction.name == "MAXIMIZE" else 1.0
    best = sign * np.asarray(final.user_attrs["fold_scores"], dtype=float)  # lower is better

    def tied(trial):
        folds = trial.user_attrs.get("fold_scores") or []
        if len(folds) != len(best) or len(best) < 2:
            return False
        lead = sign * np.asarray(folds, dtype=float) - best  # the final trial's lead, per fold
        return bool(lead.mean() <= lead.std(ddof=1) / np.sqrt(len(lead)))

    finished = [t for t in trials if t.datetime_complete is not None]
    ties = [t.datetime_complete.timestamp() - started for t in finished if tied(t)]
    return {
        "final_trial": final.number,
        "final_is_default": is_default_trial(final),
        "final_at": final.datetime_complete.timestamp() - started,
        "reach_tie": min(ties, default=np.nan),
    }


def _first_rung(trials, started):
    """Seconds from ``started`` to the end of the first trial's first epoch step (all its folds):
    when Hyperband's first rung has its first value."""
    first = min(trials, key=lambda t: t.number, default=None)
    if first is None or not first.user_attrs.get("step_times"):
        return np.nan
    attrs = first.user_attrs
    return (
        first.datetime_start.timestamp() - started + attrs.get("setup_seconds", 0.0) + attrs["step_times"][0]
    )


def _defaults_errors(table, X_test, y_test, n_seeds, split_seed=0):
    """Test errors of regtune's untuned defaults fit on the same training rows (the wall run's split)
    with random states ``0 .. n_seeds - 1``: one training seed's error moves by as much as the
    differences the goal is about (digits' log loss 0.074-0.118 over five), so the reference is
    their mean; the first is the former one-seed reference."""
    import quality_arms
    import quality_data

    train, _ = quality_data.split(table, split_seed)
    errors = []
    for seed in range(n_seeds):
        model = quality_arms.regtune_defaults(table, seed).fit(table.X.iloc[train], table.y[train])
        errors.append(_model_error(model, table, X_test, y_test))
    return errors


def _model_error(model, table, X_test, y_test):
    import quality_arms

    n_classes = 0 if table.task == "regression" else int(table.y.max()) + 1
    return quality_arms.score(table.task, y_test, model, X_test, n_classes)["error"]


def part_wall(
    quick,
    postgres=False,
    datasets=("cps1988-csv",),
    timeouts=None,
    workers=(1, 2),
    max_rows=20_000,
    reference_seeds=3,
    keep_studies=None,
    split_seed=0,
    full_budget=False,
):
    """Wall time of `regtune tune` (a fresh process) against the promise 1.1 T + 5 s, per data set.

    On the quality benchmark's tables it also scores the saved model on the test rows, against
    regtune's untuned defaults fit on the same training rows (the goal: never worse at T = 60 s;
    "defaults": random state 0, "ratio m": against the mean of ``reference_seeds`` random states),
    and reads the best cross-validated score over time from the study (time to quality).
    ``keep_studies``: a folder where each run's SQLite study is copied (``{table}-{T}s-{workers}w.db``).
    ``split_seed``: which of the quality benchmark's train/test splits (0: the runs of docs/benchmarks.md
    unless they say otherwise). ``full_budget``: pass ``--full-budget`` (search until T even
    when the search has converged).
    """
    timeouts = timeouts or ((30,) if quick else (30, 60, 300))
    rows = []
    print("\n== wall time of `regtune tune DATA --timeout T` (fresh process; promise 1.1 T + 5 s) ==")
    print(
        f"{'data set':12} {'T s':>5} {'workers':>8} {'wall s':>8} {'bound s':>8} {'trials':>7} "
        f"{'complete':>9} {'load':>5} {'ok':>4} {'test error':>11} {'defaults':>9} {'ratio':>6} "
        f"{'ratio m':>7} {'own final reached at':>21} {'1 % at':>10} {'first rung at':>14} "
        f"{'final trial':>12} {'tie at':>8} {'dead':>5}"
    )
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    defaults = {}
    for name in datasets:
        with tempfile.TemporaryDirectory() as data_folder:
            path, options, X_test, y_test, table = _wall_data(name, data_folder, max_rows, split_seed)
            options = [*options, *(["--full-budget"] if full_budget else [])]
            for timeout in timeouts:
                for n_workers in workers:
                    rows.append(
                        _wall_run(
                            name,
                            path,
                            options,
                            timeout,
                            n_workers,
                            env,
                            (X_test, y_test, table),
                            defaults,
                            reference_seeds,
                            keep_studies,
                            split_seed,
                        )
                    )
    if postgres:
        rows += _wall_postgres(timeouts, env)
    return {"rows": rows}


def _wall_run(
    name,
    path,
    options,
    timeout,
    n_workers,
    env,
    test,
    defaults,
    reference_seeds=3,
    keep_studies=None,
    split_seed=0,
):
    import regtune

    X_test, y_test, table = test
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        storage = f"sqlite:///{folder}/s.db"
        started = time.time()
        wall, done = _timed(
            _regtune_command(
                "tune",
                path,
                *options,
                "--timeout",
                f"{timeout}s",
                "--workers",
                n_workers,
                "--storage",
                storage,
                "--out",
                f"{folder}/out",
                "-q",
            ),
            env,
        )
        trials = done.stdout.split("Trials: ")[-1].split("\n")[0] if "Trials: " in done.stdout else "-"
        n_complete = trials.split(" complete")[0] if trials != "-" else "-"
        n_all = sum(int(w) for w in trials.replace(",", "").split() if w.isdigit()) if trials != "-" else 0
        model_file = Path(folder, "out", "model.regtune")
        ok = done.returncode == 0 and model_file.is_file()
        if not ok:
            print(done.stdout[-2000:], done.stderr[-2000:], flush=True)
        curve, first_rung, selection = (
            _trial_curve(storage, started, _constant_score(table, split_seed)) if ok else ([], np.nan, {})
        )
        if keep_studies is not None:
            Path(keep_studies).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f"{folder}/s.db", Path(keep_studies, f"{name}-{timeout}s-{n_workers}w.db"))
        error = ratio = reference = ratio_mean = reference_mean = np.nan
        references = []
        if ok and table is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                error = _model_error(regtune.load(model_file), table, X_test, y_test)
                if name not in defaults:
                    defaults[name] = _defaults_errors(table, X_test, y_test, reference_seeds, split_seed)
            references = defaults[name]
            reference, reference_mean = references[0], float(np.mean(references))
            ratio, ratio_mean = error / reference, error / reference_mean
    reach, near = _reach_within(curve, 0.0), _reach_within(curve, NEAR)
    bound = 1.1 * timeout + 5
    print(
        f"{name:12} {timeout:5d} {n_workers:8d} {wall:8.1f} {bound:8.1f} {n_all:7d} {n_complete:>9} "
        f"{load:5.1f} {'yes' if ok and wall <= bound else 'NO':>4} {error:11.4g} {reference:9.4g} "
        f"{ratio:6.3f} {ratio_mean:7.3f} {reach:19.1f} s {near:8.1f} s {first_rung:12.1f} s "
        f"{_final_text(selection):>12} "
        f"{selection.get('reach_tie', np.nan):6.1f} s {selection.get('dead', np.nan):>5}",
        flush=True,
    )
    return {
        "dataset": name,
        "timeout": timeout,
        "workers": n_workers,
        "wall": wall,
        "bound": bound,
        "ok": ok,
        "trials": n_all,
        "complete": n_complete,
        "load": load,
        "test_error": error,
        "defaults_error": reference,
        "ratio": ratio,
        "defaults_errors": references,
        "defaults_mean": reference_mean,
        "ratio_mean": ratio_mean,
        "curve": curve,
        "reach": reach,
        "reach_near": near,
        "first_rung": first_rung,
        **selection,
    }


NEAR = 0.01  # "1 % at": the best CV error first within 1 % of the search's final best


def _reach_within(curve, tolerance):
    """Seconds until the best-so-far CV error (lower is better) of ``curve`` ([seconds, best], in
    order) first came within ``tolerance`` (a fraction) of its final value; nan for no curve."""
    if not curve:
        return np.nan
    final = curve[-1][1]
    return next(t for t, v in curve if v <= final + tolerance * abs(final))


def _final_text(selection):
    """The final model's trial, "0 (default)" when it is the default trial."""
    if selection.get("final_trial") is None:
        return "-"
    return f"{selection['final_trial']}{' (default)' if selection['final_is_default'] else ''}"


def _wall_postgres(timeouts, env):
    """`regtune tune` and 3 `regtune worker` processes on one PostgreSQL study."""
    sys.path.insert(0, str(ROOT / "tests"))
    from pg_server import PgServer

    rows = []
    server = PgServer().start()
    try:
        for timeout in timeouts:
            with tempfile.TemporaryDirectory() as folder:
                name = f"wall{timeout}"
                started = time.monotonic()
                tuner = subprocess.Popen(
                    _regtune_command(
                        "tune",
                        CPS,
                        "--target",
                        "wage",
                        "--timeout",
                        f"{timeout}s",
                        "--storage",
                        server.url,
                        "--study",
                        name,
                        "--out",
                        f"{folder}/out",
                        "-q",
                    ),
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                while not _study_exists(server.url, name) and tuner.poll() is None:
                    time.sleep(0.2)  # workers join a study that exists
                workers = [
                    subprocess.Popen(
                        _regtune_command("worker", "--storage", server.url, "--study", name, "-q"),
                        env=env,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                    for _ in range(3)
                ]
                ended = {}
                while len(ended) < 4:
                    for k, process in enumerate([tuner, *workers]):
                        if k not in ended and process.poll() is not None:
                            ended[k] = time.monotonic() - started
                    time.sleep(0.1)
                codes = [p.returncode for p in (tuner, *workers)]
            bound = 1.1 * timeout + 5
            print(
                f"postgres T={timeout} s: tune {ended[0]:.1f} s, workers "
                + ", ".join(f"{ended[k]:.1f}" for k in (1, 2, 3))
                + f" s (bound {bound:.1f} s; exit codes {codes})",
                flush=True,
            )
            rows.append(
                {
                    "dataset": "cps1988-csv",
                    "timeout": timeout,
                    "workers": "tune + 3 on PostgreSQL",
                    "wall": max(ended.values()),
                    "bound": bound,
                    "ok": all(c == 0 for c in codes),
                }
            )
    finally:
        server.remove()
    return rows


def _study_exists(url, name):
    """Whether the study exists, by plain SQL (an Optuna storage would create the tables itself)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1))
    try:
        with engine.connect() as connection:
            query = text("SELECT count(*) FROM studies WHERE study_name = :name")
            return connection.execute(query, {"name": name}).scalar() == 1
    except SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def _curve(events):
    """Best-so-far [(seconds, best)] of (seconds, score) events, lower is better."""
    curve, best = [], np.inf
    for moment, value in sorted(events):
        if value < best:
            best = value
            curve.append((moment, best))
    return curve


def _at(curve, moment):
    values = [v for t, v in curve if t <= moment]
    return values[-1] if values else np.nan


QUALITY_MARKS = (0.1, 0.2, 1 / 3, 0.5, 1.0)  # fractions of the budget the table shows
QUALITY_METRICS = {  # task kind -> (the metric's name, scikit-learn's scorer of it, regtune's name)
    "regression": ("RMSE", "neg_root_mean_squared_error", "rmse"),
    "classification": ("log loss", "neg_log_loss", "log_loss"),
}


def _quality_metric(task):
    return QUALITY_METRICS["regression" if task == "regression" else "classification"]


def _quality_tables(names, max_rows):
    """The tables the methods search on, as ``quality_data.Table`` objects of training rows only.

    ``names``: tables of ``quality_data`` (capped at ``max_rows``), each cut to the training rows
    of its seed-0 split. None: the bundled cps1988 CSV, all rows, target the wage (not its log).
    """
    import dataclasses

    import quality_data

    if not names:
        import regtune

        X, y = regtune.load_dataset("cps1988", return_X_y=True)
        categorical = [c for c in X.columns if X[c].dtype.kind not in "fiu"]
        X = X.astype({c: "category" for c in categorical})
        numeric = [c for c in X.columns if c not in categorical]
        name = "cps1988 (bundled CSV, wage)"
        return [quality_data.Table(name, X, y.to_numpy(float), "regression", categorical, numeric, 0.0)]
    tables = []
    for name in names:
        table = quality_data.load(name, max_rows)
        train, _ = quality_data.split(table, 0)
        X = table.X.iloc[train].reset_index(drop=True)
        tables.append(dataclasses.replace(table, X=X, y=table.y[train]))
    return tables


def _splitter(table, seed):
    """The 5 folds of every method: regtune's own (``cv_splits``: stratified for classification)."""
    from regtune.tuning._objective import cv_splits

    return cv_splits(table.y, task=table.task, cv=5, seed=seed)


def _regtune_score(trial):
    """A trial's cross-validated score: a complete trial's value, a deadline-stopped trial's
    ``best_score`` (its best epoch so far); None for a pruned, failed or running trial."""
    from optuna.trial import TrialState

    if trial.state == TrialState.COMPLETE:
        return trial.value
    if trial.state == TrialState.PRUNED and trial.user_attrs.get("pruned_reason") == "deadline":
        return trial.user_attrs.get("best_score")
    return None


def run_regtune(table, budget, seed=0):
    """``regtune.tune`` with the budget as its timeout (its CV metric: RMSE in the target's
    units, or log loss; the mean over the 5 folds at the trial's best epoch)."""
    from regtune.tuning import tune

    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.time()
        result = tune(
            table.X,
            table.y,
            task=table.task,
            categorical=table.categorical,
            timeout=budget,
            storage=f"sqlite:///{folder}/s.db",
            progress=False,
            cv=5,
            seed=seed,
        )
        wall = time.time() - start
        trials = result.study.get_trials(deepcopy=False)
    if (result.metric, result.direction) != (_quality_metric(table.task)[2], "minimize"):
        raise RuntimeError(f"regtune's study optimized {result.metric} ({result.direction}), not the peers'")
    events = [
        (t.datetime_complete.timestamp() - start, _regtune_score(t))
        for t in trials
        if _regtune_score(t) is not None
    ]
    return _curve(events), len(trials), wall


def run_optuna_mlp(table, budget, seed=0):
    """Optuna used by hand on scikit-learn's MLP, as Optuna's docs show it (``cross_val_score``
    in the objective): one-hot categories, median-imputed and standardized numbers."""
    import optuna
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.model_selection import cross_val_score
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    model_class = MLPRegressor if table.task == "regression" else MLPClassifier
    scoring = _quality_metric(table.task)[1]
    folds = _splitter(table, seed)
    start, events = time.time(), []

    def objective(trial):
        layers = trial.suggest_int("n_layers", 1, 3)
        width = trial.suggest_int("width", 16, 256, log=True)
        model = model_class(
            hidden_layer_sizes=(width,) * layers,
            alpha=trial.suggest_float("alpha", 1e-5, 10, log=True),
            learning_rate_init=trial.suggest_float("learning_rate_init", 1e-4, 1e-1, log=True),
            max_iter=50,
            random_state=seed,
        )
        preprocess = ColumnTransformer(
            [
                ("categorical", OneHotEncoder(handle_unknown="ignore"), table.categorical),
                ("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), table.numeric),
            ]
        )
        scores = cross_val_score(
            make_pipeline(preprocess, model), table.X, table.y, cv=folds, scoring=scoring
        )
        value = -float(scores.mean())
        events.append((time.time() - start, value))
        return value

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.optimize(objective, timeout=budget)
    return _curve([e for e in events if e[0] <= budget]), len(study.trials), time.time() - start


def run_random_hgb(table, budget, seed=0):
    """RandomizedSearchCV over HistGradientBoosting, one candidate at a time (so the best score is
    known over time); categories encoded as the quality benchmark's ``hgb`` arm does."""
    from scipy.stats import loguniform, randint
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.model_selection import RandomizedSearchCV
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OrdinalEncoder

    distributions = {
        "hgb__learning_rate": loguniform(0.01, 0.3),
        "hgb__max_leaf_nodes": randint(8, 128),
        "hgb__min_samples_leaf": randint(5, 100),
        "hgb__l2_regularization": loguniform(1e-6, 10),
        "hgb__max_iter": randint(50, 500),
    }
    # quality_arms' hgb arm: ordinal codes; native categorical splits up to max_bins (255) levels.
    encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan)
    encode = ColumnTransformer([("categorical", encoder, table.categorical)], remainder="passthrough")
    native = [table.X[c].cat.categories.size <= 255 for c in table.categorical] + [False] * len(table.numeric)
    model_class = (
        HistGradientBoostingRegressor if table.task == "regression" else HistGradientBoostingClassifier
    )
    model = model_class(categorical_features=np.array(native, dtype=bool), random_state=seed)
    pipeline = Pipeline([("encode", encode), ("hgb", model)])
    folds, scoring = _splitter(table, seed), _quality_metric(table.task)[1]
    start, events, k = time.time(), [], 0
    while time.time() - start < budget:
        search = RandomizedSearchCV(
            pipeline, distributions, n_iter=1, cv=folds, scoring=scoring, refit=False, random_state=seed + k
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            search.fit(table.X, table.y)
        moment = time.time() - start
        if moment <= budget:
            events.append((moment, -float(search.cv_results_["mean_test_score"][0])))
        k += 1
    return _curve(events), k, time.time() - start


QUALITY_METHODS = {
    "regtune.tune": run_regtune,
    "Optuna by hand, sklearn MLP": run_optuna_mlp,
    "RandomizedSearchCV, HistGB": run_random_hgb,
}


def part_quality(quick, datasets=None, budget=None, max_rows=20_000, plot=None):
    """Best cross-validated score over wall-clock time, per data set, one method at a time.

    ``datasets``: names of ``quality_data`` tables (their seed-0 training rows); None: the bundled
    cps1988 CSV (RMSE of the wage). ``budget``: seconds per method (default 300; quick 60).
    """
    budget = budget or (60 if quick else 300)
    marks = [budget * f for f in QUALITY_MARKS]
    report = {"budget": budget, "datasets": {}}
    for table in _quality_tables(datasets, max_rows):
        metric = _quality_metric(table.task)[0]
        print(
            f"\n== time to quality on {table.name} ({table.task}, {len(table.y):,} training rows; "
            f"5-fold CV {metric}, budget {budget} s each, 1 BLAS thread) =="
        )
        print(
            f"{'method':30} {'trials':>7} "
            + " ".join(f"{f'@{m:.0f}s':>9}" for m in marks)
            + f" {'reaches own final at':>21} {'wall s':>7}"
        )
        methods = {}
        for name, run in QUALITY_METHODS.items():
            curve, n, wall = run(table, budget)
            final = _at(curve, budget)
            reach = next((t for t, v in curve if v <= final), np.nan)
            print(
                f"{name:30} {n:7d} "
                + " ".join(f"{_at(curve, m):9.4g}" for m in marks)
                + f" {reach:19.1f} s {wall:7.1f}",
                flush=True,
            )
            methods[name] = {"curve": curve, "trials": n, "wall": wall, "final": final, "reach": reach}
        report["datasets"][table.name] = {
            "task": table.task,
            "metric": metric,
            "rows": len(table.y),
            "methods": methods,
        }
    report["summary"] = _quality_summary(report["datasets"])
    if plot:
        _quality_plot(report, plot)
    return report


def _quality_summary(datasets):
    """Per method, the median over data sets of its final score / the best final of the three."""
    print(f"\n== final CV score / the best final of the three, median over {len(datasets)} data set(s) ==")
    summary = {}
    for name in QUALITY_METHODS:
        ratios = []
        for result in datasets.values():
            finals = [m["final"] for m in result["methods"].values()]
            ratios.append(result["methods"][name]["final"] / np.nanmin(finals))
        summary[name] = float(np.nanmedian(ratios)) if not np.all(np.isnan(ratios)) else np.nan
        missing = int(np.sum(np.isnan(ratios)))
        print(
            f"{name:30} {summary[name]:.3f} (lower is better, 1.0 = the winner)"
            + (f"; no score within the budget on {missing}" if missing else "")
        )
    return summary


def _quality_plot(report, path):
    """One panel per data set: the best-so-far CV score against seconds, one line per method."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(report["datasets"])
    columns = min(len(names), 4)
    rows = -(-len(names) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.4 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names):
        result = report["datasets"][name]
        finals = [m["final"] for m in result["methods"].values() if np.isfinite(m["final"])]
        for color, (method, outcome) in enumerate(result["methods"].items()):
            curve = outcome["curve"]  # drawn to the budget's end; a method without a score: no line
            moments, values = zip(*curve, (report["budget"], curve[-1][1])) if curve else ((), ())
            ax.plot(moments, values, drawstyle="steps-post", color=f"C{color}", label=method)
        if finals:  # the finals and the approach to them; early, much worse scores are cut off
            low, high = min(finals), max(finals)
            ax.set_ylim(
                low - 0.1 * (high - low) - 0.01 * abs(low), high + 1.5 * (high - low) + 0.05 * abs(low)
            )
        ax.set(xlim=(0, report["budget"]), title=f"{name} ({result['task']})", xlabel="seconds")
        ax.set_ylabel(f"best 5-fold CV {result['metric']}")
    for ax in axes.flat[len(names) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    print(f"plot written to {path}")


def wall_markdown(rows):
    """The wall part's rows (from ``--json``) as a markdown table, one line per run."""
    lines = [
        "| data set | T s | workers | wall s | bound s | trials (complete) | load | test error "
        "| untuned defaults | ratio | untuned, mean of seeds | ratio to the mean | own final at | 1 % at "
        "| first rung at | final trial | tie at | dead |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if r["dataset"] == "cps1988-csv" and "test_error" not in r:  # a PostgreSQL run
            lines.append(
                f"| cps1988 (CSV), PostgreSQL | {r['timeout']} | {r['workers']} | {r['wall']:.1f} "
                f"| {r['bound']:.1f} | | | | | | | | | | | | | |"
            )
            continue
        flag = "" if r["ok"] and r["wall"] <= r["bound"] else " **over**"
        lines.append(
            f"| {r['dataset']} | {r['timeout']} | {r['workers']} | {r['wall']:.1f}{flag} | {r['bound']:.1f} "
            f"| {r['trials']} ({r['complete']}) | {r['load']:.1f} | {r['test_error']:.4g} "
            f"| {r['defaults_error']:.4g} | {r['ratio']:.3f} | {_mean_text(r)} | {r['reach']:.0f} s "
            f"| {_reach_within(r.get('curve'), NEAR):.0f} s | {r['first_rung']:.1f} s "
            f"| {_final_text(r)} | {r.get('reach_tie', np.nan):.0f} s | {r.get('dead', '-')} |"
        )
    return "\n".join(lines)


def _mean_text(row):
    """The untuned mean's two cells of a wall row: "error (n seeds) | ratio", blank for files
    written before the reference had several seeds."""
    errors = row.get("defaults_errors") or []
    if len(errors) < 2:
        return " | "
    return f"{row['defaults_mean']:.4g} ({len(errors)}) | {row['ratio_mean']:.3f}"


def splits_markdown(files):
    """The wall rows of several ``--json`` files (one split each, in the order given) side by side:
    per data set (and budget, workers), the tuned model's test error over the untuned mean in
    each file ("(d)": the final model is the default trial; "over": the wall past its bound),
    their geometric mean, and the spread of the untuned random states over their mean; then the
    cells above 1 and what could not be put side by side (a row missing from a file, a failed
    run, one row twice in a file). A ratio is against the mean of the random states the file's
    run fit (``--reference-seeds``; their number is printed when it differs from 3)."""
    runs, notes = [], []
    for i, rows in enumerate(files):
        run = {}
        for r in rows:
            key = (r["dataset"], r["timeout"], r["workers"])
            if "ratio_mean" not in r:
                continue  # a run without test rows (the bundled CSV, PostgreSQL)
            if key in run:
                notes.append(f"{key[0]} T={key[1]} workers={key[2]} twice in file {i + 1}: the last kept")
            run[key] = r
        runs.append(run)
    heads = " | ".join(f"file {i + 1}" for i in range(len(runs)))
    lines = [
        f"| data set | T s | workers | {heads} | geometric mean | untuned random states min-max / mean |",
        "|---|---:|---:|" + "---:|" * (len(runs) + 2),
    ]
    above = []
    keys = list(dict.fromkeys(key for run in runs for key in run))
    for key in keys:
        cells = [run.get(key) for run in runs]
        missing = [str(i + 1) for i, cell in enumerate(cells) if cell is None]
        if missing:
            notes.append(f"{key[0]} T={key[1]} workers={key[2]}: not in file {', '.join(missing)}")
            continue
        failed = [
            str(i + 1)
            for i, cell in enumerate(cells)
            if not (cell["ok"] and math.isfinite(cell["ratio_mean"]))
        ]
        if failed:
            notes.append(f"{key[0]} T={key[1]} workers={key[2]}: failed in file {', '.join(failed)}")
            continue
        texts = []
        for cell in cells:
            text = f"{cell['ratio_mean']:.3f}" + (" (d)" if cell.get("final_is_default") else "")
            if cell["wall"] > cell["bound"]:
                text += " **over**"
            seeds = len(cell["defaults_errors"])
            if seeds != 3:
                text += f" ({seeds} seed{'s' if seeds > 1 else ''})"
            texts.append(text)
        ratios = [cell["ratio_mean"] for cell in cells]
        mean = math.exp(float(np.mean(np.log(ratios))))
        spread = [
            e / c["defaults_mean"]
            for c in cells
            if len(c["defaults_errors"]) > 1
            for e in c["defaults_errors"]
        ]
        spread_text = f"{min(spread):.3f}-{max(spread):.3f}" if spread else "-"
        lines.append(
            f"| {key[0]} | {key[1]} | {key[2]} | " + " | ".join(texts) + f" | {mean:.3f} | {spread_text} |"
        )
        above += [f"{key[0]} file {i + 1}: {ratio:.4f}" for i, ratio in enumerate(ratios) if ratio > 1.0]
    lines.append("")
    lines.append("cells above the untuned mean: " + ("; ".join(above) if above else "none"))
    lines += [f"not side by side: {note}" for note in notes]
    return "\n".join(lines)


# A dead trial's extremes (docs/benchmarks.md, "A fifth run"): parameter, test, label.
EXTREMES = (
    ("alpha_per_row", lambda v: v > 0.03, "alpha_per_row > 0.03"),
    ("l1_per_row", lambda v: v > 1, "l1_per_row > 1"),
    ("decay_per_step", lambda v: v > 0.1, "decay_per_step > 0.1"),
    ("learning_rate_init", lambda v: v > 0.03, "learning_rate_init > 0.03"),
    ("learning_rate_init", lambda v: v < 3e-4, "learning_rate_init < 3e-4"),
    ("dropout", lambda v: v > 0.6, "dropout > 0.6"),
)


def dead_markdown(rows):
    """Per study: trials, dead trials, their share of the seconds of the trials after the default
    trial, a dead trial's median epochs; then how many dead and live trials had each extreme
    (rows written since each trial's parameters are kept)."""
    lines = [
        "| data set | T s | trials | dead | dead share of the search's seconds "
        "| median epochs of a dead trial |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    counts = {"dead": {}, "live": {}}
    for r in rows:
        trials = r.get("trial_best") or []
        threshold = _dead_threshold(trials, r.get("constant", np.nan))
        if threshold is None:
            continue
        later = [t for t in trials if t[0] != 0]
        dead = [t for t in later if t[1] > threshold]
        seconds = sum(t[3] or 0.0 for t in later)
        share = sum(t[3] or 0.0 for t in dead) / seconds if seconds else np.nan
        epochs = float(np.median([t[2] for t in dead])) if dead else np.nan
        lines.append(
            f"| {r['dataset']} | {r['timeout']} | {len(trials)} | {len(dead)} | {share:.0%} | {epochs:.0f} |"
        )
        for t in later:
            if len(t) < 5:
                continue
            kind = counts["dead" if t[1] > threshold else "live"]
            labels = [label for name, test, label in EXTREMES if name in t[4] and test(t[4][name])]
            for label in labels or ["none of these"]:
                kind[label] = kind.get(label, 0) + 1
    if counts["dead"] or counts["live"]:
        lines += ["", "| extreme | dead trials with it | live trials with it |", "|---|---:|---:|"]
        for label in [*(e[2] for e in EXTREMES), "none of these"]:
            lines.append(f"| {label} | {counts['dead'].get(label, 0)} | {counts['live'].get(label, 0)} |")
    return "\n".join(lines)


PARTS = {"cost": part_cost, "final": part_final, "wall": part_wall, "quality": part_quality}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a few minutes in all)")
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma list of {list(PARTS)}")
    parser.add_argument("--json", help="write the results there")
    parser.add_argument("--postgres", action="store_true", help="wall: also tune + 3 workers on PostgreSQL")
    parser.add_argument(
        "--datasets",
        default="cps1988-csv",
        help="wall: comma list of quality benchmark tables (needs the bench extras), 'all' for the 11, "
        "cps1988-csv (the bundled CSV, all rows, no test error), or none (with --postgres: only that)",
    )
    parser.add_argument("--timeouts", help="wall: comma list of seconds (default 30,60,300; quick 30)")
    parser.add_argument("--workers", default="1,2", help="wall: comma list of worker counts")
    parser.add_argument(
        "--reference-seeds",
        type=int,
        default=3,
        help="wall: random states of the untuned reference fits (their mean is the reference)",
    )
    parser.add_argument("--max-rows", type=int, default=20_000, help="wall, quality: row cap of the tables")
    parser.add_argument("--keep-studies", help="wall: copy each run's SQLite study into this folder")
    parser.add_argument(
        "--split-seed",
        type=int,
        default=0,
        help="wall: the quality benchmark's train/test split to use (its --seeds numbering; default 0)",
    )
    parser.add_argument(
        "--full-budget",
        action="store_true",
        help="wall: run `regtune tune --full-budget` (search until T even when converged)",
    )
    parser.add_argument(
        "--markdown", nargs="+", help="only print the wall rows of these --json files as a table"
    )
    parser.add_argument(
        "--quality-datasets",
        help="quality: comma list of quality benchmark tables (their seed-0 training rows, capped at "
        "--max-rows), 'all' for the 11; default: the bundled cps1988 CSV (RMSE of the wage)",
    )
    parser.add_argument(
        "--quality-budget", type=int, help="quality: seconds per method (default 300; quick 60)"
    )
    parser.add_argument("--plot", help="quality: write the best-so-far curves there as a PNG (matplotlib)")
    parser.add_argument(
        "--dead", nargs="+", help="only print the dead trials of these --json files' wall rows as tables"
    )
    parser.add_argument(
        "--splits",
        nargs="+",
        metavar="JSON",
        help="only print the wall rows of these --json files (one split each) side by side: the ratio "
        "to the untuned mean per file, its geometric mean, the untuned states' spread",
    )
    args = parser.parse_args(argv)
    if args.reference_seeds < 1:
        parser.error(f"--reference-seeds must be at least 1, got {args.reference_seeds}")
    if args.splits:
        print(splits_markdown([json.loads(Path(path).read_text())["wall"]["rows"] for path in args.splits]))
        return
    if args.markdown or args.dead:
        for path in args.markdown or []:
            print(wall_markdown(json.loads(Path(path).read_text())["wall"]["rows"]))
        for path in args.dead or []:
            print(dead_markdown(json.loads(Path(path).read_text())["wall"]["rows"]))
        return
    results = {}
    for part in args.parts.split(","):
        if part == "wall":
            import quality_data

            datasets = {"all": list(quality_data.DATASETS), "none": []}.get(
                args.datasets, args.datasets.split(",")
            )
            results[part] = part_wall(
                args.quick,
                postgres=args.postgres,
                datasets=datasets,
                timeouts=[int(t) for t in args.timeouts.split(",")] if args.timeouts else None,
                workers=[int(w) for w in args.workers.split(",")],
                max_rows=args.max_rows,
                reference_seeds=args.reference_seeds,
                keep_studies=args.keep_studies,
                split_seed=args.split_seed,
                full_budget=args.full_budget,
            )
        elif part == "quality":
            import quality_data

            names = args.quality_datasets
            results[part] = part_quality(
                args.quick,
                datasets=list(quality_data.DATASETS) if names == "all" else names and names.split(","),
                budget=args.quality_budget,
                max_rows=args.max_rows,
                plot=args.plot,
            )
        else:
            results[part] = PARTS[part](args.quick)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
