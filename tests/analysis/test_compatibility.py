"""The compatibility check: compile() raises one error listing every offending node;
trace() reports the same without raising and still simulates at any width."""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import fhe_assistant as fhe

WIDE_TABLE = fhe.LookupTable(np.arange(2048) % 7)


def too_wide(x):
    y = x * 3
    a = WIDE_TABLE[y]
    b = np.maximum(y - 1000, 0)
    return a + b


def _line_of(function, text: str) -> int:
    lines, first = __import__("inspect").getsourcelines(function)
    return first + next(i for i, line in enumerate(lines) if text in line)


def test_compile_lists_every_too_wide_lookup_with_line_and_suggestion():
    compiler = fhe.compiler({"x": "encrypted"})(too_wide)
    with pytest.raises(fhe.CompilationError) as raised:
        compiler.compile(range(600), maximum_tlu_bit_width=8)  # y in [0, 1797]: 11 bits
    message = str(raised.value)
    assert "2 problem(s)" in message
    lookup_line = _line_of(too_wide, "WIDE_TABLE[y]")
    relu_line = _line_of(too_wide, "np.maximum")
    assert f"test_compatibility.py:{lookup_line}" in message
    assert f"test_compatibility.py:{relu_line}" in message
    assert "a = WIDE_TABLE[y]" in message and "b = np.maximum(y - 1000, 0)" in message
    assert message.count("reads a 11-bit value") == 2 and "8-bit limit" in message
    assert message.count("round_bit_pattern(x, lsbs_to_remove=3)") == 2
    issues = raised.value.issues
    assert [issue.kind for issue in issues] == ["tlu-too-wide", "tlu-too-wide"]
    assert {(issue.bit_width, issue.limit) for issue in issues} == {(11, 8)}
    assert {issue.code for issue in issues} == {"a = WIDE_TABLE[y]", "b = np.maximum(y - 1000, 0)"}
    # every issue names a node of the graph the user sees
    program = compiler.trace(range(600), maximum_tlu_bit_width=8)
    labels = {program.graph.nodes[issue.node_id].label for issue in issues}
    assert labels == {"lookup_table", "maximum"}


def test_trace_reports_without_raising_and_simulates_exactly():
    program = fhe.compiler({"x": "encrypted"})(too_wide).trace(range(600), maximum_tlu_bit_width=8)
    assert not program.is_compatible
    report = program.compatibility
    assert len(report.issues) == 2 and report.maximum_tlu_bit_width == 8
    assert "not FHE-compatible" in str(report)
    assert len(report.to_dataframe()) == 2
    assert program.graph.maximum_integer_bit_width() == 11
    for x in (0, 1, 334, 599):
        assert program.simulate(x) == too_wide(x)
    xs = np.arange(600)
    np.testing.assert_array_equal(program.simulate_batch(xs), too_wide(xs))


def test_the_default_limit_is_16_bits_and_wider_is_refused_with_the_largest_width():
    assert fhe.Configuration().maximum_tlu_bit_width == 16
    table = fhe.LookupTable(np.arange(2**17) % 5)

    @fhe.compiler({"x": "encrypted"})
    def widest(x):
        return table[x * 2]

    with pytest.raises(fhe.CompilationError) as raised:
        widest.compile(range(2**16))  # x * 2 < 2**17: a 17-bit lookup
    message = str(raised.value)
    assert f"test_compatibility.py:{_line_of(widest.function, 'table[x * 2]')}" in message
    assert "reads a 17-bit value, more than the 16-bit limit" in message
    assert "the largest feasible is 16 bits" in message
    assert "round_bit_pattern(x, lsbs_to_remove=1)" in message
    # 9 to 16 bits compile by default (WoP-PBS; the MLP-like 9-bit case of issue 14)
    weights = np.array([[7, -5], [6, 4], [-7, 5], [5, 6]])
    relu = fhe.compiler({"x": "encrypted"})(lambda x: np.maximum(x @ weights, 0))
    inputset = np.random.default_rng(0).integers(0, 16, size=(50, 4))
    circuit = relu.compile(inputset)
    assert circuit.analysis.plan.max_lookup_precision >= 9
    np.testing.assert_array_equal(circuit.simulate(inputset[0]),
                                  np.maximum(inputset[0] @ weights, 0))


