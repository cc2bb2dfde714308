"""The default trial's final model against the untuned estimator it stands for.

When no searched trial beats ``tune``'s first trial (the untuned default configuration), the final
model is that trial's fold ensemble: ``cv`` networks, each trained on ``(cv - 1) / cv`` of the
rows with its best epoch chosen on its own validation fold. The untuned estimator
(``TabularRegressor()`` / ``TabularClassifier()``) is one network on all rows, 10 % of them held
out for early stopping. The goal "at T = 60 s never worse than the untuned defaults" compares the
two; this script measures them apart from any search, on the quality benchmark's tables and
splits:

* ``untuned``: the untuned estimator with random states ``0 .. --untuned-seeds - 1`` (one
  training seed's error is itself a draw; their mean is the reference);
* ``ensemble``: ``tune(..., n_trials=1, timeout=--budget, cv=k)``'s final model for each ``k`` of
  ``--cv`` (trial 0 alone, as it runs first in a search; ``seed`` = the split seed). The budget
  sizes it as in a search: at the default 60 s the members rule gives the 15,000-row tables one
  network of 3 x 160 (the untuned estimator trains 3 members), and its epochs stop at its share
  of the budget (half when the figures of docs/benchmarks.md were measured, three quarters since
  2026-12-01);
* ``refit``: that trial's configuration fit once on all rows for its best epoch (what
  ``final_model="refit"`` gives), from the study of the first ``k``.

Run (pin it to one core)::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 PYTHONPATH=src taskset -c 1 .venv-bench/bin/python \\
        benchmarks/bench_default_trial.py --datasets all --seeds 0,1,2 --json out.json
    .venv-bench/bin/python benchmarks/bench_default_trial.py --report out.json

Needs the quality benchmark's data packages (``.[bench]``).
"""

import argparse
import json
import statistics
import time
import warnings
from pathlib import Path

import numpy as np

import quality_arms
import quality_data


def run_cell(table, name, seed, budget, cvs, untuned_seeds):
    """One table (``quality_data.load``'s) and split: the errors of every arm (and their seconds)."""
    import regtune
    from regtune.tuning import refit_best

    train, test = quality_data.split(table, seed)
    X, y = table.X.iloc[train].reset_index(drop=True), table.y[train]
    X_test, y_test = table.X.iloc[test].reset_index(drop=True), table.y[test]
    n_classes = 0 if table.task == "regression" else int(table.y.max()) + 1

    def error(model):
        return quality_arms.score(table.task, y_test, model, X_test, n_classes)["error"]

    row = {"dataset": name, "seed": seed, "rows": len(y), "untuned": [], "ensemble": {}, "seconds": {}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        started = time.perf_counter()
        for random_state in range(untuned_seeds):
            row["untuned"].append(error(quality_arms.regtune_defaults(table, random_state).fit(X, y)))
        row["seconds"]["untuned"] = (time.perf_counter() - started) / untuned_seeds
        study = None
        for cv in cvs:
            started = time.perf_counter()
            result = regtune.tune(
                X,
                y,
                task=table.task,
                categorical=table.categorical,
                timeout=budget,
                n_trials=1,
                cv=cv,
                storage="sqlite:///:memory:",
                seed=seed,
                progress=False,
            )
            row["seconds"][f"ensemble_cv{cv}"] = time.perf_counter() - started
            row["ensemble"][str(cv)] = error(result.best_pipeline)
            if study is None:
                study = result.study
        (trial,) = study.get_trials(deepcopy=False)
        row["best_epoch"] = trial.user_attrs.get("best_epoch")
        started = time.perf_counter()
        refit = refit_best(study, X, y)
        row["seconds"]["refit"] = time.perf_counter() - started
        row["refit"] = error(refit)
    return row


def _ratio_text(values, references):
    """ "geometric mean (worst)" of ``values / references``."""
    ratios = [v / m for v, m in zip(values, references, strict=True)]
    return f"{np.exp(np.mean(np.log(ratios))):.3f} ({max(ratios):.3f})"


def report(rows):
    """Per table: each arm's error over the untuned mean (geometric mean over seeds, and the
    worst seed), the spread of the untuned seeds."""
    cvs = sorted({cv for r in rows for cv in r["ensemble"]}, key=int)
    header = ["data set", "seeds", "untuned mean", "untuned seeds min-max / mean"]
    header += [f"ensemble cv={cv} / mean (worst)" for cv in cvs] + ["refit / mean (worst)"]
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    for name in dict.fromkeys(r["dataset"] for r in rows):
        mine = [r for r in rows if r["dataset"] == name]
        means = [statistics.mean(r["untuned"]) for r in mine]
        spread = [(min(r["untuned"]) / m, max(r["untuned"]) / m) for r, m in zip(mine, means, strict=True)]

        cells = [
            name,
            str(len(mine)),
            f"{statistics.mean(means):.4g}",
            f"{min(s[0] for s in spread):.3f}-{max(s[1] for s in spread):.3f}",
        ]
        for cv in cvs:
            complete = all(cv in r["ensemble"] for r in mine)
            cells.append(_ratio_text([r["ensemble"][cv] for r in mine], means) if complete else "-")
        cells.append(_ratio_text([r["refit"] for r in mine], means))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="all", help="comma list of quality tables, or all")
    parser.add_argument("--seeds", default="0,1,2", help="comma list of split seeds")
    parser.add_argument("--cv", default="5", help="comma list of fold counts of the default trial")
    parser.add_argument("--untuned-seeds", type=int, default=3, help="random states of the untuned fits")
    parser.add_argument(
        "--budget", type=float, default=60.0, help="tune's timeout (the trial's share: three quarters)"
    )
    parser.add_argument("--max-rows", type=int, default=20_000)
    parser.add_argument("--json", help="write the rows there (rewritten after each cell)")
    parser.add_argument("--report", nargs="+", metavar="JSON", help="only print the table of these files")
    args = parser.parse_args()
    if args.untuned_seeds < 1:
        parser.error(f"--untuned-seeds must be at least 1, got {args.untuned_seeds}")
    if args.report:
        print(report([r for path in args.report for r in json.loads(Path(path).read_text())["rows"]]))
        return
    names = list(quality_data.DATASETS) if args.datasets == "all" else args.datasets.split(",")
    cvs = [int(cv) for cv in args.cv.split(",")]
    rows = []
    for name in names:
        table = quality_data.load(name, args.max_rows)
        for seed in (int(s) for s in args.seeds.split(",")):
            rows.append(run_cell(table, name, seed, args.budget, cvs, args.untuned_seeds))
            print(json.dumps(rows[-1]), flush=True)
            if args.json:
                Path(args.json).write_text(json.dumps({"rows": rows}, indent=1))
    print(report(rows))


if __name__ == "__main__":
    main()
