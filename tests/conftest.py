"""Settings for the whole test suite."""

import os

import pytest

# scikit-learn's estimator checks include array-API checks (numpy namespace only, for estimators without
# array-API support) that skip unless SciPy's array-API mode is on; turn it on so they run, not skip.
# It must be set before SciPy is imported, which is why it lives here.
os.environ.setdefault("SCIPY_ARRAY_API", "1")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads the groups
def pytest_collection_modifyitems(config, items):
    """Under ``pytest -n N --dist loadgroup`` (what ``make test`` runs), the tests of one service run
    in one worker process: one PostgreSQL server per session fixture rather than one per worker,
    and one ``apt-get install chromium`` at most (two at once would fight over dpkg's lock)."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        for service in ("postgres", "browser"):
            if item.get_closest_marker(service) is not None:
                item.add_marker(pytest.mark.xdist_group(service))
                break
