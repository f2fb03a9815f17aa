"""Noise weights and requirements that compiled circuits derive, against hand-computed values.

Each circuit is compiled from a real graph; what it asks of the optimizer
(``circuit.optimization.requirements``) is compared with the value the noise rules give:
a ciphertext ``Σ w_i·c_i`` of independent noises carries the squared 2-norm ``Σ w_i²``
(tfhe-notes §3.4). ``max_norm2_into_pbs`` / ``max_norm2_into_output`` hold the 2-norm √Σw²,
so the tests compare squares. Inputs and lookup outputs start at weight 1.
"""
from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

import fhe_assistant as fhe

VECTOR = [np.arange(4) + shift for shift in range(4)]  # 4 elements in [0, 6]
PAIRS = [(v, v[::-1]) for v in VECTOR]
MATRIX = np.array([[1, -2], [3, 0], [0, 1], [2, 2]])


def requirements(function, inputset, **configuration):
    """The single-set summary (MONO): what one parameter set for the whole circuit must meet."""
    configuration.setdefault("parameter_selection_strategy", "mono")
    names = list(inspect.signature(function).parameters)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fhe.OutOfRangeWarning)
        circuit = fhe.compiler({name: "encrypted" for name in names})(function).compile(
            inputset, **configuration)
    return circuit.optimization.requirements


# (name, function, inputset, expected squared 2-norm into the output)
LEVELED = [
    ("add", lambda x, y: x + y, PAIRS, 1 + 1),
    ("subtract", lambda x, y: x - y, PAIRS, 1 + 1),
    ("add a clear constant", lambda x: x + 5, VECTOR, 1),
    ("clear minus encrypted", lambda x: 7 - x, VECTOR, 1),
    ("negate", lambda x: -x, VECTOR, 1),
    ("multiply by a constant", lambda x: x * 3, VECTOR, 3**2),
    ("multiply by a negative constant", lambda x: -4 * x, VECTOR, 4**2),
    ("multiply by a constant array: worst element", lambda x: x * np.array([1, -3, 2, 0]),
     VECTOR, 3**2),
    ("a weighted sum of two inputs", lambda x, y: 2 * x - 3 * y, PAIRS, 2**2 + 3**2),
    ("dot with constant weights", lambda x: np.dot(x, np.array([1, 2, -3, 1])), VECTOR,
     1 + 4 + 9 + 1),
    ("x @ W: worst column", lambda x: x @ MATRIX, VECTOR, max(1 + 9 + 0 + 4, 4 + 0 + 1 + 4)),
    ("W @ x: worst row", lambda x: MATRIX.T @ x, VECTOR, 14),
    ("sum of all elements", lambda x: np.sum(x), VECTOR, 4),
    ("sum of a scaled vector", lambda x: np.sum(3 * x), VECTOR, 4 * 9),
    ("sum along an axis", lambda x: np.sum(x.reshape(2, 2), axis=0), VECTOR, 2),
    ("reshape and transpose keep weights", lambda x: (x * 3).reshape(2, 2).T, VECTOR, 9),
    ("indexing keeps weights", lambda x: (x * 3)[1:3], VECTOR, 9),
    ("concatenate: worst part", lambda x, y: np.concatenate((x, 3 * y)), PAIRS, 9),
    # a node keeps its worst element's weight, so a sum counts every element at that weight
    # (8·4 = 32, an upper bound of the exact 4·1 + 4·4 = 20)
    ("sum of a concatenation", lambda x, y: np.sum(np.concatenate((x, 2 * y))), PAIRS, 8 * 4),
]


@pytest.mark.parametrize("name, function, inputset, expected", LEVELED,
                         ids=[case[0] for case in LEVELED])
def test_leveled_weight_into_the_output(name, function, inputset, expected):
    needs = requirements(function, inputset)
    assert needs.pbs_count == 0
    assert needs.max_norm2_into_output ** 2 == pytest.approx(expected)


@pytest.mark.parametrize("function, expected", [
    (lambda x: x + x, 2**2),
    (lambda x: x + 2 * x, 3**2),
    (lambda x: 2 * x - x, 1**2 + 2 * 2 * 1 + 2**2),  # a bound: |2| + |−1| before squaring
    (lambda x, y: (x + y) + x, 2**2 + 1),  # x's weights add, y stays independent
], ids=["x + x", "x + 2x", "2x - x", "(x + y) + x"])
def test_correlated_operands_add_their_weights_before_squaring(function, expected):
    inputset = PAIRS if len(inspect.signature(function).parameters) == 2 else VECTOR
    assert requirements(function, inputset).max_norm2_into_output ** 2 == pytest.approx(expected)


