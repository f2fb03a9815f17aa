"""The examples in the quantization docstrings run."""
import doctest

import pytest

from fhe_assistant.quantization import functions, pruning, quantizers


@pytest.mark.parametrize("module", [quantizers, pruning, functions])
def test_docstring_examples(module):
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0
