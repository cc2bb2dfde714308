"""Which input columns a numeric embedding transforms, and which it passes through unchanged."""

import numpy as np

__all__ = ["EmbeddedColumns"]


class EmbeddedColumns:
    """The input columns of an embedding layer: ``columns`` are embedded, ``rest`` passed through.

    An embedding layer's output is ``[embedding of columns[0], ..., of columns[-1], a[:, rest]]``:
    the embedded blocks first, in the order of ``columns``, then the other columns in their order.

    Parameters
    ----------
    n_in : int
        Columns of the input.
    columns : sequence of int
        Distinct indices in ``[0, n_in)``, in increasing order, at least one.
    """

    def __init__(self, n_in, columns):
        self.n_in = int(n_in)
        self.columns = [int(c) for c in columns]
        if not self.columns or sorted(set(self.columns)) != self.columns:
            raise ValueError(f"columns must be distinct increasing indices, at least one, got {columns!r}")
        if self.columns[0] < 0 or self.columns[-1] >= self.n_in:
            raise ValueError(f"columns must be in [0, {self.n_in}) (the input's columns), got {columns!r}")
        self.rest = [c for c in range(self.n_in) if c not in set(self.columns)]
        self._columns = np.array(self.columns, dtype=np.intp)
        self._rest = np.array(self.rest, dtype=np.intp)

    def embedded(self, a):
        """The embedded columns of ``a``, a new ``(m, len(columns))`` array."""
        return a[:, self._columns]

    def pass_through(self, a, out):
        """Copy the other columns of ``a`` into the last ``len(rest)`` columns of ``out``."""
        if self.rest:
            out[:, out.shape[1] - len(self.rest) :] = a[:, self._rest]

    def input_gradient(self, d_embedded, dout, buffer):
        """``da``: ``d_embedded`` ``(m, len(columns))`` at ``columns``, the last ``len(rest)``
        columns of ``dout`` at ``rest``; written into ``buffer`` ``(m, n_in)``."""
        buffer[:, self._columns] = d_embedded
        if self.rest:
            buffer[:, self._rest] = dout[:, dout.shape[1] - len(self.rest) :]
        return buffer
