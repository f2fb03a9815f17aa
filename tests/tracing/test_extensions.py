"""``fhe.LookupTable``, ``fhe.univariate`` and ``fhe.round_bit_pattern`` outside and inside
traced functions (semantics as in concrete.fhe)."""
from __future__ import annotations

import numpy as np
import pytest

import fhe_assistant as fhe


def test_lookup_table_on_clear_values_and_negative_indices():
    table = fhe.LookupTable([10, 20, 30, 40])
    assert len(table) == 4 and repr(table) == "[10, 20, 30, 40]"
    assert table[2] == 30
    np.testing.assert_array_equal(table[np.array([0, -1, -4])], [10, 40, 10])


def test_univariate_on_clear_values_is_the_function():
    square = fhe.univariate(np.square)
    assert square.__name__ == "square"
    np.testing.assert_array_equal(square(np.array([1, -2])), [1, 4])


@pytest.mark.parametrize("lsbs", [0, 1, 2, 3])
def test_round_bit_pattern_rounds_to_nearest_ties_up(lsbs):
    values = np.arange(-40, 40)
    rounded = fhe.round_bit_pattern(values, lsbs)
    step = 1 << lsbs
    assert np.all(rounded % step == 0)
    assert np.all(np.abs(rounded - values) <= step // 2)
    if lsbs:
        ties = values[values % step == step // 2]
        np.testing.assert_array_equal(fhe.round_bit_pattern(ties, lsbs), ties + step // 2)


def test_round_bit_pattern_examples():
    np.testing.assert_array_equal(fhe.round_bit_pattern(np.array([0, 1, 2, 3, 5, 6, 7]), 2),
                                  [0, 0, 4, 4, 4, 8, 8])


def test_lookup_table_out_of_range_during_bounds_is_a_clear_error():
    table = fhe.LookupTable([1, 2, 3])

    @fhe.compiler({"x": "encrypted"})
    def f(x):
        return table[x]

    with pytest.raises(fhe.EvaluationError, match=r"lookup_table.*indexed with 0\.\.5.*3 entries"):
        f.compile(range(6))


def test_same_extension_objects_in_several_programs():
    table = fhe.LookupTable([3, 1, 2, 0])
    relu = fhe.univariate(lambda v: np.maximum(v, 0))
    def program(offset):
        @fhe.compiler({"x": "encrypted"})
        def f(x):
            return table[relu(x - 2 + offset)]

        return f

    for offset in (0, 1):
        circuit = program(offset).compile(range(5))
        np.testing.assert_array_equal(circuit.simulate_batch(np.arange(5)),
                                      table[np.maximum(np.arange(5) - 2 + offset, 0)])
