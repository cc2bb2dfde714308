"""regtune's ``MLPClassifier`` and ``MLPRegressor`` as ONNX: the folded dense chain and the output.

The prediction weights ``coefs_``/``intercepts_`` already hold batch normalization (folded with the
running statistics) and classic dropout's ``1 - p``; inverted dropout needs nothing at prediction.
So every layer is ``z = a @ W + b`` and, between layers, the activation (Relu, Tanh, Sigmoid or
none for identity). Outputs, as ``predict``/``predict_proba`` compute them:

* regressor: ``variable`` = ``z``, shape ``(N, n_outputs)``;
* binary classifier: ``p = sigmoid(z)``, ``probabilities`` = ``[1 - p, p]``;
* multiclass classifier: ``probabilities`` = ``softmax(z)``;
* classifiers: ``label`` = ``classes_[argmax(probabilities)]``, shape ``(N,)``, a string, int64,
  double or bool tensor as ``classes_`` is.
"""

import numpy as np
from skl2onnx.common.data_types import (
    BooleanTensorType,
    DoubleTensorType,
    Int64TensorType,
    StringTensorType,
)

from ..neural_network import MLPClassifier, MLPRegressor
from ._nodes import concat_inputs, constant, node, numpy_dtype, proto_type
from ._registry import Converter, register

CLASSIFIER, REGRESSOR = "RegtuneMLPClassifier", "RegtuneMLPRegressor"
_ACTIVATIONS = {"relu": "Relu", "tanh": "Tanh", "logistic": "Sigmoid", "identity": None}


def label_type(classes):
    """The tensor type of the ``label`` output for ``classes_``."""
    kind = np.asarray(classes).dtype.kind
    return {"b": BooleanTensorType, "i": Int64TensorType, "u": Int64TensorType, "f": DoubleTensorType}.get(
        kind, StringTensorType
    )


def parse_classifier(scope, mlp, inputs, custom_parsers=None, *, float_type):
    operator = scope.declare_local_operator(CLASSIFIER, mlp)
    operator.inputs = list(inputs)
    label = scope.declare_local_variable("label", label_type(mlp.classes_)([None]))
    proba = scope.declare_local_variable("probabilities", float_type([None, len(mlp.classes_)]))
    operator.outputs.extend([label, proba])
    return operator.outputs


def parse_regressor(scope, mlp, inputs, custom_parsers=None, *, float_type):
    operator = scope.declare_local_operator(REGRESSOR, mlp)
    operator.inputs = list(inputs)
    operator.outputs.append(scope.declare_local_variable("variable", float_type([None, mlp.n_outputs_])))
    return operator.outputs


def logits(scope, operator, container, dtype):
    """The output layer's pre-activation ``z`` of the dense chain, in ``dtype``."""
    mlp = operator.raw_operator
    a = concat_inputs(scope, container, operator)
    if np.dtype(numpy_dtype(operator.inputs[0])) != dtype:
        a = node(scope, container, "Cast", [a], "x", to=proto_type(dtype))
    activation = _ACTIVATIONS[mlp.activation]  # the estimator parameter the fit used
    last = len(mlp.coefs_) - 1
    for l, (W, b) in enumerate(zip(mlp.coefs_, mlp.intercepts_)):
        z = node(scope, container, "MatMul", [a, constant(scope, container, f"W{l}", W.astype(dtype))], "z")
        a = node(scope, container, "Add", [z, constant(scope, container, f"b{l}", b.astype(dtype))], "z")
        if l < last and activation is not None:
            a = node(scope, container, activation, [a], "h")
    return a


def convert_regressor(scope, operator, container):
    dtype = numpy_dtype(operator.outputs[0])
    z = logits(scope, operator, container, dtype)
    node(scope, container, "Identity", [z], "variable", output=operator.outputs[0].full_name)


def convert_classifier(scope, operator, container):
    mlp = operator.raw_operator
    label, proba = operator.outputs
    dtype = numpy_dtype(proba)
    z = logits(scope, operator, container, dtype)
    if len(mlp.classes_) == 2:
        p = node(scope, container, "Sigmoid", [z], "p")
        one = constant(scope, container, "one", np.ones(1, dtype=dtype))
        q = node(scope, container, "Sub", [one, p], "q")
        node(scope, container, "Concat", [q, p], "proba", output=proba.full_name, axis=1)
    else:
        node(scope, container, "Softmax", [z], "proba", output=proba.full_name, axis=1)
    best = node(scope, container, "ArgMax", [proba.full_name], "best", axis=1, keepdims=0)
    classes = np.asarray(mlp.classes_)
    if classes.dtype.kind in "iu":
        classes = classes.astype(np.int64)
    elif classes.dtype.kind == "f":
        classes = classes.astype(np.float64)
    elif classes.dtype.kind != "b":
        classes = np.array([str(c) for c in classes], dtype=object)
    table = constant(scope, container, "classes", classes)
    node(scope, container, "Gather", [table, best], "label", output=label.full_name, axis=0)


register(MLPClassifier, Converter(CLASSIFIER, parse_classifier, convert_classifier))
register(MLPRegressor, Converter(REGRESSOR, parse_regressor, convert_regressor))
