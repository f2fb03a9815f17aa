"""Hints in the user's terms: a lowered op's problem is reported once, on the op the user
wrote; suggestions fit the program (plain numpy vs quantized) and name the lookup width
limit with what a wider lookup costs."""
from __future__ import annotations

import numpy as np

import fhe_assistant as fhe
from fhe_assistant.analysis.compatibility import (
    checking_quantized_program,
    lookup_seconds,
    width_limit_hint,
)


def product(x, y):
    return x * y


def modulo(x):
    return (x * 7) % 13


def test_a_wide_encrypted_product_is_one_issue_on_the_users_multiply():
    rng = np.random.default_rng(0)
    inputset = [(int(a), int(b)) for a, b in rng.integers(0, 1000, (40, 2))]
    program = fhe.compiler({"x": "encrypted", "y": "encrypted"})(product).trace(
        inputset, maximum_tlu_bit_width=8)
    issues = program.compatibility.issues
    assert len(issues) == 1
    issue = issues[0]
    assert program.graph.nodes[issue.node_id].label == "multiply"
    assert issue.code == "return x * y"
    assert issue.message.startswith("multiply (%")
    assert "square_quarter" not in issue.suggestion and "n_bits" not in issue.suggestion
    assert "maximum_tlu_bit_width" in issue.suggestion


def test_plain_numpy_hint_speaks_of_the_inputset_not_n_bits():
    program = fhe.compiler({"x": "encrypted"})(modulo).trace(np.arange(1000),
                                                             maximum_tlu_bit_width=8)
    (issue,) = program.compatibility.issues
    assert "n_bits" not in issue.suggestion
    assert "inputset" in issue.suggestion and "round_bit_pattern" in issue.suggestion
    assert "maximum_tlu_bit_width" in issue.suggestion


def test_quantized_program_hint_speaks_of_n_bits():
    """The quantizer keeps its own lookups narrow, so check the wording on a wide program
    checked as a quantized one (what QuantizedFunction.compile/trace declare)."""
    with checking_quantized_program():
        program = fhe.compiler({"x": "encrypted"})(modulo).trace(np.arange(1000),
                                                             maximum_tlu_bit_width=8)
    (issue,) = program.compatibility.issues
    assert "lower n_bits" in issue.suggestion and "rounding_threshold_bits" in issue.suggestion
    assert "maximum_tlu_bit_width" in issue.suggestion


def test_width_hint_gives_the_cost_of_a_feasible_wider_lookup():
    assert lookup_seconds(9) is not None and lookup_seconds(9) > lookup_seconds(8)
    hint = width_limit_hint(9, 8)
    assert "Configuration(maximum_tlu_bit_width=9)" in hint and "per 9-bit lookup" in hint
    assert lookup_seconds(40) is None
    assert "no secure parameters give 40-bit lookups" in width_limit_hint(40, 8)
