"""regtune's ``MLPClassifier`` and ``MLPRegressor`` as ONNX: the network's prediction steps and the output.

The network (``network_state_``) becomes ONNX step by step (``_network``): the runs of layers that
fold as dense steps ``z = a @ W + b`` (batch norm folded with the running statistics, classic
dropout's ``1 - p`` and feature scales applied to the weights, inverted dropout nothing) with the
activation between them (Relu, Tanh, Sigmoid or none), and the numeric embeddings and k-member
layers with their own nodes. ``z`` below is the network's logits; a k-member network ends with
the members' mean output instead (mean prediction, or mean probability for classifiers), used as
the output itself. Outputs, as ``predict``/``predict_proba`` compute them:

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
from ._network import network_output as steps_output
from ._network import unexportable
from ._nodes import concat_inputs, constant, node, numpy_dtype, proto_type
from ._registry import Converter, register

CLASSIFIER, REGRESSOR = "RegtuneMLPClassifier", "RegtuneMLPRegressor"


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


def network_output(scope, operator, container, dtype):
    """The network's output in ``dtype``: ``(name, is_output)``, logits (``is_output`` False) or, for
    a k-member network, the members' mean output (see ``_network``)."""
    mlp = operator.raw_operator
    a = concat_inputs(scope, container, operator)
    if np.dtype(numpy_dtype(operator.inputs[0])) != dtype:
        a = node(scope, container, "Cast", [a], "x", to=proto_type(dtype))
    return steps_output(scope, container, mlp.network_state_, a, dtype)


def convert_regressor(scope, operator, container):
    dtype = numpy_dtype(operator.outputs[0])
    z, _ = network_output(scope, operator, container, dtype)
    node(scope, container, "Identity", [z], "variable", output=operator.outputs[0].full_name)


def convert_classifier(scope, operator, container):
    mlp = operator.raw_operator
    label, proba = operator.outputs
    dtype = numpy_dtype(proba)
    z, is_output = network_output(scope, operator, container, dtype)
    if len(mlp.classes_) == 2:
        p = z if is_output else node(scope, container, "Sigmoid", [z], "p")
        one = constant(scope, container, "one", np.ones(1, dtype=dtype))
        q = node(scope, container, "Sub", [one, p], "q")
        node(scope, container, "Concat", [q, p], "proba", output=proba.full_name, axis=1)
    else:
        op = "Identity" if is_output else "Softmax"
        attrs = {} if is_output else {"axis": 1}
        node(scope, container, op, [z], "proba", output=proba.full_name, **attrs)
    label_of(scope, container, mlp.classes_, proba.full_name, label.full_name)


def label_of(scope, container, classes, proba, output):
    """``output`` = ``classes[argmax(proba, axis=1)]``, typed as ``label_type(classes)``."""
    best = node(scope, container, "ArgMax", [proba], "best", axis=1, keepdims=0)
    classes = np.asarray(classes)
    if classes.dtype.kind in "iu":
        classes = classes.astype(np.int64)
    elif classes.dtype.kind == "f":
        classes = classes.astype(np.float64)
    elif classes.dtype.kind != "b":
        classes = np.array([str(c) for c in classes], dtype=object)
    table = constant(scope, container, "classes", classes)
    node(scope, container, "Gather", [table, best], "label", output=output, axis=0)


def network_problem(mlp):
    """Why the fitted network has no ONNX form (one line), or None."""
    return unexportable(mlp.network_state_)


register(MLPClassifier, Converter(CLASSIFIER, parse_classifier, convert_classifier, problem=network_problem))
register(MLPRegressor, Converter(REGRESSOR, parse_regressor, convert_regressor, problem=network_problem))
