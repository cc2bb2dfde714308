"""Column preprocessing for the network: cardinality-routed categorical encoding, robust numeric scaling.

Both are scikit-learn transformers meant for a ``ColumnTransformer`` (see ``docs/preprocessing.md``).
"""

from ._categorical import CategoricalEncoder
from ._numeric import NumericScaler

__all__ = ["CategoricalEncoder", "NumericScaler"]
