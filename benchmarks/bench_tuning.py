"""Benchmark of regtune's tuning: best cross-validated score over wall-clock time, and workers.

Compares, with the same wall-clock budget, on the bundled cps1988 data (a 4,000-row sample,
target log(wage), RMSE) and on scikit-learn's breast-cancer data (569 rows, binary, log loss):

* regtune: TPE + Hyperband pruning, folds in lockstep (``tune(pruner="hyperband")``);
* regtune without pruning (``tune(pruner="none")``);
* scikit-learn's ``RandomizedSearchCV`` over ``MLPRegressor`` / ``MLPClassifier`` (one-hot encoding,
  median imputation, scaling), run one candidate at a time so the best score is known over time.

All three use 5 folds, the same ranges (learning rate 1e-4..1e-1 log, L2 1e-5..10 log, 1-3 layers of
16-256 units, batch 16-256, 30 epochs) and one BLAS thread. ``--jobs`` runs (default 2) go at a
time, each in its own process on its own core, so every method runs under the same conditions.
Then trials per minute with 1 and 2 worker processes on identical trials (each run started in a
fresh process, as `regtune tune --workers N` is).

Usage::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/bench_tuning.py \
        [--budget 90] [--scaling-budget 60] [--plot docs/benchmarks-tuning.png]

Prints the numbers and writes the plot (matplotlib) and a JSON file of the curves beside it.
"""

import argparse
import json
import multiprocessing
import os
import tempfile
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

SPACE = {
    "width": {"low": 16, "high": 256},
    "n_layers": {"low": 1, "high": 3},
    "batch_size": {"low": 16, "high": 256},
    "max_epochs": 30,
}
WIDTHS = (16, 32, 64, 128, 256)
BATCHES = (16, 32, 64, 128, 256)


def load_data():
    """(name, X, y, task) for the two data sets."""
    from sklearn.datasets import load_breast_cancer

    import regtune

    X, y = regtune.load_dataset("cps1988", return_X_y=True)
    rows = np.random.default_rng(0).choice(len(X), size=4000, replace=False)
    cps = (
        X.iloc[rows].reset_index(drop=True),
        np.log(y.iloc[rows].reset_index(drop=True)).rename("log_wage"),
    )
    cancer = load_breast_cancer(as_frame=True)
    return [
        ("cps1988 (4,000 rows, RMSE of log wage)", *cps, "regression"),
        ("breast cancer (569 rows, log loss)", cancer.data, cancer.target, "binary"),
    ]


def run_regtune(X, y, pruner, budget, folder, name):
    """Best-so-far curve [(seconds, best score)] of a regtune study under ``budget`` seconds."""
    from optuna.trial import TrialState

    from regtune.tuning import tune

    start = time.time()
    result = tune(
        X,
        y,
        n_trials=5000,  # the deadline ends the search
        timeout=budget,
        pruner=pruner,
        cv=5,
        space=SPACE,
        storage=f"sqlite:///{folder}/{name}.db",  # one file per run: runs go in parallel,
        study_name=name,
        seed=0,
        progress=False,
        refit=False,
    )
    complete = [t for t in result.study.trials if t.state == TrialState.COMPLETE]
    # Trials running at the deadline finish after it; like RandomizedSearchCV's late candidates,
    # they do not count.
    events = sorted(
        (t.datetime_complete.timestamp() - start, t.value)
        for t in complete
        if t.datetime_complete.timestamp() - start <= budget
    )
    n_finished = sum(t.state.is_finished() for t in result.study.trials)
    return _best_so_far(events, minimize=True), n_finished


