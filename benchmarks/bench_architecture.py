"""Test error and CPU time of each architecture option of regtune's MLP, switched on one at a time.

Run (one BLAS thread; a few minutes per data set and seed)::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_architecture.py \\
        --datasets cps1988 breast_cancer --seeds 0 1 2
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_architecture.py --predict

The data sets: ``cps1988`` (regtune's own, log wage), ``breast_cancer`` (scikit-learn's), and any
table of the quality benchmark dumped first to CSV by the interpreter that has its packages::

    .venv-bench/bin/python benchmarks/bench_architecture.py --dump diamonds txhousing fair \\
        --data-dir /tmp/embed_data

Every arm trains the same fixed, untuned network: hidden (256, 256, 256), relu, dropout 0.1, Adam
at 1e-3, batch 128, float32, early stopping (10% of the training rows held out, patience 10, at most
100 epochs, the best epoch's weights kept); the regression target is standardized on the training
rows. The columns reach
it preprocessed as the tuned pipeline's new recipe does (``CategoricalEncoder(max_onehot=8)``:
one-hot, +-1 or target encoding; ``NumericScaler``: robust scaling, smooth clipping, missing
indicators; target encodings of the standardized regression target). Each arm adds one option
(``ARMS``). A seed's split is 75/25, stratified for
classification. Metrics: test RMSE (regression, in the target's units) or log loss and accuracy;
CPU seconds of ``fit`` (``time.process_time``, one thread). ``--predict`` times ``predict`` of a
fitted (256, 256, 256) regressor on 100,000 x 20 rows per option instead.
"""

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error
from sklearn.model_selection import train_test_split

from regtune.neural_network import MLPClassifier, MLPRegressor
from regtune.preprocessing import CategoricalEncoder, NumericScaler

ARMS = {
    "base": {},
    "feature_scaling": {"feature_scaling": True},
    "pbld": {"numeric_embedding": "pbld"},
    "plr": {"numeric_embedding": "plr"},
    "ple": {"numeric_embedding": "ple"},
    "n_members=4": {"n_members": 4},
    "pbld+scaling": {"numeric_embedding": "pbld", "feature_scaling": True},
}
NETWORK = {
    "hidden_layer_sizes": (256, 256, 256),
    "dropout": 0.1,
    "learning_rate_init": 1e-3,
    "batch_size": 128,
    "early_stopping": True,
    "n_iter_no_change": 10,
    "max_iter": 100,
}


def load(name, data_dir):
    """``(X frame, y, task, categorical, numeric)`` of a data set."""
    if name == "cps1988":
        from regtune.datasets import load_dataset

        X, y = load_dataset("cps1988", return_X_y=True)
        categorical = [c for c in X.columns if X[c].dtype.kind not in "fiub"]
        numeric = [c for c in X.columns if c not in categorical]
        return X, np.log(y.to_numpy(dtype=float)), "regression", categorical, numeric
    if name == "breast_cancer":
        from sklearn.datasets import load_breast_cancer

        X, y = load_breast_cancer(return_X_y=True, as_frame=True)
        return X, y.to_numpy(), "binary", [], list(X.columns)
    meta = json.loads((Path(data_dir) / f"{name}.json").read_text())
    frame = pd.read_csv(Path(data_dir) / f"{name}.csv")
    y = frame.pop("__y__").to_numpy()
    for column in meta["categorical"]:
        frame[column] = frame[column].astype(str).astype("category")
    return frame, y, meta["task"], meta["categorical"], meta["numeric"]


