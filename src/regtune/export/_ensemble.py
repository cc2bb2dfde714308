"""regtune's ``FoldEnsemble`` as ONNX: every member's graph on the shared raw columns, then their mean.

The members (the fold pipelines ``tune`` builds: preprocessing + network) read the graph's raw
column inputs, each through its own nodes (skl2onnx's scope keeps their names apart). For
members ``m = 1 .. k``, as ``FoldEnsemble.predict``/``predict_proba`` compute::

    regressor:   variable      = (1/k) * sum_m variable_m                  (N, n_outputs)
    classifier:  probabilities = (1/k) * sum_m probabilities_m             (N, n_classes)
                 label         = classes_[argmax(probabilities, axis=1)]   (N,)

The mean is of the probabilities, never of the labels; the members' own labels are not computed
(``to_onnx`` drops the nodes no output needs). A member whose graph does not end in a float
tensor of the graph's type (a scikit-learn classifier's ``ZipMap``, say) stops the export with
one line naming it.
"""

import numpy as np

from ..ensemble import FoldEnsemble
from ._mlp import label_of, label_type
from ._nodes import constant, node, numpy_dtype
from ._registry import Converter, register
from ._routing import parse_on_columns

ALIAS = "RegtuneFoldEnsemble"


def is_classifier(ensemble):
    """Whether ``ensemble`` predicts labels from its members' mean probabilities."""
    return hasattr(ensemble, "classes_") and hasattr(ensemble.members_[0], "predict_proba")


def members(ensemble):
    return [(f"member {i}", member) for i, member in enumerate(ensemble.members_)]


def problem(ensemble):
    if hasattr(ensemble, "classes_") and not is_classifier(ensemble):
        return "its members have classes_ but no predict_proba (it averages labels)"
    return None


def parse(scope, ensemble, inputs, custom_parsers=None, *, float_type):
    classifier = is_classifier(ensemble)
    operator = scope.declare_local_operator(ALIAS, ensemble)
    if classifier:  # declared before the members', so that the graph's outputs keep these names
        n_classes = len(ensemble.classes_)
        operator.outputs.append(scope.declare_local_variable("label", label_type(ensemble.classes_)([None])))
        operator.outputs.append(scope.declare_local_variable("probabilities", float_type([None, n_classes])))
    else:
        operator.outputs.append(scope.declare_local_variable("variable", float_type([None, None])))
    for name, member in members(ensemble):
        outputs = parse_on_columns(scope, member, inputs, custom_parsers, float_type)
        mean_of = outputs[1] if classifier and len(outputs) == 2 else outputs[0]
        if len(outputs) != (2 if classifier else 1) or not isinstance(mean_of.type, float_type):
            raise ValueError(
                f"FoldEnsemble {name} ({type(member).__name__}) must end in "
                f"{'a label and ' if classifier else ''}a {float_type.__name__}, got "
                f"{', '.join(type(v.type).__name__ for v in outputs)}"
            )
        operator.inputs.append(mean_of)
    if not classifier:
        operator.outputs[0].type = float_type([None, operator.inputs[0].type.shape[1]])
    return operator.outputs


def convert(scope, operator, container):
    ensemble = operator.raw_operator
    mean = operator.outputs[-1]
    dtype = numpy_dtype(mean)
    parts = [variable.full_name for variable in operator.inputs]
    total = parts[0] if len(parts) == 1 else node(scope, container, "Sum", parts, "total")
    k = constant(scope, container, "k", np.asarray([len(parts)], dtype=dtype))
    node(scope, container, "Div", [total, k], "mean", output=mean.full_name)
    if len(operator.outputs) == 2:
        label_of(scope, container, ensemble.classes_, mean.full_name, operator.outputs[0].full_name)


register(FoldEnsemble, Converter(ALIAS, parse, convert, problem=problem, children=members))
