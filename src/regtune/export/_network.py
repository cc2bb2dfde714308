"""A fitted network's prediction steps as ONNX nodes, for every layer kind the estimators build.

The network is rebuilt from ``network_state_`` (``network_from_state``) and walked through
``Network.prediction_steps()``, the same steps ``forward_predict`` runs:

* a ``DenseChain`` (a run of dense, batch norm, activation, dropout and feature-scale layers,
  folded): per step ``a = f(a @ W + b)``, ``f`` the step's activation (Relu, Tanh, Sigmoid, none);
* a layer that does not fold, with its own formula (each layer's docstring):

  - ``periodic_embedding``: ``x = a[:, columns]`` ``(m, F)``; ``theta = x*(2*pi*w) [+ phi]``
    ``(m, F, k)``; ``h = cos(theta)`` (pbld) or ``[cos, sin]`` (plr); per-column linear maps as
    one batched MatMul ``(F, m, k_in) @ (F, k_in, d_lin) + c``; then ``[z, x]`` (pbld) or
    ``relu(z)`` (plr), flattened to ``(m, F*d)``, and the other columns ``a[:, rest]`` after it;
  - ``piecewise_linear_encoding``: ``u = (a[:, source] - left) * (1/width)``,
    ``min(max(u, lower), upper)`` with ``lower = -inf`` on each column's first bin and ``upper =
    inf`` on its last (open-ended, as the layer), then ``a[:, rest]``;
  - ``member_adapter``: ``(1, m, u) * r[:, None, :]`` reshaped to ``(k*m, u)``, member-major;
  - ``member_head``: ``(k, m, n_in) @ W_i + b_i``, then the members' mean *output*: the mean
    prediction (identity link), the mean of ``sigmoid`` (logistic) or of ``softmax`` (softmax)
    over the members, which is what ``predict``/``predict_proba`` return for that network;
  - a dense, batch norm, activation, dropout or feature-scale layer left outside a complete
    chain: its prediction-mode formula (``z @ W + b``, ``z*s + t``, ``f(z)``, classic dropout's
    ``*(1 - p)``, ``a*s``).

Every constant is the layer's array computed as the layer computes it, then cast to the graph's
float type.
"""

import numpy as np

from ..neural_network._state import network_from_state
from ..nn._chain import DenseChain
from ..nn._layers.periodic import TWO_PI
from ._nodes import constant, node

__all__ = ["ACTIVATIONS", "network_output", "unexportable"]

ACTIVATIONS = {"relu": "Relu", "tanh": "Tanh", "logistic": "Sigmoid", "identity": None, None: None}


def unexportable(state):
    """Why the network of ``state`` has no ONNX form (one line naming the step), or None."""
    steps = network_from_state(state).prediction_steps()
    for i, step in enumerate(steps):
        if isinstance(step, DenseChain):
            continue
        if step.kind not in _LAYERS:
            return f"layer {step.kind!r}: no ONNX form for this layer kind"
        if step.kind == "activation" and step.name not in ACTIVATIONS:
            return f"layer 'activation': unknown activation {step.name!r}"
        if step.kind == "member_head" and i != len(steps) - 1:
            return "layer 'member_head': it is not the network's last step"
    return None


def network_output(scope, container, state, a, dtype):
    """Add the network of ``state`` (``network_state_``) applied to the tensor ``a``.

    Returns ``(name, is_output)``: the last step's tensor, and True when it is already the
    network's output (a k-member head's mean output) rather than logits the loss's link turns
    into the output. ``unexportable(state)`` must be None.
    """
    steps = network_from_state(state).prediction_steps()
    for step in steps:
        if isinstance(step, DenseChain):
            a = _dense_chain(scope, container, step, a, dtype)
        else:
            a = _LAYERS[step.kind](scope, container, step, a, dtype)
    return a, getattr(steps[-1], "kind", None) == "member_head"


def _const(scope, container, hint, array, dtype):
    return constant(scope, container, hint, np.asarray(array).astype(dtype))


def _ints(scope, container, hint, values):
    return constant(scope, container, hint, np.asarray(values, dtype=np.int64))


def _activate(scope, container, name, a):
    op = ACTIVATIONS[name]
    return a if op is None else node(scope, container, op, [a], "h")


def _matmul_add(scope, container, a, W, b, dtype):
    z = node(scope, container, "MatMul", [a, _const(scope, container, "W", W, dtype)], "z")
    return (
        z if b is None else node(scope, container, "Add", [z, _const(scope, container, "b", b, dtype)], "z")
    )


def _dense_chain(scope, container, chain, a, dtype):
    for (W, b), activation in zip(chain.pairs(), chain.activations):
        a = _activate(scope, container, activation, _matmul_add(scope, container, a, W, b, dtype))
    return a


def _dense(scope, container, layer, a, dtype):
    return _matmul_add(scope, container, a, layer.W, layer.b if layer.bias else None, dtype)


def _scale_shift(scope, container, a, s, t, dtype):
    a = node(scope, container, "Mul", [a, _const(scope, container, "s", s, dtype)], "scaled")
    return (
        a
        if t is None
        else node(scope, container, "Add", [a, _const(scope, container, "t", t, dtype)], "shifted")
    )


def _batch_norm(scope, container, layer, a, dtype):
    return _scale_shift(scope, container, a, *layer.scale_and_shift(), dtype)