def dump(names, data_dir):
    """Write the quality benchmark's tables as CSV (run by the interpreter that has their packages)."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    import quality_data

    Path(data_dir).mkdir(parents=True, exist_ok=True)
    for name in names:
        table = quality_data.load(name, max_rows=10_000)
        table.X.assign(__y__=table.y).to_csv(Path(data_dir) / f"{name}.csv", index=False)
        meta = {"task": table.task, "categorical": table.categorical, "numeric": table.numeric}
        (Path(data_dir) / f"{name}.json").write_text(json.dumps(meta))
        print(name, table.X.shape, table.task)


def preprocess(X_train, X_test, y_train, task, categorical, numeric, seed):
    parts = [("numeric", NumericScaler(), numeric)]
    if categorical:
        target_type = "continuous" if task == "regression" else task
        encoder = CategoricalEncoder(max_onehot=8, target_type=target_type, random_state=seed)
        parts.append(("categorical", encoder, categorical))
    columns = ColumnTransformer(parts, sparse_threshold=0.0)
    train = columns.fit_transform(X_train, y_train).astype(np.float32)
    return train, columns.transform(X_test).astype(np.float32)


def run_arm(arm, X_train, y_train, X_test, y_test, task, seed):
    params = {**NETWORK, **ARMS[arm], "random_state": seed}
    if task == "regression":
        mean, std = y_train.mean(), y_train.std()
        model = MLPRegressor(**params)
        start = time.process_time()
        model.fit(X_train, (y_train - mean) / std)
        seconds = time.process_time() - start
        prediction = model.predict(X_test) * std + mean
        rmse = float(np.sqrt(mean_squared_error(y_test, prediction)))
        return {"rmse": rmse, "cpu_s": seconds, "epochs": model.n_iter_}
    model = MLPClassifier(**params)
    start = time.process_time()
    model.fit(X_train, y_train)
    seconds = time.process_time() - start
    proba = model.predict_proba(X_test)
    return {
        "log_loss": float(log_loss(y_test, proba, labels=model.classes_)),
        "accuracy": float(accuracy_score(y_test, model.classes_[proba.argmax(axis=1)])),
        "cpu_s": seconds,
        "epochs": model.n_iter_,
    }


def quality(datasets, seeds, arms, data_dir, out):
    results = json.loads(Path(out).read_text()) if out and Path(out).exists() else []
    done = {(r["dataset"], r["seed"], r["arm"]) for r in results}
    for name in datasets:
        X, y, task, categorical, numeric = load(name, data_dir)
        for seed in seeds:
            stratify = y if task != "regression" else None
            X_tr, X_te, y_tr, y_te = train_test_split(
                X, y, test_size=0.25, random_state=seed, stratify=stratify
            )
            # target encodings in standard units, as the network's target (not in dollars)
            y_enc = (y_tr - y_tr.mean()) / y_tr.std() if task == "regression" else y_tr
            X_tr, X_te = preprocess(X_tr, X_te, y_enc, task, categorical, numeric, seed)
            for arm in arms:
                if (name, seed, arm) in done:
                    continue
                record = {
                    "dataset": name,
                    "seed": seed,
                    "arm": arm,
                    **run_arm(arm, X_tr, y_tr, X_te, y_te, task, seed),
                }
                print(json.dumps(record), flush=True)
                results.append(record)
                if out:
                    Path(out).write_text(json.dumps(results, indent=1))
    print(table(results, arms))


def table(results, arms):
    """Markdown: per data set the mean error over seeds, the geometric mean over seeds of the
    error's ratio to base on the same split (paired), and the mean fit CPU seconds and epochs."""
    frame = pd.DataFrame(results)
    lines = []
    for name, rows in frame.groupby("dataset", sort=False):
        metric = "rmse" if "rmse" in rows and rows["rmse"].notna().any() else "log_loss"
        base = rows[rows.arm == "base"].set_index("seed")[metric]
        lines += [f"\n{name} ({metric}, {rows.seed.nunique()} seeds)", ""]
        lines += [
            f"| arm | {metric} | ratio to base (paired) | fit CPU s | epochs |",
            "|---|---|---|---|---|",
        ]
        for arm in arms:
            sel = rows[rows.arm == arm].set_index("seed")
            if sel.empty:
                continue
            err = sel[metric]
            ratio = float(np.exp(np.log(err / base.reindex(err.index)).mean()))
            spread = f" ± {err.std():.4f}" if len(err) > 1 else ""
            extra = f", acc {sel['accuracy'].mean():.4f}" if metric == "log_loss" else ""
            cpu, epochs = sel["cpu_s"].mean(), sel["epochs"].mean()
            lines.append(
                f"| {arm} | {err.mean():.4f}{spread}{extra} | {ratio:.3f} | {cpu:.1f} | {epochs:.0f} |"
            )
    return "\n".join(lines)


def predict_times(n_rows=100_000, n_features=20, repeats=3):
    """Median CPU seconds of ``predict`` on ``n_rows`` rows for each option (5 epochs of training)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n_rows, n_features)).astype(np.float32)
    y = np.sin(X[:, 0]) + X[:, 1] * X[:, 2]
    for arm, options in ARMS.items():
        model = MLPRegressor((256, 256, 256), max_iter=2, random_state=0, **options).fit(X[:2000], y[:2000])
        times = []
        for _ in range(repeats):
            start = time.process_time()
            model.predict(X)
            times.append(time.process_time() - start)
        folded = "folded" if model.coefs_ is not None else "layer steps"
        print(f"| {arm} | {statistics.median(times):.2f} | {folded} |", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=["cps1988", "breast_cancer"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--arms", nargs="+", default=list(ARMS), choices=list(ARMS))
    parser.add_argument("--data-dir", default="/tmp/embed_data")
    parser.add_argument("--out", default=None, help="JSON file of the records (resumed when it exists)")
    parser.add_argument("--dump", nargs="+", default=None, help="write these quality tables as CSV and stop")
    parser.add_argument("--predict", action="store_true", help="time predict on 100,000 rows instead")
    args = parser.parse_args()
    if args.dump:
        dump(args.dump, args.data_dir)
    elif args.predict:
        print("| option | predict CPU s (100,000 x 20) | path |\n|---|---|---|")
        predict_times()
    else:
        quality(args.datasets, args.seeds, args.arms, args.data_dir, args.out)


if __name__ == "__main__":
    main()
