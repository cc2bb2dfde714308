"""Security: hostile model files, hostile strings in reports, passwords, and property-based tests.

* Model files: crafted skops archives (untrusted types deep inside a pipeline, function / method /
  partial loaders, a TypeNode naming ``os.system``, an ``.npy`` that is a pickled object array, zip
  bombs, path-like member names) and hypothesis-mutated schemas. Each gives a model or
  ``ModelFileError``; the pickled payloads would create a marker file if anything ran, and the marker
  never appears. (Byte-level fuzzing is in ``tests/persistence/test_io.py``.)
* Reports: a study tuned on a table with hostile column names and category values, loaded in headless
  Chromium (the probe of ``tests/report/test_report_browser.py``): no alert, no error, names shown as
  typed.
* Passwords: every command run with ``postgresql://postgres:SECRETPW@...`` (trust authentication
  accepts any password); SECRETPW is in no output, file or study attribute.
* Properties (hypothesis): the target encoder and the engine on random small frames and shapes.
"""

import contextlib
import hashlib
import html
import io
import json
import pickle
import re
import struct
import zipfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import regtune
from regtune.exceptions import ModelFileError
from regtune.persistence._io import _MAGIC

# ------------------------------------------------------------------ model files


class _Payload:
    """Unpickling this object opens (creates) the marker file: proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _wrap(archive):
    header = {"size": len(archive), "sha256": hashlib.sha256(archive).hexdigest()}
    return _MAGIC + json.dumps(header).encode() + b"\n" + archive


def _members(archive):
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _archive(members, infos=None):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in members.items():
            zf.writestr(infos.get(name, name) if infos else name, data)
    return out.getvalue()


def _nodes(node):
    """Every dict node of a schema, depth first."""
    stack, found = [node], []
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


@pytest.fixture(scope="module")
def saved_pipeline():
    """(skops archive bytes, schema) of a fitted regtune pipeline with a target encoder."""
    import skops.io as sio

    from regtune.tuning import build_pipeline

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=40), "city": rng.choice(["a", "b"], size=40)})
    y = (X["x"] > 0).astype(int).to_numpy()
    pipe = build_pipeline(
        {"n_layers": 1, "width": 4, "max_epochs": 2},
        task="binary",
        categorical=["city"],
        numeric=["x"],
        seed=0,
    ).fit(X, y)
    archive = sio.dumps(pipe)
    return archive, json.loads(_members(archive)["schema.json"])


def _load_bytes(tmp_path, data):
    path = tmp_path / "crafted.regtune"
    path.write_bytes(data)
    return regtune.load(path)


def _deepest_object(schema):
    """The deepest node that names a class: an attacker's best hiding place."""
    best, stack = None, [(schema, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            if "__class__" in item and (best is None or depth > best[1]):
                best = (item, depth)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return best[0]


CRAFTED_NODES = {
    "untrusted class deep in the pipeline": {
        "__class__": "Popen",
        "__module__": "subprocess",
        "__loader__": "ObjectNode",
        "content": {},
    },
    "FunctionNode os.system": {"__class__": "system", "__module__": "os", "__loader__": "FunctionNode"},
    "FunctionNode with a trusted name": {
        "__class__": "dict",
        "__module__": "builtins",
        "__loader__": "FunctionNode",
    },
    "MethodNode": {
        "__class__": "dict",
        "__module__": "builtins",
        "__loader__": "MethodNode",
        "content": {"func": "system", "obj": {}},
    },
    "PartialNode exec": {
        "__class__": "partial",
        "__module__": "functools",
        "__loader__": "PartialNode",
        "content": {"func": {"__class__": "exec", "__module__": "builtins", "__loader__": "TypeNode"}},
    },
    "TypeNode os.system": {"__class__": "system", "__module__": "os", "__loader__": "TypeNode"},
    "TypeNode builtins.eval": {"__class__": "eval", "__module__": "builtins", "__loader__": "TypeNode"},
    "unknown loader": {"__class__": "dict", "__module__": "builtins", "__loader__": "EvalNode"},
    "reduce into os.system": {
        "__class__": "system",
        "__module__": "os",
        "__loader__": "ConstructorFromReduceNode",
        "content": {"args": ["touch marker"]},
    },
}


@pytest.mark.parametrize("case", list(CRAFTED_NODES))
def test_crafted_node_deep_in_a_pipeline_is_refused(saved_pipeline, tmp_path, case):
    archive, schema = saved_pipeline
    crafted = json.loads(json.dumps(schema))
    target = _deepest_object(crafted)
    target.clear()
    target.update(CRAFTED_NODES[case])
    members = {**_members(archive), "schema.json": json.dumps(crafted).encode()}
    with pytest.raises(ModelFileError, match="refusing to load types outside regtune's trusted"):
        _load_bytes(tmp_path, _wrap(_archive(members)))


def test_npy_member_that_is_a_pickled_object_array_never_unpickles(saved_pipeline, tmp_path):
    archive, _schema = saved_pipeline
    members = _members(archive)
    arrays = [name for name in members if name.endswith(".npy")]
    assert arrays, "the pipeline stores arrays as .npy members"
    marker = tmp_path / "marker"
    evil = io.BytesIO()
    np.save(evil, np.array([_Payload(marker)], dtype=object), allow_pickle=True)
    for name in arrays:  # every array of the model replaced by the payload
        members[name] = evil.getvalue()
    with pytest.raises(ModelFileError, match="corrupt model file"):
        _load_bytes(tmp_path, _wrap(_archive(members)))
    assert not marker.exists()
    # The same payload as the whole file, behind a valid header: refused before any parsing.
    with pytest.raises(ModelFileError):
        _load_bytes(tmp_path, _wrap(pickle.dumps(_Payload(marker))))
    assert not marker.exists()


def _declare_size(archive, name, size):
    """Rewrite the uncompressed size of member ``name`` in the central directory to ``size``."""
    data = bytearray(archive)
    position = 0
    while True:
        position = data.find(b"PK\x01\x02", position)
        if position < 0:
            raise AssertionError(f"member {name} not found")
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46 : position + 46 + name_length] == name.encode():
            struct.pack_into("<I", data, position + 24, size)
            return bytes(data)
        position += 4


def test_zip_bomb_and_huge_declared_sizes_are_refused(saved_pipeline, tmp_path):
    archive, _ = saved_pipeline
    members = _members(archive)
    # 3 members declaring 3.75 GiB each: over the 8 GiB limit, refused before anything is inflated.
    bomb = _archive({**members, **{f"pad{i}.npy": b"" for i in range(3)}})
    for i in range(3):
        bomb = _declare_size(bomb, f"pad{i}.npy", 0xF0000000)
    with pytest.raises(ModelFileError, match="would unpack to more than 8 GiB"):
        _load_bytes(tmp_path, _wrap(bomb))
    # A real compression bomb (40 MiB of zeros in ~40 KiB) under the limit: a clean error.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        zf.writestr("zeros.npy", b"\0" * (40 * 2**20))
    model = _load_bytes(tmp_path, _wrap(out.getvalue()))  # an unused member is ignored
    assert type(model).__name__ == "FastPipeline"


@pytest.mark.parametrize(
    "name", ["../../escape.npy", "/tmp/regtune-absolute.npy", "a/../../b.npy", "link.npy"]
)
def test_path_like_and_symlink_members_write_nothing(saved_pipeline, tmp_path, name):
    archive, schema = saved_pipeline
    members = _members(archive)
    crafted = json.loads(json.dumps(schema))
    node = next(
        n for n in _nodes(crafted) if n.get("__loader__") == "NdArrayNode" and n.get("type") == "numpy"
    )
    old = node["file"]
    node["file"] = name
    info = zipfile.ZipInfo(name)
    if name == "link.npy":  # a member marked as a symbolic link to /etc/passwd
        info.external_attr = 0o120777 << 16
        members[name] = b"/etc/passwd"
    else:
        members[name] = members[old]
    members["schema.json"] = json.dumps(crafted).encode()
    before = sorted(p.name for p in tmp_path.parent.iterdir())
    with contextlib.suppress(ModelFileError):
        _load_bytes(tmp_path, _wrap(_archive(members, infos={name: info})))
    assert sorted(p.name for p in tmp_path.parent.iterdir()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crafted.regtune"]


HOSTILE_NAMES = [
    "os",
    "subprocess",
    "builtins",
    "posix",
    "Popen",
    "system",
    "eval",
    "exec",
    "__import__",
    "FunctionNode",
    "MethodNode",
    "PartialNode",
    "TypeNode",
    "ObjectNode",
    "ConstructorFromReduceNode",
    "NdArrayNode",
    "JsonNode",
    "open",
    "dict",
    "numpy",
    "ndarray",
    "sklearn.pipeline",
    "Pipeline",
    "payload.npy",
    "../payload.npy",
    "",
    "x" * 300,
]


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fuzzed_schemas_give_a_model_or_a_clean_error(saved_pipeline, tmp_path_factory, data):
    """Random nodes of the schema get hostile or malformed names, loaders and contents."""
    archive, schema = saved_pipeline
    crafted = json.loads(json.dumps(schema))
    nodes = _nodes(crafted)
    for _ in range(data.draw(st.integers(1, 4))):
        node = nodes[data.draw(st.integers(0, len(nodes) - 1))]
        key = data.draw(
            st.sampled_from(["__class__", "__module__", "__loader__", "content", "file", "type", "__id__"])
        )
        node[key] = data.draw(
            st.one_of(
                st.sampled_from(HOSTILE_NAMES),
                st.integers(-5, 2**40),
                st.none(),
                st.lists(st.sampled_from(HOSTILE_NAMES), max_size=3),
                st.dictionaries(st.sampled_from(HOSTILE_NAMES), st.sampled_from(HOSTILE_NAMES), max_size=3),
            )
        )
    folder = tmp_path_factory.mktemp("fuzz")
    marker = folder / "marker"
    members = {**_members(archive), "schema.json": json.dumps(crafted).encode()}
    evil = io.BytesIO()
    np.save(evil, np.array([_Payload(marker)], dtype=object), allow_pickle=True)
    members["payload.npy"] = evil.getvalue()
    try:
        model = _load_bytes(folder, _wrap(_archive(members)))
    except ModelFileError:
        pass
    else:
        assert model is not None
    assert not marker.exists()


# ------------------------------------------------------------------ reports in Chromium

HOSTILE_COLUMNS = [
    "<script>alert('col')</script>",
    '"><img src=x onerror=alert(5)>',
    "</textarea><svg onload=alert(6)>",
]
HOSTILE_VALUES = [
    "</script><script>alert(7)</script>",
    "<img src=x onerror=alert(8)>",
    "javascript:alert(9)",
    "{{constructor.constructor('alert(10)')()}}",
]


@pytest.mark.browser
def test_report_of_a_study_tuned_on_hostile_names_is_inert_in_chromium(tmp_path, tools):
    from test_report_browser import PROBE, chromium, run_chromium

    from regtune.report import write_report

    rng = np.random.default_rng(3)
    n = 60
    X = pd.DataFrame(
        {
            HOSTILE_COLUMNS[0]: rng.normal(size=n),
            HOSTILE_COLUMNS[1]: rng.choice(HOSTILE_VALUES, size=n),
            HOSTILE_COLUMNS[2]: rng.choice(HOSTILE_VALUES[::-1], size=n),
        }
    )
    y = pd.Series(rng.choice(["<b>no</b>", "yes"], size=n), name="<i>target</i>")
    storage = f"sqlite:///{tmp_path / 'h.db'}"
    result = regtune.tune(
        X,
        y,
        storage=storage,
        study_name="<script>alert(11)</script>",
        n_trials=3,
        cv=2,
        space=tools.QUICK_SPACE,
        refit=False,
        progress=False,
    )
    page = write_report(result.study, tmp_path / "report.html", storage=storage)
    text = page.read_text(encoding="utf-8")
    for raw in [*HOSTILE_COLUMNS, "<i>target</i>"]:
        assert raw not in text.split("<script", 1)[0], "raw markup in the HTML before any script"
    probed = tmp_path / "probed.html"
    probed.write_text(
        text.replace('<meta charset="utf-8">', '<meta charset="utf-8">' + PROBE, 1), encoding="utf-8"
    )
    done = run_chromium(
        chromium(), tmp_path / "profile", "--virtual-time-budget=20000", "--dump-dom", probed.as_uri()
    )
    match = re.search(r'<textarea id="__probe">(.*?)</textarea>', done.stdout, re.S)
    assert match is not None, done.stderr[-2000:]
    seen = json.loads(html.unescape(match.group(1)))
    assert seen["alerts"] == [] and seen["errors"] == []
    assert not any("alert(" in s for s in seen["scripts"]), "no injected script element"
    for name in HOSTILE_COLUMNS:
        assert name in seen["bodyText"], f"column {name!r} is shown as typed"
    assert "<i>target</i>" in seen["bodyText"] and "<script>alert(11)</script>" in seen["bodyText"]
    assert all(chart["svgs"] >= 1 for chart in seen["charts"])


# ------------------------------------------------------------------ passwords

SECRET = "SECRETPW"


@pytest.mark.postgres
def test_password_never_appears_in_output_files_or_study(pg, quick_files, tools):
    url = pg.url_with(password=SECRET)
    work = quick_files
    outputs = []

    def regtune_cli(*args):
        code, out, err = tools.run(*args, cwd=work, timeout=180)
        outputs.append((args[0], code, out, err))
        assert code == 0, err
        return out

    common = ("--storage", url, "--study", "pw")
    regtune_cli(
        "tune",
        "data.csv",
        "--target",
        "y",
        "--trials",
        4,
        "--workers",
        2,
        "--cv",
        2,
        "--space",
        "space.toml",
        "--out",
        "out",
        *common,
    )  # not -q: progress lines too
    regtune_cli("worker", *common, "--trials", 1)
    regtune_cli("report", *common, "-o", "out/again.html")
    regtune_cli("studies", "--storage", url)
    regtune_cli("fit", "data.csv", "--params", "best", *common, "-o", "out/fit.regtune")
    # An error naming the storage (a study that does not exist) is masked too.
    code, out, err = tools.run("report", "--storage", url, "--study", "absent", cwd=work)
    outputs.append(("report-error", code, out, err))
    assert code == 1 and "***" in err
    for command_name, _, out, err in outputs:
        assert SECRET not in out and SECRET not in err, command_name
    assert "postgresql://postgres:***@127.0.0.1" in outputs[1][2], "worker names the masked URL"
    for path in tools.files_under(work):
        assert SECRET.encode() not in (work / path).read_bytes(), path
    from regtune.tuning import open_storage

    storage = open_storage(url)
    for summary in storage.get_all_studies():
        study_id = summary._study_id
        assert SECRET not in json.dumps(summary.user_attrs, default=str)
        assert SECRET not in json.dumps(storage.get_study_system_attrs(study_id), default=str)
        for trial in storage.get_all_trials(study_id):
            dumped = json.dumps([trial.user_attrs, trial.system_attrs, trial.params], default=str)
            assert SECRET not in dumped


# ------------------------------------------------------------------ property-based tests

_category = st.sampled_from(["a", "b", "c", "d", None])


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(6, 40),
    n_columns=st.integers(1, 3),
    seed=st.integers(0, 2**16),
    task=st.sampled_from(["binary", "regression", "multiclass"]),
    smooth=st.sampled_from(["auto", 0.0, 1.0, 100.0]),
    nan_rate=st.sampled_from([0.0, 0.3]),
)
def test_target_encoder_output_is_finite_and_within_the_target_range(
    n, n_columns, seed, task, smooth, nan_rate
):
    from regtune.encoding import TargetEncoder

    rng = np.random.default_rng(seed)
    X = pd.DataFrame({f"c{j}": rng.choice(["a", "b", "c", "d"], size=n) for j in range(n_columns)})
    X = X.mask(rng.random(X.shape) < nan_rate)
    if task == "regression":
        y = rng.normal(size=n) * 10
    elif task == "binary":
        y = np.r_[[0, 1] * 3, rng.integers(0, 2, size=n - 6)]
    else:
        y = np.r_[[0, 1, 2] * 2, rng.integers(0, 3, size=n - 6)]
    encoder = TargetEncoder(smooth=smooth, cv=2, random_state=0)
    out = encoder.fit_transform(X, y)
    width = n_columns * (3 if task == "multiclass" else 1)
    assert out.shape == (n, width) and out.dtype == np.float64
    assert np.isfinite(out).all()
    low, high = (y.min(), y.max()) if task == "regression" else (0.0, 1.0)
    assert (out >= low - 1e-9).all() and (out <= high + 1e-9).all()
    fitted = encoder.transform(X)
    assert fitted.shape == out.shape and np.isfinite(fitted).all()


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(8, 50),
    n_features=st.integers(1, 6),
    seed=st.integers(0, 2**16),
    layers=st.lists(st.integers(1, 12), min_size=0, max_size=3),
    activation=st.sampled_from(["relu", "tanh", "logistic", "identity"]),
    dropout=st.sampled_from([0.0, 0.3]),
    batch_norm=st.booleans(),
    n_classes=st.sampled_from([0, 2, 3]),
)
def test_engine_on_random_shapes_is_finite_and_well_shaped(
    n, n_features, seed, layers, activation, dropout, batch_norm, n_classes
):
    import warnings

    from regtune.neural_network import MLPClassifier, MLPRegressor

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    options = dict(
        hidden_layer_sizes=tuple(layers),
        activation=activation,
        dropout=dropout,
        batch_norm=batch_norm and bool(layers),
        max_iter=5,
        batch_size=8,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if n_classes == 0:
            model = MLPRegressor(**options).fit(X, rng.normal(size=n))
            prediction = model.predict(X)
            assert prediction.shape == (n,) and np.isfinite(prediction).all()
        else:
            y = np.r_[np.arange(n_classes), rng.integers(0, n_classes, size=n - n_classes)]
            model = MLPClassifier(**options).fit(X, y)
            proba = model.predict_proba(X)
            assert proba.shape == (n, n_classes) and np.isfinite(proba).all()
            np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)
            assert set(model.predict(X)) <= set(range(n_classes))
    assert np.isfinite(model.loss_curve_).all()
