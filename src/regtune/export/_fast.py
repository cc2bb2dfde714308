"""Fast prediction on short data frames: ``FastPipeline``, ``compile_predictor`` and their cache.

``Pipeline.predict`` on a one-row frame spends about 95% of its time outside the network: every
step re-validates its input (``check_array``, feature names), ``ColumnTransformer`` selects columns
through pandas indexing, ``TargetEncoder`` factorizes a one-value column. A compiled predictor
knows the columns and what each step computes, and runs each step as a small NumPy kernel
(``_kernels.py``) doing the same arithmetic in the same order, so the outputs are identical
(``tests/export``).

The kernels run only when that is safe: a pandas frame of at most ``MAX_ROWS`` rows with exactly
the fitted columns, in order, numeric columns of NumPy integer, bool or float64 dtype without
infinity, and categorical values of the kind the encoder learned. Anything else (including inputs
the model would reject) goes to the model's own method, which gives the same result or the same
error.

Who takes the compiled path:

* :class:`FastPipeline`, what ``regtune.tuning.build_pipeline`` builds (so ``tune``'s refit
  model, ``regtune fit``, the tabular estimators' ``pipeline_`` and the members of a tuned
  ``FoldEnsemble``): its ``predict`` and ``predict_proba`` do, by themselves;
* :func:`compiled_output`, for any fitted Pipeline (``TabularRegressor.predict`` calls it);
* :func:`compile_predictor`, the same as an object, for any fitted Pipeline (one saved by an
  earlier version as a plain scikit-learn ``Pipeline``).

The first two share one compiled predictor per fitted pipeline, kept in a ``WeakKeyDictionary``:
nothing is stored on the pipeline, so nothing reaches a saved file, ``get_params``, ``clone`` or
``__dict__``. A compiled predictor remembers every attribute of the fitted objects it was built
from; when one is no longer the same object (a refit, a replaced step), it is rebuilt.
"""

import weakref
from operator import is_

from sklearn.pipeline import Pipeline
from sklearn.utils.metaestimators import available_if

from ._kernels import Block, NotFast, compile_steps

__all__ = ["MAX_ROWS", "CompiledPredictor", "FastPipeline", "compile_predictor", "compiled_output"]

MAX_ROWS = 64  # larger batches: the model's own vectorized predict is as fast


def _state(obj):
    """What a fitted object is now: its attributes (a pipeline's steps too), compared by identity."""
    attributes = vars(obj)
    steps = attributes.get("steps") if isinstance(obj, Pipeline) else None
    return (*attributes.values(), *steps) if steps is not None else tuple(attributes.values())


def _same(now, then):
    return len(now) == len(then) and all(map(is_, now, then))


class _Compiled:
    """One fitted pipeline's kernels and what they were built from; no reference to the pipeline
    itself (the cache's values must not keep its keys alive)."""

    def __init__(self, pipeline):
        import pandas as pd
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(pipeline)
        self.estimator = pipeline.steps[-1][1]
        names = getattr(pipeline, "feature_names_in_", None)
        self.columns = None if names is None else pd.Index([str(n) for n in names])
        if hasattr(self.estimator, "feature_names_in_"):  # fitted on a frame (set_output): not ours
            self.columns = None
        watched = []
        self.transform = compile_steps([step for _, step in pipeline.steps[:-1]], watched)
        self.positions = [] if self.columns is None else list(range(len(self.columns)))
        self.pipeline_state = _state(pipeline)
        self.watched = [(obj, _state(obj)) for obj in watched]

    def current(self, pipeline):
        """Whether ``pipeline`` and every fitted object the kernels were built from are as they were."""
        return _same(_state(pipeline), self.pipeline_state) and all(
            _same(_state(obj), then) for obj, then in self.watched
        )

    def features(self, X):
        """The transformed rows, or None when the pipeline's own path must run."""
        import pandas as pd
        from sklearn import get_config

        if self.columns is None or not (isinstance(X, pd.DataFrame) and 0 < len(X) <= MAX_ROWS):
            return None
        if not X.columns.equals(self.columns) or get_config()["transform_output"] != "default":
            return None
        try:
            return self.transform(Block(X, self.positions))
        except NotFast:
            return None


_COMPILED = weakref.WeakKeyDictionary()  # fitted pipeline -> its _Compiled


def _compiled(pipeline):
    """The pipeline's current kernels, built when missing or out of date; None when they cannot be
    built (not fitted, or a step the kernels cannot read: the pipeline's own path runs)."""
    compiled = _COMPILED.get(pipeline)
    if compiled is None or not compiled.current(pipeline):
        try:
            compiled = _Compiled(pipeline)
        except Exception:  # compiling is only a shortcut: whatever fails, the pipeline's own path runs
            return None
        _COMPILED[pipeline] = compiled
    return compiled


