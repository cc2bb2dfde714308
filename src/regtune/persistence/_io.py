"""``save`` and ``load``: a checksummed skops archive, checked against an explicit type list.

File layout (version 1)::

    REGTUNE-MODEL 1\n
    {"size": <bytes of the archive>, "sha256": "<hex>", "regtune_version": "...", "type": "..."}\n
    <skops archive: zip of schema.json + .npy arrays>

The header makes a truncated or corrupted file fail with a clear message before anything is parsed; the
type check (see ``_trusted.py``) makes a crafted file fail before any object is built.
"""

import hashlib
import io
import json
import zipfile
from pathlib import Path

from .._atomic import write_atomic
from ..exceptions import ModelFileError
from ._trusted import TRUSTED_TYPES

_MAGIC = b"REGTUNE-MODEL 1\n"
_MAX_HEADER = 4096
_MAX_UNPACKED = 8 * 1024**3
# skops node kinds that only rebuild data and plain objects; function, method and partial nodes
# (which import a callable by name) are refused.
_LOADERS = frozenset(
    {
        "DictNode",
        "ListNode",
        "TupleNode",
        "SetNode",
        "SliceNode",
        "JsonNode",
        "TypeNode",
        "DTypeNode",
        "NdArrayNode",
        "MaskedArrayNode",
        "ObjectNode",
        "BytesNode",
        "BytearrayNode",
        "ConstructorFromReduceNode",
    }
)  # refuse archives that would unpack to more than 8 GiB (zip bombs)


def save(obj, path):
    """Save a fitted estimator or pipeline to ``path`` without pickle.

    The file is written to a temporary file beside ``path`` and renamed, so an interrupted save never
    leaves a half-written model.

    Parameters
    ----------
    obj : estimator or Pipeline
        Any object made of the types listed in ``regtune.persistence.TRUSTED_TYPES``.
    path : str or Path
        Destination; the conventional extension is ``.regtune``.

    Returns
    -------
    path : Path

    Examples
    --------
    >>> import numpy as np, regtune, tempfile, os
    >>> from sklearn.linear_model import Ridge
    >>> model = Ridge().fit(np.eye(3), [1.0, 2.0, 3.0])
    >>> path = os.path.join(tempfile.mkdtemp(), "model.regtune")
    >>> bool(regtune.load(regtune.save(model, path)).predict(np.eye(3))[0] == model.predict(np.eye(3))[0])
    True
    """
    import skops.io as sio

    path = Path(path)
    archive = sio.dumps(obj)
    problems = _untrusted(_read_schema(archive))
    if problems:
        raise TypeError(
            f"cannot save {type(obj).__name__}: it holds types outside regtune's trusted list, "
            f"which load would refuse: {problems}"
        )
    header = {
        "size": len(archive),
        "sha256": hashlib.sha256(archive).hexdigest(),
        "regtune_version": _version(),
        "type": f"{type(obj).__module__}.{type(obj).__qualname__}",
    }
    blob = _MAGIC + json.dumps(header).encode() + b"\n" + archive
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(path, lambda tmp: Path(tmp).write_bytes(blob), what="model")


def load(path):
    """Load a model saved by :func:`save`. Never unpickles and never runs code from the file.

    Raises
    ------
    ModelFileError
        The file is not a regtune model, is truncated or corrupt, or names a type outside
        ``TRUSTED_TYPES``.
    FileNotFoundError
        ``path`` does not exist.
    """
    import skops.io as sio

    path = Path(path)
    data = path.read_bytes()
    archive = _unwrap(data, path)
    schema = _read_schema(archive, path)
    problems = _untrusted(schema)
    if problems:
        raise ModelFileError(f"{path}: refusing to load types outside regtune's trusted list: {problems}")
    types, _ = _named_types(schema)
    try:
        return sio.loads(archive, trusted=sorted(types))
    except Exception as exc:  # any failure inside a checked archive is a corrupt file, never a crash
        raise ModelFileError(f"{path}: corrupt model file ({type(exc).__name__}: {exc})") from None


def _unwrap(data, path):
    if not data.startswith(_MAGIC):
        raise ModelFileError(f"{path}: not a regtune model file (missing the REGTUNE-MODEL header)")
    end = data.find(b"\n", len(_MAGIC), len(_MAGIC) + _MAX_HEADER)
    if end < 0:
        raise ModelFileError(f"{path}: corrupt model file (header line is missing or too long)")
    try:
        header = json.loads(data[len(_MAGIC) : end])
        size, digest = int(header["size"]), str(header["sha256"])
    except (ValueError, KeyError, TypeError):
        raise ModelFileError(f"{path}: corrupt model file (unreadable header)") from None
    archive = data[end + 1 :]
    if len(archive) != size:
        raise ModelFileError(
            f"{path}: truncated or padded model file: expected {size} bytes of model, found {len(archive)}"
        )
    if hashlib.sha256(archive).hexdigest() != digest:
        raise ModelFileError(f"{path}: corrupt model file (checksum mismatch)")
    return archive


def _read_schema(archive, path="<memory>"):
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as zf:
            if sum(info.file_size for info in zf.infolist()) > _MAX_UNPACKED:
                raise ModelFileError(f"{path}: model file would unpack to more than 8 GiB")
            return json.loads(zf.read("schema.json"))
    except ModelFileError:
        raise
    except Exception as exc:
        raise ModelFileError(f"{path}: corrupt model file ({type(exc).__name__}: {exc})") from None


def _named_types(node):
    """Every ``module.Class`` and every skops loader the schema names, at any depth."""
    types, loaders, stack = set(), set(), [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "__module__" in item or "__class__" in item or "__loader__" in item:
                types.add(f"{item.get('__module__')}.{item.get('__class__')}")
                loaders.add(str(item.get("__loader__")))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return types, loaders


def _untrusted(schema):
    """Sorted names of the types and loaders in ``schema`` that are not on the trusted lists."""
    types, loaders = _named_types(schema)
    return sorted(types - TRUSTED_TYPES) + sorted(f"loader {name}" for name in loaders - _LOADERS)


def _version():
    from .. import __version__

    return __version__
