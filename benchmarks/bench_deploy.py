"""Deployment speed: one-row latency and 100,000-row throughput of the whole fitted pipeline.

Run::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_deploy.py

Needs the ``onnx`` extra (onnx, skl2onnx, onnxruntime). The bundled wage data (cps1988, 28,155 rows:
4 categorical and 2 numeric columns) and the pipeline ``tune``'s first trial and ``TabularRegressor``
build for it (``build_pipeline`` with the regression defaults but ``--epochs`` epochs):
``CategoricalEncoder`` (these columns have 2-4 levels: one-hot, a single +-1 column for a binary
one), ``NumericScaler`` (median imputation with missing indicators, robust scaling, smooth
clipping), the piecewise-linear encoding of the numeric columns (16 quantile bins) and the
defaults' relu network (3 members of 3 x 160 units, ``n_members=3``). The peer is the closest
pipeline built from scikit-learn's parts (``OneHotEncoder``, ``SimpleImputer`` with indicators,
``RobustScaler``, ``MLPRegressor`` of 3 x 160; scikit-learn has no piecewise-linear encoding and
no members, so its first layer sees 2 numeric inputs where regtune's sees their bins, and one
network where regtune's computes three). Weights come from ``--epochs`` epochs of training: latency does
not depend on how good they are.

The default final model of ``tune`` is a ``FoldEnsemble``: ``--members`` (5) pipelines of the same
shape, one per cross-validation fold (``FoldEnsemble.fit``, ``cv=--members``), whose mean is the
prediction. It is measured beside the single pipeline: its own ``predict`` and its ONNX graph (one
graph, the members' sub-graphs on the shared inputs, then the mean).

One row: the median over ``--rows`` different rows, the predictors taking turns in blocks of 25
rows, each call on a one-row data frame (ONNX Runtime: on the ready input arrays, and from the frame with
``predict_onnx``). Batch: 100,000 rows drawn from the data, median of ``--repeats`` passes, one
thread everywhere (BLAS and ONNX Runtime). Ratios > 1 mean the first named is faster.
"""

import argparse
import statistics
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

import regtune
from regtune.datasets import load_dataset
from regtune.ensemble import FoldEnsemble
from regtune.export import OnnxPredictor, compile_predictor, to_onnx
from regtune.tuning import build_pipeline, default_configuration

CATEGORICAL = ["ethnicity", "smsa", "region", "parttime"]
NUMERIC = ["education", "experience"]
BATCH = 100_000
DEFAULTS = default_configuration("regression")


def fitted_pipelines(epochs, members):
    """The data, regtune's pipeline, scikit-learn's and a ``members``-fold ensemble of regtune's."""
    X, y = load_dataset("cps1988", return_X_y=True)
    X = X[CATEGORICAL + NUMERIC]
    params = {"max_epochs": epochs, "batch_size": 256}  # the network of the regression defaults
    ours = build_pipeline(params, task="regression", categorical=CATEGORICAL, numeric=NUMERIC)
    peer = sklearn_pipeline(epochs)
    ensemble = FoldEnsemble(ours, cv=members)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few epochs do not converge
        ensemble.fit(X, y.to_numpy())  # clones of the unfitted pipeline, one per fold
        ours.fit(X, y.to_numpy())
        peer.fit(X, y.to_numpy())
    return X, ours, peer, ensemble


def sklearn_pipeline(epochs):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, RobustScaler

    numeric = Pipeline(
        [("impute", SimpleImputer(strategy="median", add_indicator=True)), ("scale", RobustScaler())]
    )
    preprocess = ColumnTransformer(
        [
            ("categorical", OneHotEncoder(handle_unknown="ignore", drop="if_binary"), CATEGORICAL),
            ("numeric", numeric, NUMERIC),
        ]
    )
    sizes = (DEFAULTS["width"],) * DEFAULTS["n_layers"]  # no members in scikit-learn: one network
    mlp = MLPRegressor(hidden_layer_sizes=sizes, max_iter=epochs, batch_size=256, random_state=0)
    return Pipeline([("preprocess", preprocess), ("mlp", mlp)])