def test_following_the_suggestion_compiles():
    def rounded(x):
        y = x * 3
        a = WIDE_TABLE[fhe.round_bit_pattern(y, 3)]
        b = np.maximum(fhe.round_bit_pattern(y - 1000, 3), 0)
        return a + b

    compiler = fhe.compiler({"x": "encrypted"})(rounded)
    circuit = compiler.compile(range(600))
    xs = np.arange(600)
    np.testing.assert_array_equal(circuit.simulate_batch(xs), rounded(xs))


def test_the_limit_is_a_configuration_field():
    compiler = fhe.compiler({"x": "encrypted"})(too_wide)
    assert compiler.trace(range(600), maximum_tlu_bit_width=11).is_compatible
    configuration = fhe.Configuration(maximum_tlu_bit_width=10)
    assert not compiler.trace(range(600), configuration).is_compatible
    assert fhe.compiler({"x": "encrypted"})(lambda x: WIDE_TABLE[x]).trace(
        range(16), maximum_tlu_bit_width=4).is_compatible


def test_trace_simulates_far_past_the_lookup_limit():
    @fhe.compiler({"x": "encrypted"})
    def f(x):
        return np.maximum(x * 3 - 2**40, 0) + x // 7

    program = f.trace([0, 2**41])
    assert program.graph.maximum_integer_bit_width() >= 43
    for x in (0, 2**40, 2**41, 12345678901):
        assert program.simulate(x) == f(x)


def test_simulate_past_int64_is_a_clear_error():
    @fhe.compiler({"x": "encrypted"})
    def f(x):
        return x * 2**40 * 2**20

    program = f.trace(range(4))
    assert program.simulate(3) == 3 * 2**60
    with pytest.raises(fhe.EvaluationError, match=r"%\d+ = multiply.*overflows 64-bit") as raised, \
            warnings.catch_warnings():
        warnings.simplefilter("ignore", fhe.OutOfRangeWarning)
        program.simulate(2**10)
    assert "test_compatibility.py" in str(raised.value)
    with pytest.raises(fhe.EvaluationError, match="overflows 64-bit"):
        f.trace([2**10])  # the inputset itself overflows: an error, not wrapped bounds


def test_encrypted_by_encrypted_multiplication_past_int64_is_an_error():
    @fhe.compiler({"x": "encrypted", "y": "encrypted"})
    def f(x, y):
        return x * y

    with pytest.raises(fhe.EvaluationError, match="overflows 64-bit"):
        f.trace([(2**31 + 1, 2**31 + 2)])
    program = f.trace([(2**30 + 1, 2**30 - 3)])
    assert program.simulate(2**30 + 1, 2**30 - 3) == (2**30 + 1) * (2**30 - 3)


def test_encrypted_product_never_silently_wraps():
    """(a+b)**2 // 4 of the lowering wraps int64 before a*b does: an error, not a wrong value."""
    @fhe.compiler({"x": "encrypted", "y": "encrypted"})
    def f(x, y):
        return x * y

    x = y = 3 * 2**30  # x * y = 9 * 2**60 < 2**63 would fit, (x + y)**2 = 9 * 2**62 does not
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fhe.OutOfRangeWarning)
        program = f.trace([(0, 0), (7, 7)])
        with pytest.raises(fhe.EvaluationError, match="overflows 64-bit"):
            program.simulate(x, y)


