"""Ablation of the training recipe (issue #12, item 4) on one fixed, untuned network.

Every arm trains the same network (3 hidden layers of 256 ReLU units, batch 256, Adam at
``learning_rate_init=1e-3``, ``alpha=1e-4``, the whole epoch budget: ``n_iter_no_change=inf``) on
the same preprocessed splits; only the recipe's options differ:

* ``base``: today's defaults (constant learning rate, beta_2 0.999, Glorot, no dropout or decay,
  plain labels and targets, the last epoch kept);
* ``+X``: the base with one element switched on;
* ``recipe``: every element on (RealMLP-TD's values: coslog4, beta_2 0.95, dropout 0.15 and
  weight decay 0.02 both flat_cos, label smoothing 0.1 or standardized targets, data init, best
  epoch);
* ``recipe -X``: the recipe with one element switched off (RealMLP's Table B.1 style).

Inputs: numeric columns robust-scaled and smoothly clipped (``regtune.preprocessing.NumericScaler``
defaults), categorical columns one-hot (``CategoricalEncoder(max_onehot=64)``), fitted on the
training rows of each split (``train_test_split(test_size=0.25, random_state=seed)``, stratified for
classification). Metrics on the test rows: RMSE (regression), log loss and accuracy (classification).

Data: ``cps1988`` (regtune's bundled table, target log(wage)), ``breast_cancer`` (scikit-learn) and
``txhousing`` (plotnine, target the median price, ~1.3e5), read from a CSV that the quality
benchmark's environment writes::

    cd benchmarks && <venv with plotnine>/bin/python -c "import quality_data as q; t = q.load('txhousing'); \\
        f = t.X.copy(); f['target'] = t.y; f.to_csv('/tmp/recipe_bench/txhousing.csv', index=False)"

Run (results are appended to ``--out`` as JSON lines, and cells already there are skipped)::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_recipe.py \\
        --out /tmp/recipe_bench/results.jsonl
"""

import argparse
import json
import math
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error
from sklearn.model_selection import train_test_split

from regtune import MLPClassifier, MLPRegressor
from regtune.preprocessing import CategoricalEncoder, NumericScaler

BASE = dict(
    hidden_layer_sizes=(256, 256, 256),
    batch_size=256,
    learning_rate_init=1e-3,
    n_iter_no_change=math.inf,
)
EPOCHS = {"cps1988": 30, "breast_cancer": 100, "txhousing": 50}
# Each element: (name, its "on" settings, its "off" settings, the task it applies to or None).
ELEMENTS = [
    ("flat_cos", {"learning_rate": "flat_cos"}, {"learning_rate": "constant"}, None),
    ("coslog4", {"learning_rate": "coslog4"}, {"learning_rate": "constant"}, None),
    ("beta_2=0.95", {"beta_2": 0.95}, {"beta_2": 0.999}, None),
    ("dropout 0.15", {"dropout": 0.15}, {"dropout": 0.0}, None),
    (
        "dropout flat_cos",
        {"dropout": 0.15, "dropout_schedule": "flat_cos"},
        {"dropout_schedule": "constant"},
        None,
    ),
    ("wd 0.02", {"weight_decay": 0.02}, {"weight_decay": 0.0}, None),
    (
        "wd flat_cos",
        {"weight_decay": 0.02, "weight_decay_schedule": "flat_cos"},
        {"weight_decay_schedule": "constant"},
        None,
    ),
    ("label_smoothing 0.1", {"label_smoothing": 0.1}, {"label_smoothing": 0.0}, "classification"),
    ("standardize_target", {"standardize_target": True}, {"standardize_target": False}, "regression"),
    ("init data", {"init": "data"}, {"init": "glorot"}, None),
    ("best_epoch", {"early_stopping": "best_epoch"}, {"early_stopping": False}, None),
]
RECIPE_PARTS = ("coslog4", "beta_2=0.95", "dropout flat_cos", "wd flat_cos", "label_smoothing 0.1",
                "standardize_target", "init data", "best_epoch")  # fmt: skip


def arms(task):
    """``[(arm name, estimator settings), ...]`` for a task ("regression" or "classification")."""
    elements = [e for e in ELEMENTS if e[3] in (None, task)]
    out = [("base", {})]
    out += [(f"+{name}", on) for name, on, _, _ in elements]
    recipe = {}
    for name, on, _, _ in elements:
        if name in RECIPE_PARTS:
            recipe.update(on)
    out.append(("recipe", recipe))
    for name, _, off, _ in elements:
        if name in RECIPE_PARTS:
            ablated = {**recipe, **off}
            if name == "dropout flat_cos":  # off = constant dropout 0.15
                ablated["dropout"] = 0.15
            if name == "wd flat_cos":
                ablated["weight_decay"] = 0.02
            out.append((f"recipe -{name}", ablated))
    out.append(("recipe -dropout", {**recipe, "dropout": 0.0}))
    out.append(("recipe -wd", {**recipe, "weight_decay": 0.0}))
    return out


