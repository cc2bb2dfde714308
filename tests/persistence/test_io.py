"""regtune.save / regtune.load: round trips, and files that must be refused without running code."""

import contextlib
import hashlib
import io
import json
import pickle
import zipfile

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import regtune
from regtune.exceptions import ModelFileError
from regtune.persistence._io import _MAGIC


def _frame(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "z": np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n)),
            "city": rng.choice(["a", "b", "<script>"], size=n),
        }
    )
    y = 2 * X["x"] + (X["city"] == "b") + rng.normal(scale=0.1, size=n)
    return X, y


def _pipeline(model):
    numeric = Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", add_indicator=True)),
            ("scale", StandardScaler()),
        ]
    )
    columns = ColumnTransformer(
        [
            ("num", numeric, ["x", "z"]),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["city"]),
        ]
    )
    return Pipeline([("pre", columns), ("model", model)])


def _wrap(archive):
    """A file with a valid header around any archive, as an attacker could write it."""
    header = {"size": len(archive), "sha256": hashlib.sha256(archive).hexdigest()}
    return _MAGIC + json.dumps(header).encode() + b"\n" + archive


def _with_schema(archive, edit):
    """Rewrite the archive's schema.json through ``edit`` and return the new archive bytes."""
    src = zipfile.ZipFile(io.BytesIO(archive))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "schema.json":
                data = json.dumps(edit(json.loads(data))).encode()
            dst.writestr(name, data)
    return out.getvalue()


def test_pipeline_round_trip_predicts_identically(tmp_path):
    X, y = _frame()
    model = _pipeline(Ridge(alpha=0.3)).fit(X, y)
    path = regtune.save(model, tmp_path / "model.regtune")
    loaded = regtune.load(path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_classifier_pipeline_round_trip_keeps_probabilities(tmp_path):
    X, y = _frame()
    labels = np.where(y > y.median(), "high", "low")
    model = _pipeline(LogisticRegression()).fit(X, labels)
    loaded = regtune.load(regtune.save(model, tmp_path / "m.regtune"))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert list(loaded.classes_) == ["high", "low"]


def test_save_is_atomic_and_leaves_no_temporary_file(tmp_path):
    X, y = _frame()
    regtune.save(Ridge().fit(X[["x"]], y), tmp_path / "m.regtune")
    assert [p.name for p in tmp_path.iterdir()] == ["m.regtune"]


def test_truncated_file_is_refused(tmp_path):
    X, y = _frame()
    path = regtune.save(Ridge().fit(X[["x"]], y), tmp_path / "m.regtune")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 100])
    with pytest.raises(ModelFileError, match="truncated"):
        regtune.load(path)


def test_flipped_byte_is_refused(tmp_path):
    X, y = _frame()
    path = regtune.save(Ridge().fit(X[["x"]], y), tmp_path / "m.regtune")
    data = bytearray(path.read_bytes())
    data[-50] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="checksum"):
        regtune.load(path)


def test_a_pickle_file_is_refused_and_never_unpickled(tmp_path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (marker.write_text, ("ran",))

    path = tmp_path / "evil.regtune"
    path.write_bytes(pickle.dumps(Exploit()))
    with pytest.raises(ModelFileError, match="not a regtune model file"):
        regtune.load(path)
    assert not marker.exists()


def test_a_pickle_behind_a_valid_header_is_refused(tmp_path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (marker.write_text, ("ran",))

    path = tmp_path / "evil.regtune"
    path.write_bytes(_wrap(pickle.dumps(Exploit())))
    with pytest.raises(ModelFileError, match="corrupt"):
        regtune.load(path)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("module", "cls", "loader"),
    [
        ("os", "system", "ObjectNode"),
        ("builtins", "eval", "ObjectNode"),
        ("sklearn.pipeline", "Pipeline", "FunctionNode"),
        ("subprocess", "Popen", "ConstructorFromReduceNode"),
    ],
)
def test_crafted_schema_naming_a_dangerous_callable_is_refused(tmp_path, module, cls, loader):
    import skops.io as sio

    X, y = _frame()
    archive = sio.dumps(Ridge().fit(X[["x"]], y))

    def inject(schema):
        schema["__module__"], schema["__class__"], schema["__loader__"] = module, cls, loader
        return schema

    path = tmp_path / "crafted.regtune"
    path.write_bytes(_wrap(_with_schema(archive, inject)))
    with pytest.raises(ModelFileError, match="trusted list"):
        regtune.load(path)


def test_saving_an_untrusted_type_fails_before_writing(tmp_path):
    from sklearn.tree import DecisionTreeRegressor

    X, y = _frame()
    with pytest.raises(TypeError, match="trusted list"):
        regtune.save(DecisionTreeRegressor().fit(X[["x"]], y), tmp_path / "m.regtune")
    assert not any(tmp_path.iterdir())


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        regtune.load(tmp_path / "absent.regtune")


def test_fuzzed_archives_give_a_model_or_a_clean_error(tmp_path):
    """Random byte edits inside a re-checksummed archive: a model or ModelFileError, nothing else."""
    import skops.io as sio
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    X, y = _frame()
    archive = sio.dumps(_pipeline(Ridge()).fit(X, y))
    path = tmp_path / "fuzz.regtune"

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(st.tuples(st.integers(0, len(archive) - 1), st.integers(0, 255)), max_size=8))
    def check(edits):
        data = bytearray(archive)
        for position, value in edits:
            data[position] = value
        path.write_bytes(_wrap(bytes(data)))
        with contextlib.suppress(ModelFileError):
            regtune.load(path)

    check()


def test_saved_file_gets_the_usual_permissions(tmp_path):
    import os

    X, y = _frame()
    path = regtune.save(Ridge().fit(X[["x"]], y), tmp_path / "m.regtune")
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask
