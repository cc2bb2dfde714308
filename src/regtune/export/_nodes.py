"""Adding ONNX nodes and constants inside a skl2onnx converter, one line per node."""

import numpy as np
from onnx import TensorProto, numpy_helper
from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

__all__ = ["FLOAT_TYPES", "concat_inputs", "constant", "node", "numpy_dtype", "proto_type"]

ML_DOMAIN = "ai.onnx.ml"
FLOAT_TYPES = {np.dtype(np.float32): FloatTensorType, np.dtype(np.float64): DoubleTensorType}


def numpy_dtype(variable):
    """float32 or float64: the NumPy dtype of a float tensor variable."""
    return np.dtype(np.float64 if isinstance(variable.type, DoubleTensorType) else np.float32)


def proto_type(dtype):
    """The ONNX element type of a NumPy float dtype."""
    return TensorProto.DOUBLE if np.dtype(dtype) == np.float64 else TensorProto.FLOAT


def constant(scope, container, hint, array):
    """Add ``array`` (numbers, booleans or strings) as an initializer; return its name."""
    name = scope.get_unique_variable_name(hint)
    array = np.asarray(array)
    if array.dtype.kind in "UO":
        values = [str(v).encode() for v in array.ravel()]
        container.add_initializer(name, TensorProto.STRING, list(array.shape), values)
    else:
        container.add_initializer(name, None, None, numpy_helper.from_array(array, name))
    return name


def node(scope, container, op_type, inputs, hint, *, domain="", version=None, output=None, **attrs):
    """Add one node; return the name of its (single) output, ``output`` if given."""
    output = output or scope.get_unique_variable_name(hint)
    container.add_node(
        op_type,
        list(inputs),
        [output],
        op_domain=domain,
        op_version=version,
        name=scope.get_unique_operator_name(op_type),
        **attrs,
    )
    return output


def concat_inputs(scope, container, operator):
    """The operator's float inputs as one matrix, joined with ``Concat`` (never FeatureVectorizer,
    which computes in float32)."""
    names = [variable.full_name for variable in operator.inputs]
    return names[0] if len(names) == 1 else node(scope, container, "Concat", names, "joined", axis=1)
