"""Would averaging the best few trials beat the best trial? A sizing experiment for the final model.

``tune``'s final model is the best trial's fold ensemble. Every trial that ends with a model
(complete, or stopped by the deadline) hands its fold ensemble to the study's ``BestModel``
(``_best_model.BestModel.offer``); this script wraps that method to keep every one of them, runs
``regtune.tune`` as the quality benchmark's ``regtune-tune`` arm does (same tables, split, budget,
one worker, in-memory study), and then scores on the test rows the uniform average of the top
``k`` trials by cross-validated score (``k = 1`` is ``tune``'s own final model; the average is over
the trials' predictions, or probabilities for classifiers, each trial's fold ensemble counting
once). Nothing here changes ``tune``: keeping the models costs memory, not search time (a
``FoldEnsemble.from_members`` of snapshots the trial made anyway).

Run (one table after the other; ``--budget`` seconds each; pin it to one core)::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 PYTHONPATH=src taskset -c 0 .venv-bench/bin/python \\
        benchmarks/bench_trial_ensembles.py --datasets all --budget 300 --json out.json
    .venv-bench/bin/python benchmarks/bench_trial_ensembles.py --report out.json [more.json ...]

Needs the quality benchmark's data packages (``.[bench]``).
"""

import argparse
import json
import math
import time
import warnings
from pathlib import Path

import numpy as np

import quality_arms
import quality_data
from quality_report import SHIFT

KS = (1, 2, 3, 5, 8)


def run_table(name, budget, seed, max_rows):
    """Tune ``name``'s seed split for ``budget`` seconds keeping every trial's fold ensemble;
    the test error of the average of the top k trials, for each k of ``KS``."""
    from regtune.ensemble import FoldEnsemble
    from regtune.tuning import _best_model

    table = quality_data.load(name, max_rows)
    train, test = quality_data.split(table, seed)
    offered = []
    original = _best_model.BestModel.offer

    def offer(self, trial, score, complete, make_model):
        model = make_model()
        offered.append((trial.number, float(score), bool(complete), model))
        return original(self, trial, score, complete, lambda: model)

    _best_model.BestModel.offer = offer
    started = time.perf_counter()
    try:  # the quality benchmark's regtune-tune arm itself
        final_model, _ = quality_arms._fit_tune(table, train, seed, {"budget": budget})
    finally:
        _best_model.BestModel.offer = original
    wall = time.perf_counter() - started
    # best first, as final_trial orders them: score (RMSE and log loss are minimized), complete
    # before deadline-stopped, then the trial number
    ranked = sorted(offered, key=lambda o: (o[1], not o[2], o[0]))
    n_classes = 0 if table.task == "regression" else int(table.y.max()) + 1
    X_test, y_test = table.X.iloc[test].reset_index(drop=True), table.y[test]
    errors = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        own = quality_arms.score(table.task, y_test, final_model, X_test, n_classes)
        for k in KS:
            if k <= len(ranked):
                model = FoldEnsemble.from_members([o[3] for o in ranked[:k]])  # each trial once
                errors[k] = quality_arms.score(table.task, y_test, model, X_test, n_classes)["error"]
    row = {
        "dataset": name,
        "task": table.task,
        "seed": seed,
        "budget": budget,
        "wall": wall,
        "trials_with_model": len(ranked),
        "top": [[o[0], o[1], o[2]] for o in ranked[: max(KS)]],
        "own_error": own["error"],
        "target_std": float(np.std(y_test)) if table.task == "regression" else None,
        "errors": errors,
    }
    shown = " ".join(f"k={k} {e:.4g}" for k, e in errors.items())
    print(f"{name:11} {len(ranked):3d} trials with a model, own {own['error']:.4g}; {shown}", flush=True)
    return row


def _normalized(row, error):
    return error / row["target_std"] if row["task"] == "regression" else error


TOLERANCES = (0.01, 0.02)  # "within t": the top k whose CV scores are all within t of the best


def _k_within(row, errors, tolerance):
    """The largest measured k whose top-k trials all have a CV score within ``tolerance`` (a
    fraction) of the best trial's: a rule a final model could apply without the test rows."""
    best = row["top"][0][1]
    close = sum(1 for _, score, _ in row["top"] if abs(score - best) <= tolerance * abs(best))
    return max(k for k in errors if k <= close)


def report(rows):
    """Per table the error of the top-k average / the best trial's, the same for the rule "the top
    trials within 1 % (2 %) of the best CV score", and their shifted geometric means (the quality
    benchmark's shift), as markdown."""
    ks = [k for k in KS if any(k in {int(key) for key in r["errors"]} for r in rows)]
    labels = [f"top {k} / best" for k in ks[1:]] + [f"within {t:.0%}: k, / best" for t in TOLERANCES]
    lines = [
        "| data set | seed | trials with a model | best trial's test error | " + " | ".join(labels) + " |",
        "|---|---:|---:|---:|" + "---:|" * len(labels),
    ]
    logs = {label: [] for label in labels}
    for r in rows:
        errors = {int(k): v for k, v in r["errors"].items()}
        ratio = {
            k: (_normalized(r, e) + SHIFT) / (_normalized(r, errors[1]) + SHIFT) for k, e in errors.items()
        }
        cells = []
        for k, label in zip(ks[1:], labels, strict=False):
            if k in errors:
                logs[label].append(math.log(ratio[k]))
                cells.append(f"{ratio[k]:.3f}")
            else:
                cells.append("-")
        for t, label in zip(TOLERANCES, labels[len(ks) - 1 :], strict=True):
            k = _k_within(r, errors, t)
            logs[label].append(math.log(ratio[k]))
            cells.append(f"{k}, {ratio[k]:.3f}")
        lines.append(
            f"| {r['dataset']} | {r['seed']} | {r['trials_with_model']} | {errors[1]:.4g} | "
            + " | ".join(cells)
            + " |"
        )
    sgm = [f"**{math.exp(np.mean(v)):.3f}** ({len(v)})" if v else "-" for v in logs.values()]
    lines.append("| **SGM (tables)** | | | | " + " | ".join(sgm) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="all", help="comma list of quality tables, or all")
    parser.add_argument("--budget", type=float, default=300.0, help="seconds of tune per table")
    parser.add_argument("--seed", type=int, default=0, help="split and search seed")
    parser.add_argument("--max-rows", type=int, default=quality_data.MAX_ROWS)
    parser.add_argument("--json", help="write the rows there (rewritten after each table)")
    parser.add_argument("--report", nargs="+", metavar="JSON", help="only print the table of these files")
    args = parser.parse_args()
    if args.report:
        rows = [r for path in args.report for r in json.loads(Path(path).read_text())["rows"]]
        print(report(rows))
        return
    names = list(quality_data.DATASETS) if args.datasets == "all" else args.datasets.split(",")
    rows = []
    for name in names:
        rows.append(run_table(name, args.budget, args.seed, args.max_rows))
        if args.json:
            Path(args.json).write_text(json.dumps({"rows": rows}, indent=1, default=str))
    print(report(rows))


if __name__ == "__main__":
    main()
