"""Speed and memory of regtune.TargetEncoder against scikit-learn's and category_encoders'.

Run (single-threaded BLAS, as recorded in docs/benchmarks.md)::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_target_encoder.py

Scenarios:

1. ``--rows`` rows (10,000,000) x 2 integer columns (100,000 and 50 levels), continuous target,
   ``fit_transform``.
2. ``--rows-strings`` rows (300,000) x 2 string columns (4,000 and 30 levels), binary target,
   ``fit_transform``.
3. ``transform`` of one row after fitting on ``--levels`` (200,000) string levels.

regtune and scikit-learn both run with their defaults (``cv=5``, shuffled, ``random_state=0``);
the row "regtune, cv=scikit-learn's splitter" passes scikit-learn's own ``KFold`` /
``StratifiedKFold(5, shuffle=True, random_state=0)`` object, which reproduces its folds (and its
output) exactly, at the price of the same permutation of all rows.

Times are the best of 3 runs (scikit-learn: best of 2, category_encoders: 1 run on 10M rows).
"bare" is the floor any target encoder has to pay: per column, one ``pandas.factorize`` and two
``np.bincount`` (counts, target sums). Peak memory is ``tracemalloc``'s peak over the call (NumPy
and pandas allocations are traced), measured in a second, untimed call.
"""

import argparse
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.preprocessing import TargetEncoder as SklearnTargetEncoder

from regtune import TargetEncoder
from regtune.encoding._folds import make_folds

try:
    import category_encoders
except ImportError:  # optional peer: pip install category_encoders
    category_encoders = None


def timed(fn, repeat=1):
    """Best wall time of ``repeat`` calls, in seconds."""
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def peak_mib(fn):
    """Peak traced memory of one call, in MiB."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def bare_pass(columns, y):
    for column in columns:
        codes, _ = pd.factorize(column)
        np.bincount(codes, weights=y)
        np.bincount(codes)


def report(title, times, memory=None):
    print(f"\n{title}")
    ours = times["regtune"]
    for name, seconds in times.items():
        line = f"  {name:<34} {seconds:9.3f} s"
        if name == "bare":
            line += f"   regtune / bare = {ours / seconds:4.2f}"
        elif name == "scikit-learn's splitter only":
            line += "   (scikit-learn iterating its KFold(shuffle=True).split)"
        elif name == "regtune folds":
            rest = (ours - seconds) / times["bare"]
            line += f"   (regtune's shuffled folds; rest of regtune / bare = {rest:4.2f})"
        elif name.startswith("regtune, "):
            line += f"   / bare = {seconds / times['bare']:4.2f}"
        elif name != "regtune":
            line += f"   regtune is {seconds / ours:6.1f}x faster"
        if memory and name in memory:
            line += f"   peak {memory[name]:8.1f} MiB"
        print(line)


def scenario_fit_transform(title, frame, y, target_type, splitter, skip_ce, memory):
    """Both encoders with their defaults (cv=5, shuffled, seeded alike), and regtune given
    scikit-learn's own splitter object (the path that reproduces its folds bit for bit)."""
    X = frame.to_numpy() if all(frame.dtypes.map(lambda d: d.kind in "iu")) else frame
    encoders = {
        "regtune": lambda: TargetEncoder(target_type=target_type, random_state=0).fit_transform(X, y),
        "scikit-learn": lambda: SklearnTargetEncoder(target_type=target_type, random_state=0).fit_transform(
            X, y
        ),
    }
    if category_encoders is not None and not skip_ce:
        columns = list(frame.columns)
        frame_str = frame.astype(str) if X is not frame else frame
        encoders["category_encoders"] = lambda: category_encoders.TargetEncoder(cols=columns).fit_transform(
            frame_str, y
        )
    encoders["regtune, cv=scikit-learn's splitter"] = lambda: TargetEncoder(
        target_type=target_type, cv=splitter
    ).fit_transform(X, y)
    # Best of 3 (the machine is shared); on large data best of 2 for scikit-learn and a single
    # run for category_encoders, whose ratio is not a goal.
    small = len(y) <= 1_000_000
    repeats = {"scikit-learn": 3 if small else 2, "category_encoders": 3 if small else 1}
    times = {name: timed(fn, repeats.get(name, 3)) for name, fn in encoders.items()}
    columns = [frame[c].to_numpy() for c in frame.columns]
    times["bare"] = timed(lambda: bare_pass(columns, y), repeat=3)
    times["scikit-learn's splitter only"] = timed(lambda: [None for _ in splitter.split(X, y)], 3)
    strata = None if target_type == "continuous" else np.unique(y, return_inverse=True)[1]
    times["regtune folds"] = timed(lambda: make_folds(5, True, 0, strata, X, y, None), 3)
    peaks = {}
    if memory:
        peaks["regtune"] = peak_mib(encoders["regtune"])
        peaks["scikit-learn"] = peak_mib(encoders["scikit-learn"])
    report(title, times, peaks)
    return times, peaks


