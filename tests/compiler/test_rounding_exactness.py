"""``round_bit_pattern``'s ``exactness`` (and ``Configuration.rounding_exactness``, its default):
an approximate rounding lets the lookup it folds into be off by one step near a tie, for
cheaper parameters; the clear result is the same."""
from __future__ import annotations

import numpy as np
import pytest

import fhe_assistant as fhe
from fhe_assistant import Exactness

INPUTSET = np.arange(-512, 512)


def _rounded(exactness=None):
    def f(x):
        rounded = fhe.round_bit_pattern(x, lsbs_to_remove=5, exactness=exactness)
        return fhe.univariate(lambda v: v // 32)(rounded)

    return fhe.compiler({"x": "encrypted"})(f)


def _lookup(circuit):
    (lookup,) = circuit.analysis.plan.lookups.values()
    return lookup


@pytest.mark.parametrize("exactness, configured, approximate", [
    (None, Exactness.EXACT, False),
    (None, Exactness.APPROXIMATE, True),
    (Exactness.APPROXIMATE, Exactness.EXACT, True),
    (Exactness.EXACT, Exactness.APPROXIMATE, False),
])
def test_the_call_or_the_configuration_decides(exactness, configured, approximate):
    circuit = _rounded(exactness).compile(INPUTSET, rounding_exactness=configured)
    lookup = _lookup(circuit)
    assert lookup.lsbs_removed == 5 and lookup.approximate is approximate
    xs = np.arange(-512, 480)
    expected = (((xs + 16) >> 5) << 5) // 32
    np.testing.assert_array_equal(circuit.simulate_batch(xs), expected)


def test_approximate_is_cheaper():
    exact = _rounded().compile(INPUTSET)
    approximate = _rounded(Exactness.APPROXIMATE).compile(INPUTSET)
    assert _lookup(approximate).noise_precision == _lookup(exact).noise_precision - 1
    assert approximate.complexity < exact.complexity


def test_exactness_must_be_an_exactness():
    with pytest.raises(TypeError, match="exactness must be an fhe.Exactness"):
        _rounded("approximate").trace(INPUTSET)
