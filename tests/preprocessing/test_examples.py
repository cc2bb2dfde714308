"""The docstring examples of regtune.preprocessing run and print what they show."""

import doctest

import pytest

from regtune.preprocessing import _categorical, _numeric


@pytest.mark.parametrize("module", [_categorical, _numeric], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    failures, attempted = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert attempted > 0 and failures == 0