def scenario_single_row(n_levels):
    rng = np.random.default_rng(2)
    n = 2 * n_levels
    ids = np.char.add("id", np.arange(n_levels).astype(str))
    X = ids[np.concatenate([np.arange(n_levels), rng.integers(0, n_levels, n - n_levels)])]
    X = X.astype(object)[:, None]
    y = rng.normal(size=n)
    ours = TargetEncoder(target_type="continuous").fit(X, y)
    peer = SklearnTargetEncoder(target_type="continuous").fit(X, y)
    row = X[n_levels // 2 : n_levels // 2 + 1]
    calls = {
        "regtune": (lambda: ours.transform(row), 200),
        "scikit-learn": (lambda: peer.transform(row), 5),
    }
    times = {}
    for name, (fn, repeat) in calls.items():
        fn()  # warm-up
        samples = [timed(fn) for _ in range(repeat)]
        times[name] = float(np.median(samples))
    print(f"\n3. transform of 1 row after fit on {n_levels:,} levels (median)")
    for name, seconds in times.items():
        print(f"  {name:<18} {seconds * 1e3:9.3f} ms")
    print(f"  regtune is {times['scikit-learn'] / times['regtune']:.0f}x faster")
    return times


def memory_growth(n_rows):
    """Peak memory of regtune's fit_transform as rows and levels grow (rows + levels, not x)."""
    print("\n4. regtune fit_transform peak memory (1 integer column, continuous target)")
    print(f"  {'rows':>11} {'levels':>9} {'peak MiB':>9} {'bytes/row':>10}")
    rng = np.random.default_rng(3)
    for rows in (n_rows // 4, n_rows):
        for levels in (1_000, 100_000, 1_000_000):
            X = rng.integers(0, levels, size=(rows, 1))
            y = rng.normal(size=rows)
            enc = TargetEncoder(target_type="continuous", cv=KFold(5, shuffle=True, random_state=0))
            peak = peak_mib(lambda enc=enc, X=X, y=y: enc.fit_transform(X, y))
            print(f"  {rows:>11,} {levels:>9,} {peak:>9.1f} {peak * 2**20 / rows:>10.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows of scenario 1")
    parser.add_argument("--rows-strings", type=int, default=300_000, help="rows of scenario 2")
    parser.add_argument("--levels", type=int, default=200_000, help="levels of scenario 3")
    parser.add_argument("--skip-ce", action="store_true", help="skip category_encoders")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory measurements")
    parser.add_argument("--scenarios", default="1234", help="which scenarios to run, e.g. 23 (default: 1234)")
    args = parser.parse_args()
    warnings.simplefilter("ignore", FutureWarning)
    if "1" in args.scenarios:
        rng = np.random.default_rng(0)
        n = args.rows
        frame = pd.DataFrame({"a": rng.integers(0, 100_000, n), "b": rng.integers(0, 50, n)})
        y = rng.normal(size=n) + (frame["b"].to_numpy() % 7)
        scenario_fit_transform(
            f"1. fit_transform, {n:,} rows x 2 int columns (100,000 and 50 levels), continuous",
            frame,
            y,
            "continuous",
            KFold(5, shuffle=True, random_state=0),
            args.skip_ce,
            not args.no_memory,
        )
        del frame, y
    if "2" in args.scenarios:
        rng = np.random.default_rng(1)
        n = args.rows_strings
        big = np.char.add("user-", rng.integers(0, 4_000, n).astype(str)).astype(object)
        small = np.char.add("city-", rng.integers(0, 30, n).astype(str)).astype(object)
        frame = pd.DataFrame({"user": big, "city": small})
        y = (rng.random(n) < 0.3).astype(int)
        scenario_fit_transform(
            f"2. fit_transform, {n:,} rows x 2 string columns (4,000 and 30 levels), binary",
            frame,
            y,
            "binary",
            StratifiedKFold(5, shuffle=True, random_state=0),
            args.skip_ce,
            not args.no_memory,
        )
    if "3" in args.scenarios:
        scenario_single_row(args.levels)
    if "4" in args.scenarios and not args.no_memory:
        memory_growth(min(args.rows, 4_000_000))


if __name__ == "__main__":
    main()
