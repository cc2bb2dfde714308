"""k-member networks (TabM-mini, ``n_members``) against the single network: test error and CPU time.

The question (issue #12): is there a member configuration with at least 2% lower error than the single
network at most 3 x its CPU time? The single network is regtune's untuned pipeline as it was
before the defaults took 3 members: ``TabularRegressor(n_members=1, width=256)`` /
``TabularClassifier(...)`` (3 x 256 units, early stopping, up to 50 epochs); every configuration
(``CONFIGS``) is the same pipeline with a few parameters changed (``n_members``, ``width``), fit on
the same rows, built by ``regtune.tuning.build_pipeline`` as the estimator's ``fit`` builds its
pipeline (``same-as-single`` checks that both fit the same network: same error, same epochs).
``k3-w160`` is today's default. ``ens2`` and ``ens3`` are the bound any 2- or 3-member
network can hope for at 2 or 3 x the CPU: that many independent untuned networks (random states
``seed``, ``seed + 1000``, ...) and their mean prediction (``regtune.ensemble.FoldEnsemble``).

Data: the 11 real tables of the quality benchmark (``quality_data.py``: the same loaders, splits and
seeds), capped at ``--max-rows`` rows (default 20,000, as the quality benchmark's published run).
Metrics: test RMSE (regression) or log loss (classification), scored as ``quality_arms.score`` does;
the CPU seconds of ``fit`` (``time.process_time`` of this process; one BLAS thread:
``threadpoolctl``, plus OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 in the environment, which the
script sets before numpy loads); the epochs trained (``n_iter_``) and ``best_epoch``, the epoch of
the highest validation score (``validation_scores_``: R^2 or accuracy on the held-out 10%; early
stopping keeps the weights of the lowest validation loss, which for a classifier may be another
epoch).

Summary per configuration, against ``single``:

* error: the shifted geometric mean (SGM) of error ratios of ``quality_report.summarize`` (nRMSE or
  log loss, means over seeds, shift 0.01);
* CPU: the geometric mean over tables of (mean CPU seconds of the configuration's fits) / (mean
  CPU seconds of the single network's fits);
* the goal is met when SGM <= 0.98 and the CPU ratio <= 3.0.

All fits run in this one process, one after the other, seed by seed (tables loaded once). After
every fit the results file (``--json``) is rewritten, so an interrupted run keeps its fits and
``--resume`` skips them.

Usage (from the repository root, with the bench extras installed)::

    python benchmarks/bench_members.py --datasets fair,injury --seeds 0 --configs k2,k4-w128
    python benchmarks/bench_members.py --seeds 0,1,2 --configs k2,k4-w128 \\
        --json docs/benchmarks-members.json --markdown /tmp/members.md
    python benchmarks/bench_members.py --json docs/benchmarks-members.json --report-only
"""

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

import quality_arms  # noqa: E402
import quality_data  # noqa: E402
import quality_report  # noqa: E402

REFERENCE = "single"
# configuration -> the pipeline parameters (the hyperparameter table's names) it changes from the defaults
SINGLE = {"n_members": 1, "width": 256}  # one network of 3 x 256: the defaults before 3 members
CONFIGS = {
    REFERENCE: SINGLE,
    "same-as-single": SINGLE,  # check: build_pipeline fits what the single network fits
    "k2": {"n_members": 2, "width": 256},
    "k3": {"n_members": 3, "width": 256},
    "k4": {"n_members": 4, "width": 256},
    "k2-w192": {"n_members": 2, "width": 192},
    "k3-w192": {"n_members": 3, "width": 192},
    "k3-w160": {"n_members": 3, "width": 160},
    "k4-w192": {"n_members": 4, "width": 192},
    "k4-w160": {"n_members": 4, "width": 160},
    "k4-w128": {"n_members": 4, "width": 128},
    "k5-w160": {"n_members": 5, "width": 160},
    "k6-w160": {"n_members": 6, "width": 160},
    "k8-w128": {"n_members": 8, "width": 128},
    "k8-w96": {"n_members": 8, "width": 96},
    # the bound: k independent untuned networks (seeds seed, seed + 1000, ...), their mean prediction
    "ens2": {**SINGLE, "independent_networks": 2},
    "ens3": {**SINGLE, "independent_networks": 3},
}
GOAL_ERROR, GOAL_CPU = 0.98, 3.0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", help=f"comma-separated subset of {','.join(quality_data.DATASETS)}")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated split and model seeds")
    parser.add_argument("--configs", help=f"comma-separated subset of {','.join(list(CONFIGS)[1:])}")
    parser.add_argument("--max-rows", type=int, default=20_000, help="row cap of a table (20,000)")
    parser.add_argument("--json", type=Path, help="results file, rewritten after every fit")
    parser.add_argument("--markdown", type=Path, help="write the summary tables here too")
    parser.add_argument("--resume", action="store_true", help="keep the fits already in --json")
    parser.add_argument("--report-only", action="store_true", help="only the tables from --json")
    args = parser.parse_args(argv)
    args.datasets = _choices("datasets", args.datasets, quality_data.DATASETS)
    args.configs = [REFERENCE] + [c for c in _choices("configs", args.configs, CONFIGS) if c != REFERENCE]
    args.seeds = [int(s) for s in args.seeds.split(",")]
    if (args.resume or args.report_only) and args.json is None:
        raise SystemExit("--resume and --report-only need --json")
    return args