def test_encrypted_product_that_fits_int64_is_exact():
    @fhe.compiler({"x": "encrypted", "y": "encrypted"})
    def f(x, y):
        return x * y

    x, y = 2**31 + 5, 2**31 - 7  # x * y < 2**62, (x + y)**2 > 2**63
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fhe.OutOfRangeWarning)
        assert f.trace([(x, y)]).simulate(x, y) == x * y


def test_unsupported_encrypted_operation_is_reported():
    """Two encrypted operands too wide to pack into one lookup (8 + 8 bits)."""
    @fhe.compiler({"x": "encrypted", "y": "encrypted"})
    def f(x, y):
        return x // (y + 1)

    program = f.trace([(0, 0), (255, 254)], maximum_tlu_bit_width=8)
    assert [issue.kind for issue in program.compatibility.issues] == ["unsupported-op"]
    assert "floor_divide of 2 encrypted values" in str(program.compatibility)
    assert program.simulate(7, 3) == 7 // 4
    with pytest.raises(fhe.CompilationError, match="floor_divide of 2 encrypted values"):
        f.compile([(0, 0), (255, 254)], maximum_tlu_bit_width=8)


def test_float_output_is_reported():
    @fhe.compiler({"x": "encrypted"})
    def f(x):
        return np.sin(x) * 4

    program = f.trace(range(8))
    assert not program.is_compatible
    float_issues = [i for i in program.compatibility.issues if i.kind == "encrypted-float"]
    assert any("result" in i.message and "float" in i.message for i in float_issues)
    assert all("astype" in i.suggestion for i in float_issues)
    assert program.simulate(1) == pytest.approx(np.sin(1) * 4)
    with pytest.raises(fhe.CompilationError, match="is a float"):
        f.compile(range(8))


def test_float_output_gives_no_bogus_lookup_width_issue():
    @fhe.compiler({"x": "encrypted"})
    def f(x):
        return np.floor(np.sin(x) * 4)

    issues = f.trace(range(8)).compatibility.issues
    assert issues and all(issue.kind == "encrypted-float" for issue in issues)
    assert not any("lsbs_to_remove=56" in issue.suggestion for issue in issues)


def test_issue_details_use_the_printed_node_ids():
    @fhe.compiler({"x": "encrypted", "y": "encrypted"})
    def f(x, y):
        q = x * y + 1
        return fhe.univariate(lambda v: v % 3)(q) + q * 64

    program = f.trace([(0, 0), (3, 3)], maximum_tlu_bit_width=8)
    (issue,) = program.compatibility.issues
    mentioned = re.search(r"its input %(\d+)", issue.message)
    assert mentioned is not None
    q = next(n for n in program.graph.nodes if n.op.value == "univariate").operands[0]
    assert int(mentioned.group(1)) == q


@pytest.mark.parametrize("exactness", [fhe.Exactness.EXACT, fhe.Exactness.APPROXIMATE])
def test_a_rounding_shared_with_linear_ops_still_narrows_its_lookups(exactness):
    """The rounded value feeds the linear ops (exact: cleared by bit reads; approximate: a
    lookup that reads the top bits itself) and the table lookup reads its top 8 bits: only
    ``maximum``, which reads ``y - 1000`` (11 bits), is too wide."""
    def rounded(x):
        y = fhe.round_bit_pattern(x * 3, 3, exactness=exactness)
        return WIDE_TABLE[y] + np.maximum(y - 1000, 0)

    program = fhe.compiler({"x": "encrypted"})(rounded).trace(range(600), maximum_tlu_bit_width=8)
    (issue,) = program.compatibility.issues
    assert "maximum" in str(issue)


def test_a_rounding_that_keeps_too_many_bits_says_how_many_more_to_remove():
    program = fhe.compiler({"x": "encrypted"})(
        lambda x: fhe.round_bit_pattern(x * 3, 1, exactness=fhe.Exactness.APPROXIMATE)).trace(
        range(600), maximum_tlu_bit_width=8)
    (issue,) = program.compatibility.issues
    assert "lsbs_to_remove=3" in issue.suggestion, issue.suggestion


