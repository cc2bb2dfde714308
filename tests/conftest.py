"""Settings for the whole test suite."""

import os

# scikit-learn's estimator checks include array-API checks (numpy namespace only, for estimators without
# array-API support) that skip unless SciPy's array-API mode is on; turn it on so they run, not skip.
# It must be set before SciPy is imported, which is why it lives here.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