def compiled_output(pipeline, method, X, params=None):
    """``getattr(pipeline, method)(X, **params)`` through the pipeline's compiled kernels.

    Parameters
    ----------
    pipeline : Pipeline
        A Pipeline (fitted or not).
    method : {"predict", "predict_proba"}
    X : object
        What the caller received.
    params : dict, optional
        Keyword arguments of the final estimator's ``method`` (not with metadata routing).

    Returns
    -------
    ndarray or None
        The output, identical to the pipeline's own; None when ``X`` leaves the compiled path
        (then the caller runs its own).
    """
    import pandas as pd
    from sklearn import get_config

    if not (isinstance(X, pd.DataFrame) and 0 < len(X) <= MAX_ROWS):
        return None  # before any other work: large frames and arrays pay nothing
    if params and get_config()["enable_metadata_routing"]:
        return None  # the parameters would be routed to the steps too
    compiled = _compiled(pipeline)
    features = None if compiled is None else compiled.features(X)
    if features is None:
        return None
    return getattr(compiled.estimator, method)(features, **(params or {}))


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
        from sklearn.utils.validation import check_is_fitted

        if not isinstance(model, Pipeline):
            raise ValueError(f"model must be a fitted scikit-learn Pipeline, got {type(model).__name__}")
        check_is_fitted(model)
        self.model = model
        _compiled(model)

    def _features(self, X):
        """The transformed rows, or None when the model's own path must run."""
        compiled = _compiled(self.model)
        return None if compiled is None else compiled.features(X)

    def predict(self, X):
        """Same as ``model.predict(X)``."""
        output = compiled_output(self.model, "predict", X)
        return self.model.predict(X) if output is None else output

    def predict_proba(self, X):
        """Same as ``model.predict_proba(X)``."""
        output = compiled_output(self.model, "predict_proba", X)
        return self.model.predict_proba(X) if output is None else output


def compile_predictor(model):
    """A :class:`CompiledPredictor` for ``model``: the same predictions, about 10x faster per row.

    A :class:`FastPipeline` (what regtune builds) predicts as fast by itself; this is for a plain
    scikit-learn ``Pipeline``, such as a model saved by an earlier version of regtune.

    Examples
    --------
    >>> import regtune  # doctest: +SKIP
    >>> predictor = regtune.compile_predictor(regtune.load("model.regtune"))  # doctest: +SKIP
    >>> predictor.predict(one_row_frame)  # doctest: +SKIP
    """
    return CompiledPredictor(model)


def _final_step_has(method):
    def check(pipeline):
        getattr(pipeline.steps[-1][1], method)  # raises the final step's own AttributeError
        return True

    return check


class FastPipeline(Pipeline):
    """scikit-learn's ``Pipeline``, with ``predict`` and ``predict_proba`` fast on small frames.

    On a pandas frame of at most ``MAX_ROWS`` rows with the fitted columns, the two methods run
    the pipeline's compiled kernels (see ``regtune.export._fast``) and return exactly what
    ``Pipeline`` returns; on anything else they are ``Pipeline``'s own. The compiled kernels are
    built on the first such call and kept outside the object: saving, ``clone`` and
    ``get_params`` see a plain ``Pipeline``. ``regtune.tuning.build_pipeline`` builds one.

    Parameters
    ----------
    steps, transform_input, memory, verbose
        As ``sklearn.pipeline.Pipeline``.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn.pipeline import Pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from regtune.export import FastPipeline
    >>> X, y = pd.DataFrame({"a": [1.0, 2.0, 4.0], "b": [0.0, 1.0, 1.0]}), [1.0, 2.0, 3.0]
    >>> fast = FastPipeline([("scale", StandardScaler()), ("ridge", Ridge())]).fit(X, y)
    >>> plain = Pipeline([("scale", StandardScaler()), ("ridge", Ridge())]).fit(X, y)
    >>> bool(fast.predict(X.head(1)) == plain.predict(X.head(1)))
    True
    """

    @available_if(_final_step_has("predict"))
    def predict(self, X, **params):
        """``Pipeline.predict``: the final step's prediction for the transformed ``X``."""
        output = compiled_output(self, "predict", X, params)
        return super().predict(X, **params) if output is None else output

    @available_if(_final_step_has("predict_proba"))
    def predict_proba(self, X, **params):
        """``Pipeline.predict_proba``: the final step's probabilities for the transformed ``X``."""
        output = compiled_output(self, "predict_proba", X, params)
        return super().predict_proba(X, **params) if output is None else output
