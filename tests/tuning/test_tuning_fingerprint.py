"""``tune(ignore=...)``, and the data fingerprint that refuses to resume a study on other data.

Oracle: copies of one table with one thing changed (a value, a type, a column, the target, the
rows), and the columns a study records.
"""

import numpy as np
import pytest

from regtune.tuning import tune
from regtune.tuning._fingerprint import SAMPLE_ROWS, check_same_data, data_fingerprint

MEMORY = "sqlite:///:memory:"


@pytest.fixture
def table(small_binary):
    X, y = small_binary
    return X.copy(), y.copy()


def test_the_fingerprint_sees_what_changes_and_only_that(table):
    X, y = table
    base = data_fingerprint(X, y)
    assert data_fingerprint(X.copy(), y.copy()) == base
    assert set(base) == {"target", "rows", "columns", "values"} and base["rows"] == len(X)

    changed = X.copy()
    changed.loc[len(X) - 1, "a"] += 1.0  # the last row is always sampled
    assert data_fingerprint(changed, y) == {**base, "values": data_fingerprint(changed, y)["values"]}
    assert data_fingerprint(changed, y)["values"] != base["values"]
    assert data_fingerprint(X.astype({"a": "float32"}), y)["columns"] != base["columns"]
    assert data_fingerprint(X.drop(columns=["noise"]), y)["columns"] != base["columns"]
    assert data_fingerprint(X, y.rename("other"))["target"] == "other"
    assert data_fingerprint(X.head(100), y.head(100))["rows"] == 100
    flipped = y.copy()
    flipped.iloc[0] = 1 - flipped.iloc[0]
    assert data_fingerprint(X, flipped)["values"] != base["values"], "the target's values count too"


def test_the_sample_spreads_over_a_large_table():
    import pandas as pd

    X = pd.DataFrame({"a": np.arange(10_000.0)})
    y = pd.Series(np.zeros(10_000), name="t")
    base = data_fingerprint(X, y)
    step = (len(X) - 1) / (SAMPLE_ROWS - 1)
    sampled, unsampled = round(57 * step), round(57 * step) + 1
    for row, seen in ((sampled, True), (unsampled, False)):
        changed = X.copy()
        changed.loc[row, "a"] = -1.0
        assert (data_fingerprint(changed, y) != base) == seen, row


def test_check_same_data_says_what_differs():
    stored = {"target": "y", "rows": 10, "columns": "c1", "values": "v1"}
    check_same_data("s", stored, dict(stored))
    check_same_data("s", None, dict(stored))  # a study made before fingerprints: not checked
    with pytest.raises(
        ValueError, match=r"^study 's' was tuned on other data \(target: stored 'y', now 'z'; "
    ):
        check_same_data("s", stored, {**stored, "target": "z", "columns": "c2"})
    with pytest.raises(
        ValueError, match=r"\(the values differ \(same columns and number of rows\)\); resume"
    ):
        check_same_data("s", stored, {**stored, "values": "v2"})


def test_tune_ignores_columns_and_refuses_a_resume_on_other_data(table, tiny_space, tmp_path):
    X, y = table
    url = f"sqlite:///{tmp_path / 'study.db'}"
    kwargs = dict(n_trials=2, cv=2, storage=url, study_name="i", space=tiny_space, progress=False, refit=True)
    result = tune(X, y, ignore=["noise", "city"], **kwargs)
    attrs = result.study.user_attrs
    assert (attrs["categorical"], attrs["numeric"], attrs["n_features"]) == ([], ["a", "b"], 2)
    assert list(result.best_pipeline.feature_names_in_) == ["a", "b"]
    assert attrs["data_fingerprint"] == data_fingerprint(X[["a", "b"]], y)
    tune(X, y, ignore=["noise", "city"], **kwargs)  # the same data: resumed
    with pytest.raises(ValueError, match=r"^study 'i' was tuned on other data \(the column names or types"):
        tune(X, y, ignore=["noise"], **kwargs)


def test_ignore_names_columns_of_a_frame(table):
    X, y = table
    with pytest.raises(ValueError, match=r"^ignore names columns that X does not have: \['nope'\]"):
        tune(X, y, ignore=["nope"], storage=MEMORY, progress=False)
    with pytest.raises(
        ValueError, match=r"^ignore needs X as a DataFrame \(columns with names\), got an array"
    ):
        tune(X[["a", "b"]].to_numpy(), y, ignore=["x0"], storage=MEMORY, progress=False)
