"""The layer protocol: what every layer kind provides so that a ``Network`` is just a list of layers.

A layer declares its parameters (``params``) and never allocates them: the ``Network`` puts every
layer's parameters into one flat vector ``theta`` (all penalized weights first, in layer order, then
everything else) and every gradient into ``grad`` at the same offsets, and hands each layer views into
both (``bind``). A parameter named ``W`` becomes the attribute ``layer.W``, its gradient ``layer.dW``.
So the optimizers and the penalties (L2, L1, weight decay, max-norm) act on a few long slices instead
of looping over layers.

What a layer kind implements (``Dense`` is the smallest complete example):

* ``kind`` (class attribute): the registry key saved with the layer; ``config()``: the constructor's
  arguments as plain data, so ``cls(**config())`` rebuilds it; ``state_names``: non-learned arrays it
  carries for prediction (batch norm's running statistics), saved with it.
* ``params()``: ``Param(name, shape, penalized)`` for each learned array. ``penalized=True`` only for
  weight matrices of shape ``(fan_in, units)``: column ``j`` holds unit ``j``'s incoming weights, which
  is what max-norm clips. Biases and scales/shifts are not penalized (``MATH.md`` section 2).
* ``initialize(rng)``: fill its parameter views (and state arrays).
* ``forward_train(a, update_stats)``: training-mode output for a batch ``a`` of ``m`` rows. It may
  keep references for its backward pass and returns a buffer of its own (``self.buffer``), or ``a``
  itself changed in place when ``self.in_place`` (the ``Network`` sets it when the layer before does
  not read its own output in backward, ``needs_output``).
* ``backward(d_out, need_d_in)``: overwrite (not add to) its gradient views from the gradient of its
  output, which it may overwrite too, and return the gradient of its input (``None`` when
  ``need_d_in`` is false: nothing before it learns).
* ``forward_predict(a, rng)``: prediction-mode output, a new array (or ``a`` changed in place when
  ``self.in_place``); with ``rng``, stochastic layers act as in training (Monte-Carlo passes).
  ``fold(chain)``: fold the layer into plain dense steps (``DenseChain``) and return True, or
  return False when it cannot; prediction uses the chain whenever every layer folds, else
  ``forward_predict`` layer by layer.
* Optional class attributes: ``stochastic`` (``draw_mask(m, rng)`` returns a random mask for an
  ``m``-row batch; the ``Network`` sets ``layer.mask`` before each ``forward_train``, drawn or
  given), ``needs_output``, ``min_batch_rows`` (batch statistics need 2 rows), ``row_factor``
  (a layer whose output has ``row_factor`` times as many rows as its input: ``MemberAdapter``
  stacks one copy of the batch per ensemble member; the layers after it see ``row_factor * m``
  rows, their masks too).

A new kind is one module under ``_layers`` plus its entry in ``LAYER_KINDS`` (``_layers/__init__.py``).
"""

from dataclasses import dataclass

import numpy as np

__all__ = ["Layer", "Param"]


@dataclass(frozen=True)
class Param:
    """A learned array of a layer: attribute ``name`` (gradient ``"d" + name``), its shape, and
    whether the weight penalties act on it."""

    name: str
    shape: tuple
    penalized: bool


class Layer:
    """Base class of the layer kinds; the module docstring states the protocol."""

    kind = ""
    state_names = ()
    stochastic = False
    needs_output = False
    min_batch_rows = 1
    row_factor = 1

    def __init__(self):
        self.dtype = np.dtype(np.float64)
        self.in_place = False
        self._buffers = {}

    def params(self):
        """The layer's learned arrays, as ``Param``s (none by default)."""
        return ()

    def config(self):
        """The constructor's arguments as plain data (numbers, strings, bools)."""
        return {}

    def bind(self, values, grads, dtype):
        """Receive views into the network's ``theta`` and ``grad`` (dicts by parameter name)."""
        self.dtype = np.dtype(dtype)
        for name, view in values.items():
            setattr(self, name, view)
            setattr(self, "d" + name, grads[name])

    def initialize(self, rng):
        """Set the initial parameter values (nothing to set by default)."""

    def fold(self, chain):
        """Fold into a ``DenseChain`` for prediction; False when this layer cannot."""
        return False

    def to_state(self):
        """Plain-data description: ``kind``, ``config()`` and copies of the state arrays."""
        state = {"kind": self.kind, **self.config()}
        state.update({name: getattr(self, name).copy() for name in self.state_names})
        return state

    def load_state(self, state):
        """Copy the state arrays (``state_names``) from a ``to_state()`` dict into the layer."""
        for name in self.state_names:
            getattr(self, name)[...] = state[name]

    def buffer(self, name, shape):
        """A reusable array of the network's dtype, one per ``(name, shape)`` (batch sizes differ)."""
        key = (name, shape)
        array = self._buffers.get(key)
        if array is None:
            array = self._buffers[key] = np.empty(shape, self.dtype)
        return array

    def output_of(self, a, name="out"):
        """``a`` itself when the layer may work in place, else a buffer to write the output into."""
        return a if self.in_place else self.buffer(name, a.shape)
