"""The explicit list of types a regtune model file may contain.

A model file is a skops archive: a JSON schema naming each object's type, plus ``.npy`` arrays read
with ``allow_pickle=False``. skops rebuilds an object by ``cls.__new__(cls)`` and filling its
``__dict__``; no constructor, ``__reduce__`` or other user code runs. Before skops sees the file, every
type the schema names is checked against the list below, so a file naming anything else (``os.system``,
``builtins.eval``, a class from another package) is refused before any object is built.
"""

_BUILTINS = (
    "dict",
    "list",
    "tuple",
    "set",
    "slice",
    "str",
    "int",
    "float",
    "bool",
    "NoneType",
    "complex",
    "bytes",
    "bytearray",
    "frozenset",
)

_NUMPY_SCALARS = (
    "bool_",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
    "longdouble",
    "complex64",
    "complex128",
    "str_",
    "bytes_",
)

_SKLEARN = (
    "sklearn.pipeline.Pipeline",
    "sklearn.pipeline.FeatureUnion",
    "sklearn.compose._column_transformer.ColumnTransformer",
    "sklearn.compose._column_transformer.make_column_selector",
    "sklearn.compose._target.TransformedTargetRegressor",
    "sklearn.impute._base.SimpleImputer",
    "sklearn.impute._base.MissingIndicator",
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.preprocessing._data.RobustScaler",
    "sklearn.preprocessing._data.MinMaxScaler",
    "sklearn.preprocessing._encoders.OneHotEncoder",
    "sklearn.preprocessing._encoders.OrdinalEncoder",
    "sklearn.preprocessing._label.LabelEncoder",
    "sklearn.preprocessing._label.LabelBinarizer",
    "sklearn.preprocessing._target_encoder.TargetEncoder",
    "sklearn.preprocessing._function_transformer.FunctionTransformer",
    "sklearn.linear_model._ridge.Ridge",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.model_selection._split.KFold",
    "sklearn.model_selection._split.StratifiedKFold",
    "sklearn.utils._bunch.Bunch",
)

# regtune's own classes that can sit inside a fitted estimator or pipeline.
_REGTUNE = (
    "regtune.neural_network._classifier.MLPClassifier",
    "regtune.neural_network._regressor.MLPRegressor",
    "regtune.encoding._target_encoder.TargetEncoder",
    "regtune.preprocessing._categorical.CategoricalEncoder",
    "regtune.preprocessing._numeric.NumericScaler",
    "regtune.tuning._estimators.TabularRegressor",
    "regtune.tuning._estimators.TabularClassifier",
    "regtune.ensemble._fold_ensemble.FoldEnsemble",
    "regtune.export._fast.FastPipeline",
)

TRUSTED_TYPES = frozenset(
    [f"builtins.{name}" for name in _BUILTINS]
    + ["numpy.ndarray", "numpy.dtype", "numpy.ma.core.MaskedArray"]
    + [f"numpy.{name}" for name in _NUMPY_SCALARS]
    + [
        f"numpy.dtypes.{kind}DType"
        for kind in (
            "Bool",
            "Int8",
            "Int16",
            "Int32",
            "Int64",
            "UInt8",
            "UInt16",
            "UInt32",
            "UInt64",
            "Float16",
            "Float32",
            "Float64",
            "LongDouble",
            "Str",
            "Bytes",
            "Object",
        )
    ]
    + list(_SKLEARN)
    + list(_REGTUNE)
)
"""Fully qualified names of every type a model file may name."""