def load(name, csv_dir):
    """``(X frame, y, task, categorical, numeric)``."""
    if name == "cps1988":
        from regtune.datasets import load_dataset

        frame = load_dataset("cps1988")
        X, y, task = frame.drop(columns="wage"), np.log(frame["wage"].to_numpy(float)), "regression"
    elif name == "breast_cancer":
        from sklearn.datasets import load_breast_cancer

        bunch = load_breast_cancer(as_frame=True)
        X, y, task = bunch.data, bunch.target.to_numpy(), "classification"
    else:
        frame = pd.read_csv(Path(csv_dir) / f"{name}.csv")
        X, y, task = frame.drop(columns="target"), frame["target"].to_numpy(float), "regression"
    categorical = [c for c in X.columns if X[c].dtype.kind not in "fiub"]
    numeric = [c for c in X.columns if c not in categorical]
    return X, y, task, categorical, numeric


def prepared_split(X, y, task, categorical, numeric, seed):
    """Preprocessed ``(X_train, X_test, y_train, y_test)`` of one seed."""
    rows = np.arange(len(y))
    train, test = train_test_split(
        rows, test_size=0.25, random_state=seed, stratify=y if task == "classification" else None
    )
    steps = [("num", NumericScaler(), numeric)]
    if categorical:
        steps.append(("cat", CategoricalEncoder(max_onehot=64), categorical))
    columns = ColumnTransformer(steps)
    X_train = columns.fit_transform(X.iloc[train], y[train]).astype(np.float32)
    X_test = columns.transform(X.iloc[test]).astype(np.float32)
    return X_train, X_test, y[train], y[test]


def run_cell(task, params, data, seed, epochs):
    X_train, X_test, y_train, y_test = data
    Est = MLPRegressor if task == "regression" else MLPClassifier
    model = Est(**BASE, **params, max_iter=epochs, random_state=seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    if task == "regression":
        return {"rmse": float(np.sqrt(mean_squared_error(y_test, model.predict(X_test)))), "seconds": seconds}
    proba = model.predict_proba(X_test)
    return {
        "log_loss": float(log_loss(y_test, proba, labels=model.classes_)),
        "accuracy": float(accuracy_score(y_test, model.classes_[proba.argmax(axis=1)])),
        "seconds": seconds,
    }


def table(results, datasets):
    """A markdown table: one row per arm, per data set the mean metric over seeds (ratio to base)."""
    by_cell = {}
    for r in results:
        by_cell.setdefault((r["dataset"], r["arm"]), []).append(r)
    names = []
    for r in results:
        if r["arm"] not in names:
            names.append(r["arm"])
    header = ["arm"]
    for d in datasets:
        header += [f"{d} RMSE" if d != "breast_cancer" else f"{d} log loss", "ratio"]
        if d == "breast_cancer":
            header.append("accuracy")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for arm in names:
        row = [arm]
        for d in datasets:
            key = "log_loss" if d == "breast_cancer" else "rmse"
            cell = by_cell.get((d, arm))
            base = by_cell.get((d, "base"))
            if not cell:
                row += ["", ""] + ([""] if d == "breast_cancer" else [])
                continue
            values = np.array([c[key] for c in cell])
            ratio = values.mean() / np.mean([c[key] for c in base]) if base else math.nan
            row += [f"{values.mean():.4g} ± {values.std():.2g}", f"{ratio:.3f}"]
            if d == "breast_cancer":
                row.append(f"{np.mean([c['accuracy'] for c in cell]):.4f}")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["cps1988", "breast_cancer", "txhousing"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--csv-dir", default="/tmp/recipe_bench")
    parser.add_argument("--out", default="/tmp/recipe_bench/results.jsonl")
    parser.add_argument("--arms", nargs="*", help="only these arms (default: all)")
    args = parser.parse_args()
    out = Path(args.out)
    results = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    done = {(r["dataset"], r["arm"], r["seed"]) for r in results}
    for name in args.datasets:
        X, y, task, categorical, numeric = load(name, args.csv_dir)
        for seed in args.seeds:
            data = prepared_split(X, y, task, categorical, numeric, seed)
            for arm, params in arms(task):
                if (name, arm, seed) in done or (args.arms and arm not in args.arms):
                    continue
                record = {"dataset": name, "arm": arm, "seed": seed, "params": params}
                record.update(run_cell(task, params, data, seed, EPOCHS[name]))
                results.append(record)
                with out.open("a") as file:
                    file.write(json.dumps(record) + "\n")
                print(json.dumps(record), flush=True)
    print(table(results, args.datasets))


if __name__ == "__main__":
    main()
