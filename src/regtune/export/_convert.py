"""``to_onnx`` and ``export_onnx``: a fitted model as one ONNX graph over its raw named columns."""

import json
from functools import partial
from pathlib import Path

import numpy as np

try:
    import onnx  # noqa: F401
    import skl2onnx  # noqa: F401
except ImportError as exc:
    raise ImportError(f"ONNX export needs {exc.name}: pip install 'regtune[onnx]'") from None

from . import _encoders, _ensemble, _imputer, _mlp, _numeric  # noqa: F401  (they register converters)
from ._fast import FastPipeline
from ._inputs import computing_steps, raw_columns
from ._nodes import FLOAT_TYPES, ML_DOMAIN
from ._registry import CONVERTERS, converter_for
from ._routing import parse_column_transformer, parse_pipeline
from ._skl2onnx import converts, register_alias

__all__ = ["DEFAULT_OPSET", "ML_OPSET", "export_onnx", "to_onnx"]

DEFAULT_OPSET = 18  # the default domain's opset: ONNX Runtime >= 1.14
ML_OPSET = 4  # ai.onnx.ml: LabelEncoder with tensor keys (double and string): ONNX Runtime >= 1.17
_SKL2ONNX_ML_OPSET = 3  # the highest skl2onnx accepts; raised to ML_OPSET after conversion
_MIN_OPSET = 13  # Softmax over one axis, Gather/Where/IsNaN on every type used here


def to_onnx(model, *, dtype=np.float32, opset=DEFAULT_OPSET):
    """The ONNX ``ModelProto`` of a fitted model (see :func:`export_onnx`)."""
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import DoubleTensorType, StringTensorType
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.utils.validation import check_is_fitted

    float_type = _float_type(dtype)
    dtype = np.dtype(dtype)
    if isinstance(opset, bool) or not isinstance(opset, (int, np.integer)) or opset < _MIN_OPSET:
        raise ValueError(f"opset must be an integer >= {_MIN_OPSET}, got {opset!r}")
    check_is_fitted(model)
    _check_convertible(model)
    for converter in CONVERTERS.values():
        register_alias(converter.alias, _shapes_from_parser, converter.convert)
    columns = raw_columns(model)
    input_types = {"string": StringTensorType, "number": DoubleTensorType, "float": float_type}
    initial_types = [(name, input_types[raw.kind]([None, 1])) for name, raw in columns]
    markers = {name: raw.missing for name, raw in columns if raw.missing is not None}
    parsers = {
        kind: partial(c.parse, float_type=float_type, **({"markers": markers} if c.raw_columns else {}))
        for kind, c in CONVERTERS.items()
    }
    parsers[ColumnTransformer] = partial(parse_column_transformer, float_type=float_type)
    parsers[Pipeline] = partial(parse_pipeline, float_type=float_type)
    parsers[FastPipeline] = parsers[Pipeline]  # build_pipeline's Pipeline (skl2onnx looks up exact types)
    try:
        graph = convert_sklearn(
            model,
            initial_types=initial_types,
            target_opset={"": int(opset), ML_DOMAIN: _SKL2ONNX_ML_OPSET},
            custom_parsers=parsers,
        )
    except (RuntimeError, ValueError, TypeError, KeyError) as exc:  # skl2onnx's refusals subclass these
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"cannot export {type(model).__name__} to ONNX: {first}") from None
    _raise_ml_opset(graph)
    _drop_unused(graph.graph)
    _set_metadata(graph, model, columns, dtype)
    import onnx

    onnx.checker.check_model(graph, full_check=True)
    return graph


def export_onnx(model, path, *, dtype=np.float32, opset=DEFAULT_OPSET):
    """Write a fitted model, preprocessing included, as one ONNX graph.

    The graph's inputs are the raw columns the model was fitted on, by name, each of shape
    ``(N, 1)``: a string tensor for a column a categorical encoder learned strings for (a
    missing value is ``""``, see ``docs/deployment.md``), a double tensor for one it learned
    numbers for, and a tensor of ``dtype`` for every numeric column (NaN is missing). The graph
    imputes, adds the missing-value indicators, target-encodes (unknown and missing categories as
    ``TargetEncoder.transform`` treats them), scales and runs every layer of the network.
    Outputs: ``label`` (shape ``(N,)``, typed as ``classes_``) and ``probabilities``
    (``(N, n_classes)``) for a classifier, ``variable`` (``(N, n_outputs)``) for a regressor.

    Parameters
    ----------
    model : Pipeline or estimator
        A fitted model, as ``regtune.load`` returns it.
    path : str or Path
        Destination (conventionally ``.onnx``); written atomically.
    dtype : {numpy.float32, numpy.float64}, default=numpy.float32
        Precision of the graph's arithmetic and numeric inputs. float64 reproduces regtune's
        predictions to about 1e-12; float32 to about 1e-6, and runs faster.
    opset : int, default=18
        Opset of the default ONNX domain (>= 13); the ``ai.onnx.ml`` domain is at opset 4.

    Returns
    -------
    path : Path

    Raises
    ------
    ValueError
        A step has no ONNX converter (the message names it), or ``dtype``/``opset`` is invalid.

    Examples
    --------
    >>> import regtune, numpy as np  # doctest: +SKIP
    >>> regtune.export_onnx(regtune.load("model.regtune"), "model.onnx", dtype=np.float64)  # doctest: +SKIP
    """
    from .._atomic import write_atomic

    data = to_onnx(model, dtype=dtype, opset=opset).SerializeToString()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(path, lambda tmp: Path(tmp).write_bytes(data), what="ONNX model")


