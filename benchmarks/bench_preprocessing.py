"""CategoricalEncoder vs scikit-learn's OneHotEncoder + TargetEncoder, on the same column routing.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_preprocessing.py \
        [--rows 100000]

Prints the best of 3 wall times of fit_transform and transform and the ratio sklearn / regtune.
"""

import argparse
import time

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, RobustScaler
from sklearn.preprocessing import TargetEncoder as SklearnTargetEncoder

from regtune.preprocessing import CategoricalEncoder, NumericScaler


def frame(n_rows, as_category, seed=0):
    rng = np.random.default_rng(seed)
    levels = {"two": 2, "five": 5, "eight": 8, "hundred": 100, "ten_thousand": 10_000}
    X = pd.DataFrame({name: rng.integers(0, k, n_rows).astype(str) for name, k in levels.items()})
    X = X.astype("category") if as_category else X.astype(object)
    return X, rng.normal(size=n_rows)


def best_of(fn, *args, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    rows = parser.parse_args().rows
    for as_category in (False, True):
        X, y = frame(rows, as_category)
        ours = CategoricalEncoder(random_state=0)
        onehot, high = ["two", "five", "eight"], ["hundred", "ten_thousand"]
        peer = ColumnTransformer(
            [
                (
                    "onehot",
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False, drop="if_binary"),
                    onehot,
                ),
                ("target", SklearnTargetEncoder(cv=KFold(5, shuffle=True, random_state=0)), high),
            ]
        )
        kind = "category" if as_category else "object"
        for what, args in (("fit_transform", (X, y)), ("transform", (X,))):
            t_ours = best_of(getattr(ours, what), *args)
            t_peer = best_of(getattr(peer, what), *args)
            print(
                f"{rows} rows, 5 {kind} columns, {what:13s}: regtune {t_ours:.3f} s, "
                f"sklearn {t_peer:.3f} s, sklearn/regtune {t_peer / t_ours:.1f}x"
            )
    rng = np.random.default_rng(0)
    X = rng.normal(size=(rows, 5))
    X[rng.random(X.shape) < 0.1] = np.nan
    ours = NumericScaler()
    peer = make_pipeline(SimpleImputer(strategy="median", add_indicator=True), RobustScaler())
    t_ours, t_peer = best_of(lambda: ours.fit_transform(X)), best_of(lambda: peer.fit_transform(X))
    print(
        f"{rows} rows, 5 numeric columns, fit_transform: NumericScaler {t_ours:.3f} s, "
        f"SimpleImputer+RobustScaler {t_peer:.3f} s, sklearn/regtune {t_peer / t_ours:.1f}x"
    )


if __name__ == "__main__":
    main()
