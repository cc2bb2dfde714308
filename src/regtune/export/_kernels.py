"""The compiled predictor's step kernels: each fitted step's ``transform`` as a small NumPy function
over the rows of a short data frame, doing the same arithmetic in the same order.

``compile_step(step, watched)`` returns a kernel ``block -> ndarray`` and appends to ``watched``
every fitted object whose attributes the kernel was built from (``_fast.py`` rebuilds the kernels
when one of them changes). A kernel raises :class:`NotFast` for any input it cannot take exactly as
the step would; the caller then runs the model's own method, which gives the same result or the
same error. Steps without a kernel here run their own ``transform``.
"""

import numpy as np

from ._tables import categorical_encoder_tables, target_encoder_tables

__all__ = ["Block", "NotFast", "compile_step", "compile_steps"]


class NotFast(Exception):
    """This input leaves the compiled path; the model's own method handles it."""


_NUMBERS = (int, float, np.integer, np.float64)  # bool is an int; np.float32 is left to scikit-learn
_REALS = (int, float, np.integer, np.floating, np.bool_)  # a numeric category; complex is not one
_EXACT = 2.0**53  # numbers of smaller size compare the same in a dict and in NumPy


class Block:
    """The columns a step reads: raw columns of a frame (first steps) or an array (later steps).

    Frame cells are read once per column: ``DataFrame.iat`` for one row (a few microseconds a
    cell), ``Series.tolist`` for more (``frame[name]`` alone costs tens of microseconds).
    """

    def __init__(self, frame=None, positions=None, array=None):
        self.frame, self.positions, self.array = frame, positions, array

    def cells(self):
        """One list of values per column, as the frame holds them."""
        frame = self.frame
        if len(frame) == 1:
            return [[frame.iat[0, j]] for j in self.positions]
        return [frame.iloc[:, j].tolist() for j in self.positions]

    def values(self):
        """One sequence of values per column."""
        if self.array is not None:
            return [self.array[:, j].tolist() for j in range(self.array.shape[1])]
        return self.cells()

    def matrix(self):
        """A float64 matrix, as ``check_array(dtype=FLOAT_DTYPES, ensure_all_finite="allow-nan")``
        makes it (a copy); infinity leaves the compiled path (scikit-learn raises on it)."""
        if self.array is not None:
            if self.array.dtype != np.float64:
                raise NotFast
            X = self.array.copy()
        else:
            X = self._frame_matrix()
        if np.isinf(X).any():
            raise NotFast
        return X

    def _frame_matrix(self):
        frame = self.frame
        dtypes = [frame.dtypes.iloc[j] for j in self.positions] if len(frame) > 1 else None
        if dtypes is not None and not all(
            isinstance(d, np.dtype) and (d.kind in "iub" or d == np.float64) for d in dtypes
        ):
            raise NotFast  # float32 stays float32 in scikit-learn; extension dtypes convert their own way
        cells = self.cells()
        if dtypes is None and not all(isinstance(v[0], _NUMBERS) for v in cells):
            raise NotFast
        return np.array(cells, dtype=np.float64).T.copy()

    def data(self):
        """What scikit-learn would pass the step: the frame's columns, or the array."""
        return self.array if self.array is not None else self.frame.iloc[:, self.positions]


def _generic(step):
    def run(block):
        out = step.transform(block.data())
        if not isinstance(out, np.ndarray):
            raise NotFast  # a frame (set_output) or a sparse matrix: the pipeline's own path
        return out

    return run


def compile_steps(steps, watched):
    """A kernel running ``steps`` (fitted transformers, "passthrough" and None skipped) in turn."""
    kernels = [compile_step(step, watched) for step in steps if step not in (None, "passthrough")]

    def run(block):
        for kernel in kernels:
            block = Block(array=kernel(block))
        return block.array

    return run


def _column_transformer(transformer, watched):
    from ._inputs import column_names, selected_columns

    if getattr(transformer, "sparse_output_", False) or transformer.transformer_weights is not None:
        return _generic(transformer)
    position = {name: j for j, name in enumerate(column_names(transformer))}
    parts = []
    for _, step, spec in transformer.transformers_:
        try:
            names = selected_columns(transformer, spec)
        except (TypeError, ValueError):  # a column selector without names: scikit-learn selects
            return _generic(transformer)
        if (isinstance(step, str) and step == "drop") or not names:
            continue
        if isinstance(step, str):  # passthrough keeps the frame's dtypes: leave it to scikit-learn
            return _generic(transformer)
        parts.append(([position[name] for name in names], compile_step(step, watched)))

    def run(block):
        if block.frame is None:
            raise NotFast
        return np.hstack([kernel(Block(block.frame, positions)) for positions, kernel in parts])

    return run