def _activation(scope, container, layer, a, dtype):
    return _activate(scope, container, layer.name, a)


def _dropout(scope, container, layer, a, dtype):
    if layer.scaling != "classic":
        return a  # inverted dropout is the identity at prediction
    return _scale_shift(scope, container, a, np.asarray([1.0 - layer.p]), None, dtype)


def _feature_scale(scope, container, layer, a, dtype):
    return _scale_shift(scope, container, a, layer.s, None, dtype)


def _columns(scope, container, a, columns):
    return node(scope, container, "Gather", [a, _ints(scope, container, "columns", columns)], "cols", axis=1)


def _with_rest(scope, container, blocks, a, split):
    """``[blocks, a[:, rest]]``: the embedded blocks, then the columns passed through."""
    if not split.rest:
        return blocks
    rest = _columns(scope, container, a, split.rest)
    return node(scope, container, "Concat", [blocks, rest], "embedded", axis=1)


def _periodic(scope, container, layer, a, dtype):
    x = _columns(scope, container, a, layer.split.columns)  # (m, F)
    x3 = node(scope, container, "Unsqueeze", [x, _ints(scope, container, "axis2", [2])], "x3")  # (m, F, 1)
    omega = _const(scope, container, "omega", TWO_PI * layer.frequencies, dtype)  # (F, k)
    theta = node(scope, container, "Mul", [x3, omega], "theta")  # (m, F, k)
    if layer.variant == "pbld":
        theta = node(
            scope, container, "Add", [theta, _const(scope, container, "phi", layer.phases, dtype)], "theta"
        )
        h = node(scope, container, "Cos", [theta], "h")
    else:
        cos, sin = (
            node(scope, container, "Cos", [theta], "cos"),
            node(scope, container, "Sin", [theta], "sin"),
        )
        h = node(scope, container, "Concat", [cos, sin], "h", axis=2)  # (m, F, 2k)
    hT = node(scope, container, "Transpose", [h], "hT", perm=[1, 0, 2])  # (F, m, k_in)
    maps = _const(scope, container, "L", layer._maps(layer.W), dtype)  # (F, k_in, d_lin)
    z = node(scope, container, "MatMul", [hT, maps], "z")
    z = node(scope, container, "Add", [z, _const(scope, container, "c", layer.b[:, None, :], dtype)], "z")
    z = node(scope, container, "Transpose", [z], "zT", perm=[1, 0, 2])  # (m, F, d_lin)
    if layer.variant == "pbld":
        blocks = node(scope, container, "Concat", [z, x3], "blocks", axis=2)  # (m, F, d)
    else:
        blocks = node(scope, container, "Relu", [z], "blocks")
    flat = node(scope, container, "Flatten", [blocks], "flat", axis=1)  # (m, F*d)
    return _with_rest(scope, container, flat, a, layer.split)


def _piecewise_linear(scope, container, layer, a, dtype):
    left = layer.edges[layer._left]
    inv_width = 1.0 / (layer.edges[layer._left + 1] - left)
    u = _columns(scope, container, a, layer._source)
    u = node(scope, container, "Sub", [u, _const(scope, container, "left", left, dtype)], "u")
    u = node(scope, container, "Mul", [u, _const(scope, container, "inv_width", inv_width, dtype)], "u")
    u = node(scope, container, "Max", [u, _const(scope, container, "lower", layer._lower, dtype)], "u")
    u = node(scope, container, "Min", [u, _const(scope, container, "upper", layer._upper, dtype)], "bins")
    return _with_rest(scope, container, u, a, layer.split)


def _member_adapter(scope, container, layer, a, dtype):
    a3 = node(scope, container, "Unsqueeze", [a, _ints(scope, container, "axis0", [0])], "a3")  # (1, m, u)
    r = _const(scope, container, "r", layer.r[:, None, :], dtype)  # (k, 1, u)
    copies = node(scope, container, "Mul", [a3, r], "copies")  # (k, m, u)
    return node(
        scope, container, "Reshape", [copies, _ints(scope, container, "rows", [-1, layer.units])], "rows"
    )


def _member_head(scope, container, layer, a, dtype):
    k = layer.n_members
    shape = _ints(scope, container, "members", [k, -1, layer.n_in])
    per_member = node(scope, container, "Reshape", [a, shape], "per_member")  # (k, m, n_in)
    heads = _const(scope, container, "heads", layer._heads(layer.W), dtype)  # (k, n_in, n_out)
    z = node(scope, container, "MatMul", [per_member, heads], "z")
    z = node(scope, container, "Add", [z, _const(scope, container, "b", layer.b[:, None, :], dtype)], "z")
    if layer.link == "logistic":
        z = node(scope, container, "Sigmoid", [z], "p")
    elif layer.link == "softmax":
        z = node(scope, container, "Softmax", [z], "p", axis=2)
    total = node(
        scope, container, "ReduceSum", [z, _ints(scope, container, "axis0", [0])], "total", keepdims=0
    )
    return node(
        scope, container, "Div", [total, _const(scope, container, "k", np.asarray([k]), dtype)], "mean"
    )


_LAYERS = {
    "dense": _dense,
    "batch_norm": _batch_norm,
    "activation": _activation,
    "dropout": _dropout,
    "feature_scale": _feature_scale,
    "periodic_embedding": _periodic,
    "piecewise_linear_encoding": _piecewise_linear,
    "member_adapter": _member_adapter,
    "member_head": _member_head,
}
