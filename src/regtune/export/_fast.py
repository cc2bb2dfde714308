"""``compile_predictor``: a fitted pipeline's ``predict``/``predict_proba`` for one-row requests,
with the checks that do not depend on the request done once.

``Pipeline.predict`` on a one-row frame spends about 95% of its time outside the network: every
step re-validates its input (``check_array``, feature names), ``ColumnTransformer`` selects columns
through pandas indexing, ``TargetEncoder`` factorizes a one-value column. A compiled predictor
knows the columns and what each step computes, and runs each step as a small NumPy kernel doing
the same arithmetic in the same order, so the outputs are identical (``tests/export``).

The kernels run only when that is safe: a pandas frame of at most ``MAX_ROWS`` rows with exactly
the fitted columns, in order, numeric columns of NumPy integer, bool or float64 dtype, and
categorical values of the kind the encoder learned. Anything else (including inputs the model
would reject) goes to the model's own ``predict``, which gives the same result or the same error.
Steps without a kernel here run their own ``transform``.
"""

import numpy as np

from ._tables import categorical_encoder_tables, target_encoder_tables

__all__ = ["MAX_ROWS", "CompiledPredictor", "compile_predictor"]

MAX_ROWS = 64  # larger batches: the model's own vectorized predict is as fast


class NotFast(Exception):
    """This input leaves the compiled path; the model's own method handles it."""


_NUMBERS = (int, float, np.integer, np.float64)  # bool is an int; np.float32 is left to scikit-learn


class _Block:
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
        """A float64 matrix, as ``check_array(dtype=FLOAT_DTYPES)`` makes it (a copy)."""
        if self.array is not None:
            if self.array.dtype != np.float64:
                raise NotFast
            return self.array.copy()
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
    return lambda block: step.transform(block.data())


def _pipeline(pipeline):
    kernels = [compile_step(step) for _, step in pipeline.steps if step not in (None, "passthrough")]

    def run(block):
        for kernel in kernels:
            block = _Block(array=kernel(block))
        return block.array

    return run


def _column_transformer(transformer):
    from ._inputs import column_names, selected_columns

    if getattr(transformer, "sparse_output_", False) or transformer.transformer_weights is not None:
        return _generic(transformer)
    position = {name: j for j, name in enumerate(column_names(transformer))}
    parts = []
    for _, step, spec in transformer.transformers_:
        names = selected_columns(transformer, spec)
        if (isinstance(step, str) and step == "drop") or not names:
            continue
        if isinstance(step, str):  # passthrough keeps the frame's dtypes: leave it to scikit-learn
            return _generic(transformer)
        parts.append(([position[name] for name in names], compile_step(step)))

    def run(block):
        if block.frame is None:
            raise NotFast
        return np.hstack([kernel(_Block(block.frame, positions)) for positions, kernel in parts])

    return run


def _imputer(imputer):
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


def _scaler(scaler):
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
        if value is None or value is pd.NA or (isinstance(value, float) and value != value):
            return column.missing
        if strings != isinstance(value, str) or (strings and value.endswith("\0")):
            raise NotFast  # the encoder's own lookup decides (or raises)
        return rows.get(value, column.unknown)

    def run(block):
        values = block.values()
        parts = []
        for cells, (rows, strings, column) in zip(values, columns):
            parts.append(column.table[[row_of(v, rows, strings, column) for v in cells]])
        return np.hstack(parts).astype(dtype, copy=False)

    return run


def _target_encoder(encoder):
    if encoder.handle_unknown == "error":
        return _generic(encoder)  # unseen values must raise: leave them to transform
    return _tables(target_encoder_tables(encoder), encoder.dtype)


def _categorical_encoder(encoder):
    return _tables(categorical_encoder_tables(encoder), np.float64)


def _numeric_scaler(scaler):
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


def compile_step(step):
    """A kernel ``block -> ndarray`` computing ``step.transform`` exactly."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from ..encoding import TargetEncoder
    from ..preprocessing import CategoricalEncoder, NumericScaler

    kernels = {
        Pipeline: _pipeline,
        ColumnTransformer: _column_transformer,
        SimpleImputer: _imputer,
        StandardScaler: _scaler,
        TargetEncoder: _target_encoder,
        CategoricalEncoder: _categorical_encoder,
        NumericScaler: _numeric_scaler,
    }
    return kernels.get(type(step), _generic)(step)


class CompiledPredictor:
    """``predict``/``predict_proba`` of a fitted Pipeline, fast for small frames (see the module).

    Parameters
    ----------
    model : Pipeline
        A fitted pipeline whose steps read a pandas frame (as ``regtune.load`` returns it).

    Attributes
    ----------
    model : Pipeline
        The pipeline itself; every input the kernels do not take goes to it.
    """

    def __init__(self, model):
        from sklearn.pipeline import Pipeline
        from sklearn.utils.validation import check_is_fitted

        if not isinstance(model, Pipeline):
            raise ValueError(f"model must be a fitted scikit-learn Pipeline, got {type(model).__name__}")
        check_is_fitted(model)
        self.model = model
        self.estimator = model.steps[-1][1]
        names = getattr(model, "feature_names_in_", None)
        self._columns = None if names is None else tuple(str(n) for n in names)
        self._transform = _pipeline(model[:-1])

    def _features(self, X):
        """The transformed rows, or None when the model's own path must run."""
        import pandas as pd

        if not (isinstance(X, pd.DataFrame) and 0 < len(X) <= MAX_ROWS) or self._columns is None:
            return None
        if tuple(X.columns) != self._columns:
            return None
        try:
            features = self._transform(_Block(X, list(range(len(self._columns)))))
        except NotFast:
            return None
        return features

    def predict(self, X):
        """Same as ``model.predict(X)``."""
        features = self._features(X)
        return self.model.predict(X) if features is None else self.estimator.predict(features)

    def predict_proba(self, X):
        """Same as ``model.predict_proba(X)``."""
        features = self._features(X)
        return self.model.predict_proba(X) if features is None else self.estimator.predict_proba(features)


def compile_predictor(model):
    """A :class:`CompiledPredictor` for ``model``: the same predictions, about 10x faster per row.

    Examples
    --------
    >>> import regtune  # doctest: +SKIP
    >>> predictor = regtune.compile_predictor(regtune.load("model.regtune"))  # doctest: +SKIP
    >>> predictor.predict(one_row_frame)  # doctest: +SKIP
    """
    return CompiledPredictor(model)