def plain_predict_models(X, ours, epochs, fit_rows=5_000):
    """What users call ``predict`` on, by name: the refit pipeline (a ``FastPipeline``), its steps
    in scikit-learn's own ``Pipeline`` (the path without kernels), the fold ensemble ``tune``
    returns by default (5 members, fitted on ``fit_rows`` rows: latency does not depend on it) and
    ``TabularRegressor`` (its default network: 3 members of 3 x 160)."""
    from sklearn.pipeline import Pipeline

    from regtune.ensemble import FoldEnsemble

    y = load_dataset("cps1988", return_X_y=True)[1].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few epochs do not converge
        ensemble = FoldEnsemble(ours, cv=5).fit(X.iloc[:fit_rows], y[:fit_rows])
        tabular = regtune.TabularRegressor(max_epochs=epochs, batch_size=256, random_state=0)
        tabular.fit(X.iloc[:fit_rows], y[:fit_rows])
    return {
        "regtune refit pipeline (FastPipeline)": ours.predict,
        "its steps in sklearn's Pipeline": Pipeline(ours.steps).predict,
        "regtune FoldEnsemble, 5 members": ensemble.predict,
        "regtune TabularRegressor": tabular.predict,
    }


def print_plain_predict(latency, rows):
    """The one-row latency of plain ``model.predict``, against scikit-learn's pipeline."""
    peer_time = latency["scikit-learn pipeline.predict"]
    print(f"\nPlain model.predict on a one-row frame, median over {rows} rows:")
    for name, seconds in latency.items():
        ratio = peer_time / seconds
        print(f"  {name:<38} {seconds * 1e6:9.1f} us  ({ratio:5.1f}x scikit-learn's MLPRegressor pipeline)")