def _choices(option, text, known):
    if not text:
        return list(known)
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"--{option} must name some of {', '.join(known)}, got unknown {', '.join(unknown)}")
    return names


def fit_one(table, train, test, seed, config):
    """Fit ``config`` on ``train``; its test metrics, CPU seconds of the fit and epochs."""
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    from regtune.ensemble import FoldEnsemble
    from regtune.tuning import build_pipeline

    params = dict(CONFIGS[config])
    independent = params.pop("independent_networks", None)
    if config == REFERENCE or independent:  # the quality benchmark's defaults arm, one network of 3 x 256
        models = [
            quality_arms.regtune_defaults(table, seed + 1000 * i, overrides=params)
            for i in range(independent or 1)
        ]
    else:  # what that estimator's fit builds, with the configuration's parameters on top
        kinds = {"categorical": table.categorical, "numeric": table.numeric}
        models = [build_pipeline(params, task=table.task, **kinds, seed=seed, n_rows=len(train))]
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cpu, wall = time.process_time(), time.perf_counter()
        for model in models:
            model.fit(table.X.iloc[train], table.y[train])
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        model = models[0] if len(models) == 1 else FoldEnsemble.from_members(models)
        n_classes = 0 if table.task == "regression" else int(table.y.max()) + 1
        metrics = quality_arms.score(table.task, table.y[test], model, table.X.iloc[test], n_classes)
    networks = [(m.pipeline_ if hasattr(m, "pipeline_") else m).named_steps["mlp"] for m in models]
    best_epochs = []
    for network in networks:
        scores = getattr(network, "validation_scores_", None)
        best_epochs.append(int(np.argmax(scores)) + 1 if scores else network.n_iter_)
    return {  # epochs: the mean over the networks of an ensemble of independent ones
        **metrics,
        "cpu_seconds": cpu,
        "wall_seconds": wall,
        "epochs": float(np.mean([network.n_iter_ for network in networks])),
        "best_epoch": float(np.mean(best_epochs)),
        "n_train": len(train),
    }


def _key(cell):
    return cell["dataset"], cell["seed"], cell["arm"]


def run(args):
    cells = json.loads(args.json.read_text())["cells"] if args.resume and args.json.exists() else []
    done = {_key(c) for c in cells}
    tables = {}
    for seed in args.seeds:  # seed by seed: a run cut short has every table for its first seeds
        for dataset in args.datasets:
            if dataset not in tables:
                tables[dataset] = quality_data.load(dataset, args.max_rows)
                print(quality_data.describe(tables[dataset]), flush=True)
            table = tables[dataset]
            train, test = quality_data.split(table, seed)
            for config in args.configs:
                if (dataset, seed, config) in done:
                    continue
                outcome = fit_one(table, train, test, seed, config)
                cell = {"dataset": dataset, "task": table.task, "seed": seed, "arm": config, "status": "ok"}
                cells.append({**cell, "params": CONFIGS[config], "max_rows": args.max_rows, **outcome})
                print(
                    f"  {dataset} seed {seed} {config}: error {outcome['error']:.5g}, "
                    f"{outcome['cpu_seconds']:.1f} CPU s, epochs {outcome['epochs']} "
                    f"(best {outcome['best_epoch']})",
                    flush=True,
                )
                if args.json:
                    _save(args.json, cells)
    return cells


def _save(path, cells):
    document = {"reference": REFERENCE, "shift": quality_report.SHIFT, "configs": CONFIGS, "cells": cells}
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(document, indent=1))
    os.replace(temporary, path)


def _mean(cells, dataset, config, key):
    values = [c[key] for c in cells if c["dataset"] == dataset and c["arm"] == config]
    return float(np.mean(values)) if values else None