def _imputer(imputer, watched):
    statistics = np.asarray(imputer.statistics_)
    if statistics.dtype.kind != "f":
        return _generic(imputer)
    kept = (
        np.arange(len(statistics)) if imputer.keep_empty_features else np.flatnonzero(~np.isnan(statistics))
    )
    indicated = imputer.indicator_.features_ if imputer.add_indicator else None
    fill = statistics[kept]
    missing_value = imputer.missing_values
    nan_is_missing = isinstance(missing_value, float) and np.isnan(missing_value)

    def run(block):
        X = block.matrix()
        missing = np.isnan(X) if nan_is_missing else np.equal(X, missing_value)
        imputed = np.where(missing[:, kept], fill, X[:, kept])
        return imputed if indicated is None else np.hstack((imputed, missing[:, indicated]))

    return run


def _scaler(scaler, watched):
    def run(block):
        X = block.matrix()
        if scaler.with_mean:
            X -= scaler.mean_
        if scaler.with_std:
            X /= scaler.scale_
        return X

    return run


def _tables(tables, dtype):
    """Each column's categories in a dict; ``out[:, block] = table[row]`` (see ``_tables.py``)."""
    import pandas as pd

    columns = []
    for column in tables:
        rows = {value: row for row, value in enumerate(column.categories.tolist())}
        columns.append((rows, column.categories.dtype.kind == "U", column))

    def row_of(value, rows, strings, column):
        if value is None or value is pd.NA:
            return column.missing
        if isinstance(value, str):
            if strings and not value.endswith("\0"):
                return rows.get(value, column.unknown)
        elif isinstance(value, _REALS):
            if value != value:  # NaN
                return column.missing
            if not strings and -_EXACT < value < _EXACT:  # beyond, NumPy's compare rounds to float
                return rows.get(value, column.unknown)
        raise NotFast  # another kind of value: the encoder's own lookup decides (or raises)

    def run(block):
        values = block.values()
        parts = []
        for cells, (rows, strings, column) in zip(values, columns):
            parts.append(column.table[[row_of(v, rows, strings, column) for v in cells]])
        return np.hstack(parts).astype(dtype, copy=False)

    return run


def _target_encoder(encoder, watched):
    if encoder.handle_unknown == "error":
        return _generic(encoder)  # unseen values must raise: leave them to transform
    return _tables(target_encoder_tables(encoder), encoder.dtype)


def _categorical_encoder(encoder, watched):
    if encoder.target_encoder_ is not None:
        watched.append(encoder.target_encoder_)
    return _tables(categorical_encoder_tables(encoder), np.float64)


def _numeric_scaler(scaler, watched):
    from ..preprocessing._numeric import smooth_clip

    def run(block):
        X = block.matrix()
        missing = np.isnan(X)
        z = np.where(missing, scaler.median_, X)
        with np.errstate(over="ignore" if scaler.clip else "warn"):
            z -= scaler.center_
            z /= scaler.scale_
        if scaler.clip:
            z = smooth_clip(z, scaler.clip_bound)
        return np.hstack([z, missing[:, scaler.missing_features_].astype(np.float64)])

    return run


def compile_step(step, watched):
    """A kernel ``block -> ndarray`` computing ``step.transform`` exactly; ``step`` and the fitted
    objects the kernel was built from are appended to ``watched``."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from ..encoding import TargetEncoder
    from ..preprocessing import CategoricalEncoder, NumericScaler

    if isinstance(step, Pipeline):
        watched.append(step)
        return compile_steps([s for _, s in step.steps], watched)
    kernels = {
        ColumnTransformer: _column_transformer,
        SimpleImputer: _imputer,
        StandardScaler: _scaler,
        TargetEncoder: _target_encoder,
        CategoricalEncoder: _categorical_encoder,
        NumericScaler: _numeric_scaler,
    }
    watched.append(step)
    factory = kernels.get(type(step))
    return _generic(step) if factory is None else factory(step, watched)