def run_random_search(X, y, task, budget, seed=0):
    """Best-so-far curve of RandomizedSearchCV over scikit-learn's MLP, one candidate per call."""
    from scipy.stats import loguniform
    from sklearn.compose import ColumnTransformer
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.impute import SimpleImputer
    from sklearn.model_selection import KFold, RandomizedSearchCV, StratifiedKFold
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    categorical = [c for c in X.columns if X[c].dtype.kind not in "fiu"]
    numeric = [c for c in X.columns if c not in categorical]
    preprocess = ColumnTransformer(
        [
            ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
            (
                "numeric",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="median", add_indicator=True)),
                        ("scale", StandardScaler()),
                    ]
                ),
                numeric,
            ),
        ]
    )
    model = (MLPRegressor if task == "regression" else MLPClassifier)(max_iter=30, random_state=seed)
    pipeline = Pipeline([("preprocess", preprocess), ("mlp", model)])
    distributions = {
        "mlp__alpha": loguniform(1e-5, 10),
        "mlp__learning_rate_init": loguniform(1e-4, 1e-1),
        "mlp__batch_size": list(BATCHES),
        "mlp__hidden_layer_sizes": [(w,) * d for w in WIDTHS for d in (1, 2, 3)],
    }
    splitter = (KFold if task == "regression" else StratifiedKFold)(5, shuffle=True, random_state=seed)
    scoring = "neg_root_mean_squared_error" if task == "regression" else "neg_log_loss"
    start, events, i = time.time(), [], 0
    while time.time() - start < budget:
        search = RandomizedSearchCV(
            pipeline,
            distributions,
            n_iter=1,
            scoring=scoring,
            cv=splitter,
            refit=False,
            random_state=seed + i,
            error_score=np.nan,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            search.fit(X, y)
        elapsed = time.time() - start
        score = -float(search.cv_results_["mean_test_score"][0])
        if elapsed <= budget and np.isfinite(score):
            events.append((elapsed, score))
        i += 1
    return _best_so_far(events, minimize=True), i


def _best_so_far(events, minimize):
    curve, best = [], None
    for t, value in events:
        if best is None or (value < best if minimize else value > best):
            best = value
            curve.append((t, value))
    return curve


def final(curve):
    """The best score at the end of the budget (NaN when nothing finished in time)."""
    return curve[-1][1] if curve else float("nan")


def time_to_reach(curve, target):
    """First time the best-so-far curve is at least as good as ``target`` (None if never)."""
    for t, value in curve:
        if value <= target:
            return t
    return None


SCALING_TRIALS = {
    # about 0.7 s per trial: storage, claiming and process overhead weigh most
    "tiny": {"width": 32, "n_layers": 1, "max_epochs": 10},
    # about 3 s per trial, a typical trial of the search above (its median width and depth)
    "typical": {"width": 64, "n_layers": 2, "max_epochs": 30},
}


def trials_per_minute(X, y, n_workers, budget, folder, tag="", trial="tiny"):
    """Throughput of ``n_workers`` local worker processes on identical trials.

    Every hyperparameter is fixed (``SCALING_TRIALS[trial]``, batch 64, 5 folds), so each trial
    does the same work and trials per minute measure the system: workers, storage, claiming,
    sampler and pruner calls. A budget of 1,000 trials (ended by the deadline) also checks that
    a large budget costs nothing per trial.
    """
    from regtune.tuning import tune

    space = {
        **SCALING_TRIALS[trial],
        "batch_size": 64,
        "alpha_per_row": 1e-5,  # the space names the per-row and per-step penalties
        "l1_per_row": 1e-6,
        "decay_per_step": 1e-7,
        "dropout": 0.1,
        "batch_norm": False,
        "learning_rate_init": 1e-3,
        "smooth": 10.0,
    }
    result = tune(
        X,
        y,
        n_trials=1000,
        timeout=budget,
        n_workers=n_workers,
        pruner="none",
        cv=5,
        space=space,
        storage=f"sqlite:///{folder}/scaling.db",
        study_name=f"workers{n_workers}{tag}",
        progress=False,
        refit=False,
    )
    finished = [t for t in result.study.trials if t.state.is_finished()]
    first = min(t.datetime_start for t in finished)
    last = max(t.datetime_complete for t in finished)
    return 60 * len(finished) / (last - first).total_seconds(), len(finished)


def search_job(k, method, budget, folder):
    """One (data set, method) run of the search comparison: (curve, trials or candidates)."""
    _name, X, y, task = load_data()[k]
    if method == "random":
        return run_random_search(X, y, task, budget)
    pruner = "hyperband" if method == "hyperband" else "none"
    return run_regtune(X, y, pruner, budget, folder, f"{method[0]}{k}")


def plot(results, budget, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(6 * len(results), 4.2))
    for ax, (name, runs) in zip(np.atleast_1d(axes), results.items()):
        for label, curve in runs.items():
            if curve:
                t, v = zip(*curve)
                ax.step([*t, budget], [*v, v[-1]], where="post", label=label)
        ax.set_title(name)
        ax.set_xlabel("wall-clock seconds")
        ax.set_ylabel("best cross-validated score (lower is better)")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=90, help="seconds per method and dataset")
    parser.add_argument("--scaling-budget", type=float, default=60)
    parser.add_argument("--scaling-rounds", type=int, default=3, help="rounds of 1 and 2 workers")
    parser.add_argument("--scaling-trial", choices=sorted(SCALING_TRIALS), default="tiny")
    parser.add_argument(
        "--jobs",
        type=int,
        default=2,
        help="search runs at a time, one core each (default 2: both cores of the dev machine)",
    )
    parser.add_argument("--plot", default="docs/benchmarks-tuning.png")
    parser.add_argument(
        "--only",
        choices=("search", "scaling"),
        help="run only the search comparison or only the worker scaling",
    )
    args = parser.parse_args(argv)
    curves, summary = {}, {}
    context = multiprocessing.get_context("spawn")  # fresh processes, as a user's runs are
    with tempfile.TemporaryDirectory() as folder:
        if args.only != "scaling":
            names = [name for name, *_ in load_data()]
            methods = ("hyperband", "none", "random")
            jobs = [(k, method) for k in range(len(names)) for method in methods]
            print(
                f"== search: budget {args.budget:.0f} s per method and data set, "
                f"{args.jobs} run(s) at a time (one core each)",
                flush=True,
            )
            with ProcessPoolExecutor(max_workers=args.jobs, mp_context=context) as pool:
                futures = {job: pool.submit(search_job, *job, args.budget, folder) for job in jobs}
                results = {job: future.result() for job, future in futures.items()}
            for k, name in enumerate(names):
                (pruned, n_pruned_run), (plain, n_plain_run), (random, n_random) = (
                    results[k, method] for method in methods
                )
                curves[name] = {
                    "regtune (TPE + Hyperband)": pruned,
                    "regtune, no pruning": plain,
                    "RandomizedSearchCV + sklearn MLP": random,
                }
                target = final(plain)
                reach = time_to_reach(pruned, target)
                summary[name] = {
                    "final regtune": final(pruned),
                    "final no pruning": target,
                    "final RandomizedSearchCV": final(random),
                    "trials regtune": n_pruned_run,
                    "trials no pruning": n_plain_run,
                    "candidates RandomizedSearchCV": n_random,
                    "regtune reaches no-pruning final at s": reach,
                    "fraction of budget": None if reach is None else reach / args.budget,
                    "beats RandomizedSearchCV": bool(final(pruned) < final(random)),
                }
                print(f"== {name}", flush=True)
                for key, value in summary[name].items():
                    print(f"   {key:40s} {value}", flush=True)
        if args.only != "search":
            X, y = load_data()[0][1:3]
            # Rounds alternate 1 and 2 workers: on a shared VM single runs vary by up to 1.5x,
            # so the medians over rounds are reported, with every round.
            rates = {1: [], 2: []}
            for r in range(args.scaling_rounds):
                for n in (1, 2):
                    # Each run in a fresh process, as `regtune tune --workers n` starts: with one
                    # worker the trials run in that process, with two in the two it starts.
                    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
                        job = (X, y, n, args.scaling_budget, folder, f"r{r}", args.scaling_trial)
                        rate, _ = pool.submit(trials_per_minute, *job).result()
                    rates[n].append(rate)
                    print(f"   round {r + 1}: {n} worker(s) {rate:.1f} trials/min", flush=True)
            one, two = float(np.median(rates[1])), float(np.median(rates[2]))
            summary["workers"] = {
                "trials/min, 1 worker (median)": one,
                "trials/min, 2 workers (median)": two,
                "speed-up (ratio of medians)": two / one,
                "speed-up per round": [b / a for a, b in zip(rates[1], rates[2])],
                "rounds": args.scaling_rounds,
                "trial": args.scaling_trial,
                "cpu_count": os.cpu_count(),
            }
            print("== worker processes:", json.dumps(summary["workers"]), flush=True)
    if args.plot and curves:
        plot(curves, args.budget, args.plot)
        Path(args.plot).with_suffix(".json").write_text(
            json.dumps({"budget": args.budget, "curves": curves, "summary": summary}, indent=1)
        )
        print(f"plot: {args.plot}")


if __name__ == "__main__":
    main()