def _float_type(dtype):
    try:
        return FLOAT_TYPES[np.dtype(dtype)]
    except (TypeError, KeyError):
        raise ValueError(f"dtype must be numpy.float32 or numpy.float64, got {dtype!r}") from None


def _shapes_from_parser(operator):
    """regtune's parsers declare every output's type and shape; nothing is left to infer."""


def _check_convertible(model):
    """Raise a one-line ValueError naming the first step that no converter knows or that its
    converter cannot express (``Converter.problem``)."""
    for path, step in _leaf_steps(model, type(model).__name__):
        converter = converter_for(step)
        name = f"{type(step).__module__}.{type(step).__qualname__}"
        if converter is None and not converts(type(step)):
            raise ValueError(f"cannot export step {path} ({name}) to ONNX: no converter for it")
        problem = None if converter is None or converter.problem is None else converter.problem(step)
        if problem is not None:
            raise ValueError(f"cannot export step {path} ({name}) to ONNX: {problem}")


def _leaf_steps(step, path):
    """``(path, step)`` for every step below the Pipeline/ColumnTransformer/FeatureUnion tree, and
    for every step that holds others (an ensemble: itself, then its members' steps)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import FeatureUnion, Pipeline

    converter = converter_for(step)
    if isinstance(step, Pipeline):
        computed = {id(s) for s in computing_steps(step)}
        children = [(name, s) for name, s in step.steps if id(s) in computed]
    elif isinstance(step, ColumnTransformer):
        children = [(name, t) for name, t, _ in step.transformers_]
    elif isinstance(step, FeatureUnion):
        children = step.transformer_list
    elif converter is not None and converter.children is not None:
        yield path, step
        children = converter.children(step)
    else:
        yield path, step
        return
    for name, child in children:
        if not isinstance(child, str) and child is not None:
            yield from _leaf_steps(child, f"{path} > {name}")


def _drop_unused(graph):
    """Remove the nodes that no output of ``graph`` depends on (the labels of an ensemble's
    members), and the initializers only they read. The nodes are in topological order."""
    needed = {output.name for output in graph.output}
    kept = []
    for item in reversed(graph.node):
        if any(name in needed for name in item.output):
            kept.append(item)
            needed.update(item.input)
    initializers = [tensor for tensor in graph.initializer if tensor.name in needed]
    del graph.node[:], graph.initializer[:]
    graph.node.extend(reversed(kept))
    graph.initializer.extend(initializers)


def _raise_ml_opset(graph):
    """Declare ai.onnx.ml opset 4, which the LabelEncoder nodes with tensor keys need.

    skl2onnx converts at ai.onnx.ml opset 3 at most; every ai.onnx.ml operator it emits means the
    same at opset 4 (opset 4 only added LabelEncoder's tensor attributes).
    """
    for entry in graph.opset_import:
        if entry.domain == ML_DOMAIN:
            entry.version = max(entry.version, ML_OPSET)


def _set_metadata(graph, model, columns, dtype):
    """What a runtime needs besides the graph: columns, missing markers, task and classes."""
    import onnx

    from .. import __version__

    final = model.steps[-1][1] if hasattr(model, "steps") else model
    classes = getattr(final, "classes_", None)
    if classes is not None:
        task = "classifier"
    else:
        task = "regressor" if hasattr(final, "predict") else "transformer"
    props = {
        "regtune.version": __version__,
        "regtune.task": task,
        "regtune.dtype": dtype.name,
        "regtune.columns": json.dumps([name for name, _ in columns]),
        "regtune.missing_markers": json.dumps(
            {name: raw.missing for name, raw in columns if raw.missing is not None}
        ),
    }
    if classes is not None:
        props["regtune.classes"] = json.dumps(np.asarray(classes).tolist())
    onnx.helper.set_model_props(graph, props)
    graph.producer_name, graph.producer_version = "regtune", __version__