def interleaved_medians(calls, inputs, block=1):
    """Median seconds per call of each callable on ``inputs``: the callables take turns, each
    running ``block`` inputs in a row (warm caches), so all see the same machine load."""
    times = {name: [] for name in calls}
    for start in range(0, len(inputs), block):
        for name, call in calls.items():
            for item in inputs[start : start + block]:
                begin = time.perf_counter()
                call(item)
                times[name].append(time.perf_counter() - begin)
    return {name: statistics.median(values) for name, values in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--members", type=int, default=5, help="folds (members) of the FoldEnsemble")
    args = parser.parse_args()

    with threadpool_limits(limits=1):
        X, ours, peer, ensemble = fitted_pipelines(args.epochs, args.members)
        compiled = compile_predictor(ours)
        onnx32 = OnnxPredictor(to_onnx(ours, dtype=np.float32).SerializeToString(), threads=1)
        onnx64 = OnnxPredictor(to_onnx(ours, dtype=np.float64).SerializeToString(), threads=1)
        ens32 = OnnxPredictor(to_onnx(ensemble, dtype=np.float32).SerializeToString(), threads=1)
        ens64 = OnnxPredictor(to_onnx(ensemble, dtype=np.float64).SerializeToString(), threads=1)
        rng = np.random.default_rng(0)
        rows = [X.iloc[[i]] for i in rng.choice(len(X), args.rows, replace=False)]
        feeds32 = {id(r): onnx32.feed(r) for r in rows}
        feeds64 = {id(r): onnx64.feed(r) for r in rows}
        ens_feeds32 = {id(r): ens32.feed(r) for r in rows}
        ens_feeds64 = {id(r): ens64.feed(r) for r in rows}
        one_row = {
            "regtune pipeline.predict": ours.predict,
            "regtune compile_predictor": compiled.predict,
            "scikit-learn pipeline.predict": peer.predict,
            "ONNX Runtime float32 (arrays)": lambda r: onnx32.session.run(None, feeds32[id(r)]),
            "ONNX Runtime float64 (arrays)": lambda r: onnx64.session.run(None, feeds64[id(r)]),
            "ONNX Runtime float32 (predict_onnx)": lambda r: regtune.export.predict_onnx(onnx32, r),
            "ensemble: FoldEnsemble.predict": ensemble.predict,
            "ensemble: ONNX Runtime float32 (arrays)": lambda r: ens32.session.run(None, ens_feeds32[id(r)]),
            "ensemble: ONNX Runtime float64 (arrays)": lambda r: ens64.session.run(None, ens_feeds64[id(r)]),
        }
        for r in rows[:20]:  # warm-up
            for call in one_row.values():
                call(r)
        latency = interleaved_medians(one_row, rows, block=25)
        plain = plain_predict_models(X, ours, args.epochs)
        plain["scikit-learn pipeline.predict"] = peer.predict
        for r in rows[:20]:  # warm-up
            for call in plain.values():
                call(r)
        plain_latency = interleaved_medians(plain, rows, block=25)

        batch = X.iloc[rng.integers(0, len(X), BATCH)].reset_index(drop=True)
        feed32, feed64 = onnx32.feed(batch), onnx64.feed(batch)
        ens_feed32, ens_feed64 = ens32.feed(batch), ens64.feed(batch)
        throughput = interleaved_medians(
            {
                "regtune pipeline.predict (NumPy)": lambda _: ours.predict(batch),
                "scikit-learn pipeline.predict": lambda _: peer.predict(batch),
                "ONNX Runtime float32, 1 thread": lambda _: onnx32.session.run(None, feed32),
                "ONNX Runtime float64, 1 thread": lambda _: onnx64.session.run(None, feed64),
                "ONNX input arrays from the frame": lambda _: onnx32.feed(batch),
                "ensemble: FoldEnsemble.predict (NumPy)": lambda _: ensemble.predict(batch),
                "ensemble: ONNX Runtime float32, 1 thread": lambda _: ens32.session.run(None, ens_feed32),
                "ensemble: ONNX Runtime float64, 1 thread": lambda _: ens64.session.run(None, ens_feed64),
            },
            list(range(args.repeats)),
        )

    print(f"One row, median over {args.rows} rows (microseconds per prediction):")
    for name, seconds in latency.items():
        print(f"  {name:<42} {seconds * 1e6:9.1f} us")
    base = latency["regtune pipeline.predict"]
    peer_time = latency["scikit-learn pipeline.predict"]
    for name in (
        "regtune compile_predictor",
        "ONNX Runtime float32 (arrays)",
        "ONNX Runtime float64 (arrays)",
    ):
        print(
            f"  {name}: {base / latency[name]:.1f}x regtune's pipeline.predict, "
            f"{peer_time / latency[name]:.1f}x scikit-learn's"
        )
    print_plain_predict(plain_latency, args.rows)
    print(f"\n{BATCH:,} rows, median of {args.repeats} passes (rows per second):")
    for name, seconds in throughput.items():
        print(f"  {name:<42} {BATCH / seconds:12,.0f} rows/s  ({seconds:.3f} s)")
    numpy_time = throughput["regtune pipeline.predict (NumPy)"]
    for name in ("ONNX Runtime float32, 1 thread", "ONNX Runtime float64, 1 thread"):
        print(f"  {name}: {numpy_time / throughput[name]:.2f}x regtune's NumPy predict")

    print(f"\nFoldEnsemble of {args.members} members against its own predict and one member's graph:")
    ens_base = latency["ensemble: FoldEnsemble.predict"]
    ens_numpy = throughput["ensemble: FoldEnsemble.predict (NumPy)"]
    for kind in ("float32", "float64"):
        one, batch_time = (
            latency[f"ensemble: ONNX Runtime {kind} (arrays)"],
            throughput[f"ensemble: ONNX Runtime {kind}, 1 thread"],
        )
        print(
            f"  ONNX Runtime {kind}: one row {ens_base / one:.1f}x FoldEnsemble.predict, "
            f"{one / latency[f'ONNX Runtime {kind} (arrays)']:.1f}x the single pipeline's time; "
            f"{BATCH:,} rows {ens_numpy / batch_time:.2f}x FoldEnsemble.predict's rows/s"
        )


if __name__ == "__main__":
    main()