def summary(cells):
    """Per configuration: SGM of error ratios, geometric-mean CPU ratio, and per table both ratios."""
    order = {name: i for i, name in enumerate(CONFIGS)}
    cells = sorted(cells, key=lambda c: (list(quality_data.DATASETS).index(c["dataset"]), order[c["arm"]]))
    errors = quality_report.summarize(cells, REFERENCE)
    rows = {}
    for config in errors["labels"]:
        per_table = {}
        for dataset, error_ratio in errors["ratios"].get(config, {}).items():
            seeds = {c["seed"] for c in cells if c["dataset"] == dataset and c["arm"] == config}
            both = [c for c in cells if c["dataset"] == dataset and c["seed"] in seeds]
            cpu = _mean(both, dataset, config, "cpu_seconds")
            cpu_ratio = cpu / _mean(both, dataset, REFERENCE, "cpu_seconds")
            epochs = _mean(both, dataset, config, "epochs")
            epochs_ratio = epochs / _mean(both, dataset, REFERENCE, "epochs")
            per_table[dataset] = {
                "error_ratio": error_ratio,
                "cpu_ratio": cpu_ratio,
                "epochs": epochs,
                "epochs_ratio": epochs_ratio,
            }
        if not per_table:
            continue
        cpu, epochs = (
            math.exp(np.mean([math.log(t[key]) for t in per_table.values()]))
            for key in ("cpu_ratio", "epochs_ratio")
        )
        rows[config] = {"sgm": errors["sgm"][config], "cpu": cpu, "epochs": epochs, "tables": per_table}
    return rows, errors


def markdown(cells):
    rows, errors = summary(cells)
    datasets = errors["datasets"]
    seeds = sorted({c["seed"] for c in cells})
    lines = [
        f"Seeds {', '.join(map(str, seeds))}; {len(datasets)} tables. Error: SGM of error ratios vs "
        f"{REFERENCE} (shift {quality_report.SHIFT}); CPU and epochs: geometric means of the ratios of "
        "their means over seeds; CPU per epoch = CPU ratio / epochs ratio.",
        "",
        "| configuration | parameters | error (SGM) | worst table | tables better | CPU ratio | worst CPU "
        "| epochs ratio | CPU per epoch | goal |",
        "|---|---|---:|---|---:|---:|---|---:|---:|---|",
    ]
    for config, row in rows.items():
        tables = row["tables"]
        worst_error = max(tables, key=lambda d: tables[d]["error_ratio"])
        worst_cpu = max(tables, key=lambda d: tables[d]["cpu_ratio"])
        better = sum(t["error_ratio"] < 1 for t in tables.values())
        met = row["sgm"] <= GOAL_ERROR and row["cpu"] <= GOAL_CPU
        params = ", ".join(f"{k}={v}" for k, v in CONFIGS[config].items())
        worst_error_text = f"{worst_error} {tables[worst_error]['error_ratio']:.3f}"
        lines.append(
            f"| {config} | {params} | {row['sgm']:.3f} | {worst_error_text} | {better}/{len(tables)}"
            f" | {row['cpu']:.2f} | {worst_cpu} {tables[worst_cpu]['cpu_ratio']:.2f} | {row['epochs']:.2f}"
            f" | {row['cpu'] / row['epochs']:.2f} | "
            f"{'reference' if config == REFERENCE else '**met**' if met else 'not met'} |"
        )
    configs = list(rows)
    lines += ["", "Per table: error ratio / CPU ratio vs single (single: mean error, CPU s, epochs).", ""]
    lines.append("| data set | single | " + " | ".join(configs[1:]) + " |")
    lines.append("|---|---:|" + "---:|" * (len(configs) - 1))
    for dataset in datasets:
        base = errors["means"].get((dataset, REFERENCE))
        if base is None:
            continue
        single_epochs = _mean(cells, dataset, REFERENCE, "epochs")
        error = f"{base['error']:,.0f}" if base["error"] >= 1000 else f"{base['error']:.4g}"
        text = [f"{error}, {base['cpu_seconds']:.1f} s, {single_epochs:.0f} ep"]
        for config in configs[1:]:
            table = rows[config]["tables"].get(dataset)
            text.append("-" if table is None else f"{table['error_ratio']:.3f} / {table['cpu_ratio']:.2f}")
        lines.append(f"| {dataset} | " + " | ".join(text) + " |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    args = parse_args(argv)
    cells = json.loads(args.json.read_text())["cells"] if args.report_only else run(args)
    text = markdown(cells)
    print(text)
    if args.markdown:
        args.markdown.write_text(text)


if __name__ == "__main__":
    main()