# (name, function, exact worst squared weight): a source element that reaches one result
# through several elements must be counted with its summed weight; the rules give an
# upper bound of the exact value (the independent-element rule gave less than it)
CORRELATED_ELEMENTS = [
    ("sum of x next to itself", lambda x: np.sum(np.concatenate((x, x))), 4 * 2**2),
    ("x plus x reversed, summed", lambda x: np.sum(x + x[::-1]), 4 * 2**2),
    ("dot of a broadcast input", lambda x: np.sum(x.reshape(1, 4) + np.zeros((3, 4), int)),
     4 * 3**2),
    ("sum of a matmul's outputs", lambda x: np.sum(x @ np.array([[1, 1], [1, 1], [0, 0],
                                                                [1, 1]])), 3 * 2**2),
]


@pytest.mark.parametrize("name, function, exact", CORRELATED_ELEMENTS,
                         ids=[case[0] for case in CORRELATED_ELEMENTS])
def test_correlated_elements_are_not_summed_as_independent(name, function, exact):
    weight2 = requirements(function, VECTOR).max_norm2_into_output ** 2
    assert exact * (1 - 1e-9) <= weight2 <= 2 * exact * (1 + 1e-9)


def test_a_clear_multiplier_weighs_at_least_its_types_largest_value():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fhe.OutOfRangeWarning)
        circuit = fhe.compiler({"x": "encrypted", "c": "clear"})(lambda x, c: x * c).compile(
            [(v, v % 6) for v in VECTOR])
    bit_width = 3  # c in [0, 5]
    weight2 = circuit.optimization.requirements.max_norm2_into_output ** 2
    assert weight2 >= (2**bit_width - 1) ** 2


def lookup(values, modulus=5):
    return fhe.univariate(lambda v: v % modulus)(values)


def test_a_lookup_reads_its_linear_input_and_restarts_at_weight_one():
    needs = requirements(lambda x: lookup(x * 3) * 4 + x, VECTOR)
    assert needs.pbs_count == 4  # one bootstrap per element
    assert needs.max_norm2_into_pbs ** 2 == pytest.approx(9)
    assert not needs.pbs_input_from_pbs
    # output: 4·(lookup output, weight 1) + x (fresh, weight 1), both at the lookup precision
    assert needs.max_norm2_into_output ** 2 == pytest.approx(16 + 1)
    assert needs.outputs_from_pbs
    assert needs.output_count == 4


def test_a_sum_of_lookups_into_a_lookup():
    needs = requirements(lambda x: lookup(np.sum(lookup(x, 7) * 2), 11), VECTOR)
    assert needs.pbs_count == 4 + 1
    assert needs.pbs_input_from_pbs
    assert needs.max_norm2_into_pbs ** 2 == pytest.approx(4 * 2**2)


def test_chained_lookups_scale_the_output_weight_to_the_lookup_precision():
    needs = requirements(lambda x: lookup(lookup(x) * 2, 3), VECTOR)
    assert needs.message_bit_width == 4  # lookup(x) * 2 in [0, 8]
    assert needs.pbs_count == 8 and needs.pbs_input_from_pbs
    assert needs.max_norm2_into_pbs ** 2 == pytest.approx(4)
    # the output (v % 3, 2 bits) is decoded at 2 bits: noise 4**(2 - 4) times as tolerable
    assert needs.max_norm2_into_output ** 2 == pytest.approx(4.0 ** (2 - 4))


def test_lookups_at_different_precisions_are_compared_at_the_widest():
    """A 4-bit lookup with weight 25 against a 6-bit one with weight 1: 25·4**(4−6)."""
    inputset = [(x, y) for x, y in zip(range(4), (0, 21, 42, 63))]
    needs = requirements(lambda x, y: (lookup(x * 5), lookup(y)), inputset)
    assert needs.message_bit_width == 6
    assert needs.max_norm2_into_pbs ** 2 == pytest.approx(25 / 16)
    assert needs.pbs_count == 2 and needs.output_count == 2


def test_requirements_count_leveled_operations_and_outputs():
    needs = requirements(lambda x, y: (x + y, np.sum(x)), PAIRS)
    assert needs.pbs_count == 0
    assert needs.output_count == 4 + 1
    assert needs.leveled_op_count == 4 + 1
    assert not needs.outputs_from_pbs


def test_an_output_that_bypasses_the_lookups_is_fresh():
    needs = requirements(lambda x: (lookup(x), x * 2), VECTOR)
    assert needs.pbs_count == 4 and needs.output_count == 8
    assert needs.outputs_from_pbs  # some output comes from a lookup
    assert needs.max_norm2_into_output ** 2 == pytest.approx(4)  # x * 2, same precision
