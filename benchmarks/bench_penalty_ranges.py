"""Do the default search ranges of the penalties span "no effect" to "strong" on small and large data?

For each searched penalty (``alpha_per_row``, ``l1_per_row``, ``weight_decay``) and each decade of
its default range, fits the tuned pipeline with that penalty alone on 500 and on 20,000 rows of the
bundled cps1988 data and prints the fraction of weights exactly zero (``sparsity_``), the mean
absolute weight and the error on 5,000 held-out rows. Two targets: ``wage`` (regression, RMSE; the
demo's) and ``parttime`` (binary, log loss). The network is fixed in the middle of the default
space: 2 layers of 128 units, batch 128, 30 epochs, Adam with learning rate 1e-3.

"No effect" is the error of the unpenalized network; "strong" is the error of the constant model
(every weight zero, the prediction the output bias: the training mean or log-odds).

Usage::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/bench_penalty_ranges.py \
        [--sizes 500,20000] [--targets wage,parttime]
"""

import argparse
import math
import os
import time
import warnings

import numpy as np

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

NETWORK = {"n_layers": 2, "width": 128, "batch_size": 128, "max_epochs": 30, "learning_rate_init": 1e-3}
PENALTIES = ("alpha_per_row", "l1_per_row", "weight_decay")
N_VALID = 5000


def decades(low, high):
    """The powers of ten from ``low`` to ``high`` (both ends included)."""
    return [10.0**k for k in range(round(math.log10(low)), round(math.log10(high)) + 1)]


def error(pipe, X, y, task):
    from sklearn.metrics import log_loss

    if task == "binary":
        return log_loss(y, pipe.predict_proba(X), labels=pipe.classes_)
    return float(np.sqrt(np.mean((pipe.predict(X) - np.asarray(y)) ** 2)))


def constant_error(y_train, y_valid, task):
    """The error of the best constant model of the training rows (what all-zero weights predict)."""
    from sklearn.metrics import log_loss

    if task == "binary":
        rate = float(np.mean(y_train == "yes"))
        return log_loss(y_valid == "yes", np.full(len(y_valid), rate))
    return float(np.sqrt(np.mean((np.asarray(y_valid) - np.mean(y_train)) ** 2)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,20000")
    parser.add_argument("--targets", default="wage,parttime")
    args = parser.parse_args()

    import regtune
    from regtune._data import detect_columns
    from regtune.tuning import SearchSpace, build_pipeline

    warnings.filterwarnings("ignore")  # 30 epochs do not converge, on purpose
    frame = regtune.load_dataset("cps1988")
    order = np.random.default_rng(0).permutation(len(frame))
    valid, pool = order[:N_VALID], order[N_VALID:]
    space = SearchSpace.default()
    for target in args.targets.split(","):
        task = "regression" if target == "wage" else "binary"
        X, y = frame.drop(columns=[target]), frame[target]
        categorical, numeric = detect_columns(X)
        for n in map(int, args.sizes.split(",")):
            train = pool[:n]
            for name in (None, *PENALTIES):
                values = [None] if name is None else decades(space[name].low, space[name].high)
                for value in values:
                    params = dict(NETWORK) if name is None else {**NETWORK, name: value}
                    pipe = build_pipeline(
                        params, task=task, categorical=categorical, numeric=numeric, seed=0, n_rows=n
                    )
                    start = time.perf_counter()
                    pipe.fit(X.iloc[train], y.iloc[train])
                    mlp = pipe.named_steps["mlp"]
                    weights = np.concatenate([W.ravel() for W in mlp.coefs_])
                    label = "none" if name is None else f"{name}={value:g}"
                    print(
                        f"{target:8s} n={n:6d} {label:22s} sparsity={mlp.sparsity_:6.1%} "
                        f"mean|W|={np.abs(weights).mean():.4f} "
                        f"valid {'rmse' if task == 'regression' else 'log_loss'}="
                        f"{error(pipe, X.iloc[valid], y.iloc[valid], task):.4g} "
                        f"({time.perf_counter() - start:.1f} s)",
                        flush=True,
                    )
            constant = constant_error(y.iloc[train], y.iloc[valid], task)
            print(f"{target:8s} n={n:6d} constant model: {constant:.4g}")


if __name__ == "__main__":
    main()
