"""Bad input gives a clear error naming the problem, never a silent wrong encoding."""

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import ShuffleSplit

from regtune import TargetEncoder

X = np.array([["a"], ["b"], ["a"], ["b"]], dtype=object)
Y = np.array([0.5, 1.5, 2.5, 3.5])


@pytest.mark.parametrize(
    ("y", "match"),
    [
        ([0.5, np.nan, 2.5, 3.5], r"y must not contain missing values .* got 1 \(first at row 1\)"),
        (["a", None, "b", "a"], "y must not contain missing values"),
        (pd.array([1, 2, pd.NA, 1], dtype="Int64"), "y must not contain missing values"),
        ([0.5, 1.5, 2.5], r"y must have one value per row of X \(4\), got 3"),
        (np.ones((4, 2)), r"y must be 1-D"),
        ([0.5, np.inf, 1.0, 2.0], "must be finite"),
    ],
)
def test_bad_target(y, match):
    with pytest.raises(ValueError, match=match):
        TargetEncoder().fit(X, y)


def test_multiclass_with_one_class():
    with pytest.raises(ValueError, match=r"multiclass target must have at least 2 classes, got 1"):
        TargetEncoder(target_type="multiclass").fit(X, ["k", "k", "k", "k"])


def test_binary_with_wrong_number_of_classes_and_unknown_positive_label():
    with pytest.raises(ValueError, match="binary target must have exactly 2 classes, got 3"):
        TargetEncoder(target_type="binary").fit(X, [0, 1, 2, 1])
    with pytest.raises(ValueError, match="binary target must have exactly 2 classes, got 1"):
        TargetEncoder().fit(X, [1, 1, 1, 1])
    with pytest.raises(ValueError, match=r"positive_label must be one of the classes .* got 'maybe'"):
        TargetEncoder(positive_label="maybe").fit(X, ["no", "yes", "no", "yes"])


def test_continuous_target_must_be_numeric_and_mixed_labels_rejected():
    with pytest.raises(ValueError, match="continuous target must be numeric"):
        TargetEncoder(target_type="continuous").fit(X, ["a", "b", "a", "b"])
    with pytest.raises(ValueError, match="y mixes strings and non-strings"):
        TargetEncoder().fit(X, np.array([1, "1", 1, "1"], dtype=object))


@pytest.mark.parametrize(
    ("empty", "match"),
    [
        (np.empty((0, 1), dtype=object), r"X has 0 sample\(s\) \(shape=\(0, 1\)\)"),
        (np.empty((4, 0), dtype=object), r"X has 0 feature\(s\) \(shape=\(4, 0\)\)"),
        (pd.DataFrame(), r"X has 0 feature\(s\)"),
        (pd.DataFrame({"brand": pd.Series([], dtype=object)}), r"X has 0 sample\(s\)"),
    ],
)
def test_empty_frame(empty, match):
    with pytest.raises(ValueError, match=match):
        TargetEncoder().fit(empty, Y[: len(empty)])


def test_column_of_mixed_types():
    mixed = pd.DataFrame({"id": np.array([1, "1", 2, "2"], dtype=object)})
    with pytest.raises(ValueError, match=r"column 'id' mixes strings and non-strings.*1.*'1'"):
        TargetEncoder().fit(mixed, Y)
    with pytest.raises(ValueError, match="column 'x0' mixes strings"):
        TargetEncoder().fit([[1], ["1"], [2], ["2"]], Y)


def test_transform_kind_mismatch_and_feature_checks():
    enc = TargetEncoder().fit(pd.DataFrame({"id": [1, 2, 1, 2]}), Y)
    with pytest.raises(ValueError, match="column 'id' was fitted on numbers but transform received"):
        enc.transform(pd.DataFrame({"id": ["1", "2"]}))
    with pytest.raises(ValueError, match="feature names"):
        enc.transform(pd.DataFrame({"other": [1, 2]}))
    with pytest.raises(ValueError, match="features"):
        TargetEncoder().fit(X, Y).transform(np.ones((2, 3)))


def test_unsupported_category_values():
    with pytest.raises(ValueError, match="must hold strings or numbers"):
        TargetEncoder().fit(np.array([[b"a"], [b"b"], [b"a"], [b"b"]], dtype=object), Y)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"smooth": -1}, r"smooth must be 'auto' or a finite number >= 0, got -1"),
        ({"smooth": "high"}, "smooth must be"),
        ({"smooth": np.inf}, "smooth must be"),
        ({"target_type": "ordinal"}, r"target_type must be one of .* got 'ordinal'"),
        ({"handle_unknown": "ignore"}, "handle_unknown must be one of"),
        ({"handle_missing": "drop"}, "handle_missing must be one of"),
        ({"cv": 1}, "cv must be an int >= 2"),
        ({"shuffle": "yes"}, "shuffle must be a bool"),
        ({"dtype": np.int64}, "dtype must be numpy.float32 or numpy.float64"),
        ({"dtype": "no-such-type"}, "dtype must be numpy.float32 or numpy.float64"),
    ],
)
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        TargetEncoder(**params).fit(X, Y)


def test_bad_sample_weight():
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(4,\)"):
        TargetEncoder().fit(X, Y, sample_weight=[1.0, 2.0])
    with pytest.raises(ValueError, match="sample_weight must be finite and >= 0"):
        TargetEncoder().fit(X, Y, sample_weight=[1.0, -2.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="sample_weight must not be all zero"):
        TargetEncoder().fit(X, Y, sample_weight=np.zeros(4))


def test_splitter_that_is_not_a_partition():
    X_big = np.array([["a"], ["b"]] * 10, dtype=object)
    y_big = np.arange(20) + 0.5
    with pytest.raises(ValueError, match="exactly one validation fold"):
        TargetEncoder(cv=ShuffleSplit(3, test_size=0.2, random_state=0)).fit_transform(X_big, y_big)
    overlapping = [(np.arange(12, 20), np.arange(0, 12)), (np.arange(0, 10), np.arange(10, 20))]
    with pytest.raises(ValueError, match="exactly one validation fold"):
        TargetEncoder(cv=overlapping).fit_transform(X_big, y_big)
    partial_train = [(np.arange(15, 20), np.arange(0, 10)), (np.arange(0, 10), np.arange(10, 20))]
    with pytest.raises(ValueError, match="every row outside the validation fold"):
        TargetEncoder(cv=partial_train).fit_transform(X_big, y_big)


def test_one_dimensional_and_sparse_x():
    import scipy.sparse

    with pytest.raises(ValueError, match=r"X must be 2-D .* Reshape your data"):
        TargetEncoder().fit(np.array(["a", "b", "a", "b"]), Y)
    with pytest.raises(TypeError, match="sparse input is not supported"):
        TargetEncoder().fit(scipy.sparse.csr_matrix(np.ones((4, 1))), Y)


def test_transform_before_fit():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        TargetEncoder().transform(X)
