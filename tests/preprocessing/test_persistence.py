"""A fitted CategoricalEncoder and NumericScaler survive regtune.save / regtune.load (no pickle).

Both classes must be on the trusted list (``regtune/persistence/_trusted.py``'s ``_REGTUNE``):
``regtune.preprocessing._categorical.CategoricalEncoder`` and
``regtune.preprocessing._numeric.NumericScaler``.
"""

import numpy as np
import pandas as pd
from numpy.testing import assert_array_equal
from sklearn.compose import ColumnTransformer

import regtune
from regtune.preprocessing import CategoricalEncoder, NumericScaler


def test_a_fitted_column_transformer_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    n = 150
    X = pd.DataFrame(
        {
            "smoker": rng.choice(["yes", "no"], n),
            "region": rng.choice(np.array(["n", "s", None], dtype=object), n),
            "flag": rng.random(n) < 0.3,
            "city": rng.choice([f"c{i}" for i in range(25)], n),
            "age": np.where(rng.random(n) < 0.1, np.nan, rng.normal(40, 10, n)),
        }
    )
    y = rng.choice(["a", "b", "c"], n)  # multiclass: the target encoder keeps per-class tables
    columns = ColumnTransformer(
        [
            ("cat", CategoricalEncoder(random_state=0), ["smoker", "region", "flag", "city"]),
            ("num", NumericScaler(), ["age"]),
        ]
    ).fit(X, y)
    loaded = regtune.load(regtune.save(columns, tmp_path / "columns.regtune"))
    X_new = X.head(20).copy()
    X_new.loc[0, "city"] = "never seen"
    assert_array_equal(loaded.transform(X_new), columns.transform(X_new))
    assert_array_equal(loaded.get_feature_names_out(), columns.get_feature_names_out())
    cat = loaded.named_transformers_["cat"]
    assert cat.encoding_ == {"smoker": "binary", "region": "onehot", "flag": "binary", "city": "target"}
