"""Label smoothing 0.1 vs 0 in the tuner's default pipeline (build_pipeline), 3 seeds, 25% test.

fair and happiness come from the tables that ``bench_pipeline_defaults.py --export /tmp/regtune-tables``
writes (with the bench extras installed); breast cancer from scikit-learn::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_label_smoothing.py
"""

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split

from regtune._data import detect_columns
from regtune.tuning import build_pipeline

TABLES = Path("/tmp/regtune-tables")


def table(name):
    if name == "breast_cancer":
        X, y = load_breast_cancer(return_X_y=True, as_frame=True)
        return X, y.to_numpy()
    meta = json.loads((TABLES / f"{name}.json").read_text())
    frame = pd.read_csv(TABLES / f"{name}.csv")
    y = frame.pop(meta["target"]).to_numpy()
    for column in meta.get("categorical", []):
        frame[column] = frame[column].astype(str)
    return frame, y


def scores(X, y, eps, seed):
    train, test = train_test_split(np.arange(len(y)), test_size=0.25, random_state=seed, stratify=y)
    categorical, numeric = detect_columns(X)
    task = "binary" if len(set(y)) == 2 else "multiclass"
    model = build_pipeline(
        {"label_smoothing": eps}, task=task, categorical=categorical, numeric=numeric, seed=seed
    )
    model.fit(X.iloc[train], y[train])
    proba = model.predict_proba(X.iloc[test])
    return log_loss(y[test], proba, labels=model.classes_), accuracy_score(
        y[test], model.predict(X.iloc[test])
    )


def main():
    warnings.simplefilter("ignore")
    for name in ["breast_cancer", "fair", "happiness"]:
        X, y = table(name)
        for eps in (0.0, 0.1):
            ll, acc = np.array([scores(X, y, eps, seed) for seed in range(3)]).T
            print(
                f"{name:14s} label_smoothing={eps}: log loss {ll.mean():.4f} +- {ll.std():.4f}, "
                f"accuracy {acc.mean():.4f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
