"""The one door to skl2onnx's private API.

skl2onnx's public API (``convert_sklearn`` with ``custom_parsers``, the ``Scope`` and
``ModelComponentContainer`` objects handed to parsers and converters) needs three private pieces
when a converter is registered under an alias of its own instead of replacing the converter of a
scikit-learn class for the whole process:

* ``skl2onnx._parse._parse_sklearn``: parse one step (what the Pipeline parser calls per step);
* ``skl2onnx.common._registration.register_converter`` and ``register_shape_calculator``: attach a
  converter and a shape calculator to an alias;
* ``skl2onnx._supported_operators.sklearn_operator_name_map``: the classes skl2onnx converts
  (its public ``supported_converters`` lists aliases, not classes).

If a skl2onnx release moves them, ``tests/export/test_onnx_parity.py`` fails on its first export.
"""

from skl2onnx._parse import _parse_sklearn
from skl2onnx._supported_operators import sklearn_operator_name_map
from skl2onnx.common._registration import register_converter, register_shape_calculator

__all__ = ["converts", "parse_step", "register_alias"]


def converts(step_type):
    """Whether skl2onnx has a converter of its own for ``step_type``."""
    return step_type in sklearn_operator_name_map


def parse_step(scope, step, inputs, custom_parsers):
    """The output variables of ``step`` applied to ``inputs`` (skl2onnx's parser, or ours)."""
    return _parse_sklearn(scope, step, inputs, custom_parsers=custom_parsers)


def register_alias(alias, shape_calculator, converter):
    """Attach ``converter`` and ``shape_calculator`` to operators declared as ``alias``."""
    register_converter(alias, converter, overwrite=True)
    register_shape_calculator(alias, shape_calculator, overwrite=True)
