"""Label smoothing 0.1 vs 0 in the tuner's default pipeline (build_pipeline), 3 seeds, 25% test.

fair and happiness come from the tables that ``bench_pipeline_defaults.py --export /tmp/regtune-tables``
writes (with the bench extras installed); breast cancer from scikit-learn::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_label_smoothing.py
"""

import json
import warnings

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split

warnings.simplefilter("ignore")
from regtune._data import detect_columns
from regtune.tuning import build_pipeline


def table(name):
    if name == "breast_cancer":
        X, y = load_breast_cancer(return_X_y=True, as_frame=True)
        return X, y.to_numpy()
    meta = json.load(open(f"/tmp/regtune-tables/{name}.json"))
    frame = pd.read_csv(f"/tmp/regtune-tables/{name}.csv")
    target = meta.get("target", frame.columns[-1])
    y = frame.pop(target).to_numpy()
    for c in meta.get("categorical", []):
        frame[c] = frame[c].astype(str)
    return frame, y


for name in ["breast_cancer", "fair", "happiness"]:
    X, y = table(name)
    for eps in (0.0, 0.1):
        ll, acc = [], []
        for seed in range(3):
            tr, te = train_test_split(np.arange(len(y)), test_size=0.25, random_state=seed, stratify=y)
            cat, num = detect_columns(X)
            task = "binary" if len(set(y)) == 2 else "multiclass"
            m = build_pipeline({"label_smoothing": eps}, task=task, categorical=cat, numeric=num, seed=seed)
            m.fit(X.iloc[tr], y[tr])
            p = m.predict_proba(X.iloc[te])
            ll.append(log_loss(y[te], p, labels=m.classes_))
            acc.append(accuracy_score(y[te], m.predict(X.iloc[te])))
        print(
            f"{name:14s} label_smoothing={eps}: log loss {np.mean(ll):.4f} +- {np.std(ll):.4f}, accuracy {np.mean(acc):.4f}",
            flush=True,
        )
