"""regtune's ``preprocessing.NumericScaler`` as ONNX, as its ``transform`` computes::

    missing = IsNaN(x)
    z       = (where(missing, median_, x) - center_) / scale_
    out     = z / sqrt(1 + (z / b)**2)        (clip; +-b where |z / b| > 1e8, as hypot gives)
    out     = [out, missing[:, missing_features_]]

Shape: ``(N, n_features_in_)`` in (one matrix or one input per column),
``(N, n_features_in_ + len(missing_features_))`` out.
"""

import numpy as np

from ..preprocessing import NumericScaler
from ._nodes import concat_inputs, constant, node, numpy_dtype, proto_type
from ._registry import Converter, register

ALIAS = "RegtuneNumericScaler"
_FAR = 1e8  # beyond, sqrt(1 + t**2) == |t| to float64 precision: the clip is +-b


def parse(scope, scaler, inputs, custom_parsers=None, *, float_type):
    operator = scope.declare_local_operator(ALIAS, scaler)
    operator.inputs = list(inputs)
    width = scaler.n_features_in_ + len(scaler.missing_features_)
    operator.outputs.append(scope.declare_local_variable("scaled", inputs[0].type.__class__([None, width])))
    return operator.outputs


def convert(scope, operator, container):
    scaler = operator.raw_operator
    dtype = numpy_dtype(operator.outputs[0])

    def const(hint, value):
        return constant(scope, container, hint, np.asarray(value, dtype=dtype))

    x = concat_inputs(scope, container, operator)
    missing = node(scope, container, "IsNaN", [x], "missing")
    z = node(scope, container, "Where", [missing, const("median", scaler.median_), x], "filled")
    z = node(scope, container, "Sub", [z, const("center", scaler.center_)], "z")
    z = node(scope, container, "Div", [z, const("scale", scaler.scale_)], "z")
    if scaler.clip:
        t = node(scope, container, "Div", [z, const("bound", scaler.clip_bound)], "t")
        root = node(
            scope,
            container,
            "Sqrt",
            [
                node(
                    scope,
                    container,
                    "Add",
                    [const("one", 1.0), node(scope, container, "Mul", [t, t], "t2")],
                    "s",
                )
            ],
            "root",
        )
        clipped = node(scope, container, "Div", [z, root], "clipped")
        far = node(
            scope,
            container,
            "Greater",
            [node(scope, container, "Abs", [t], "abs"), const("far", _FAR)],
            "far",
        )
        edge = node(
            scope,
            container,
            "Mul",
            [node(scope, container, "Sign", [t], "sign"), const("bound", scaler.clip_bound)],
            "edge",
        )
        z = node(scope, container, "Where", [far, edge, clipped], "clipped")
    parts = [z]
    if len(scaler.missing_features_):
        index = constant(scope, container, "indicated", scaler.missing_features_.astype(np.int64))
        flags = node(scope, container, "Gather", [missing, index], "flags", axis=1)
        parts.append(node(scope, container, "Cast", [flags], "indicator", to=proto_type(dtype)))
    output = operator.outputs[0].full_name
    if len(parts) == 1:
        node(scope, container, "Identity", parts, "scaled", output=output)
    else:
        node(scope, container, "Concat", parts, "scaled", output=output, axis=1)


register(NumericScaler, Converter(ALIAS, parse, convert))
