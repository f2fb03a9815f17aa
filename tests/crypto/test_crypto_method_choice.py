"""Native KS-PBS or WoP-PBS: which method the optimizer keeps, and its refusals."""

from __future__ import annotations

import pytest

from fhe_assistant.core.errors import CompilationError
from fhe_assistant.crypto import (
    CircuitRequirements,
    LookupMethod,
    MultiOptimizationResult,
    NoiseConstraint,
    OptimizationResult,
    PartitionedRequirements,
    WopOptimizationResult,
    optimize_circuit,
    optimize_wop,
)
from fhe_assistant.crypto.method_choice import native_key_set_bytes, native_run_seconds
from fhe_assistant.crypto.optimizer import optimize


def test_small_lookups_stay_native():
    result = optimize_circuit(CircuitRequirements(message_bit_width=4))
    assert isinstance(result, OptimizationResult)
    assert result.wop_parameters is None and result.lookup_method(4) is LookupMethod.NATIVE


def test_nine_bits_is_wop_the_cheaper_method():
    req = CircuitRequirements(message_bit_width=9)
    wop = optimize_circuit(req)
    assert isinstance(wop, WopOptimizationResult)
    assert wop.lookup_method(9) is LookupMethod.WOP and wop.wop_parameters is not None
    assert "GiB" in wop.native_refusal and wop.native_seconds is None
    # Without the key limit the native 9-bit set (Concrete 2.11's choice) is priced too, and
    # is slower here (one N = 32768 bootstrap against 35 N = 512 ones).
    unlimited = optimize_circuit(req, max_native_key_bytes=2**40)
    assert isinstance(unlimited, WopOptimizationResult)
    native = optimize(req)
    assert unlimited.native_seconds == pytest.approx(native_run_seconds(native))
    assert unlimited.seconds < unlimited.native_seconds
    assert native_key_set_bytes(native) > 2 * 2**30


def test_native_wins_where_it_is_cheaper():
    """A hundred 3-bit lookups and one 9-bit one: with MULTI the narrow ones stay cheap native
    bootstraps, while WoP-PBS would run every lookup as a (short) WoP lookup."""
    partitioned = PartitionedRequirements((3, 9), (
        NoiseConstraint(source=0, target=0, precision=3, count=100),
        NoiseConstraint(source=0, target=1, precision=9, pbs_norm2=1.0)))
    result = optimize_circuit(partitioned.merged(), partitioned, {3: 100, 9: 1},
                              max_native_key_bytes=2**40)
    assert isinstance(result, MultiOptimizationResult)
    wop = optimize_wop(partitioned.merged(), {3: 100, 9: 1})
    assert native_run_seconds(result) < wop.seconds


@pytest.mark.parametrize("width", [12, 16])
def test_wide_lookups_use_wop(width):
    result = optimize_circuit(CircuitRequirements(message_bit_width=width))
    assert isinstance(result, WopOptimizationResult)
    assert result.p_error <= result.target_p_error
    assert result.native_refusal and "largest feasible" in result.native_refusal


def test_wop_wins_when_cheaper_even_if_native_fits():
    """A native 10-bit set fits a 16 GiB limit, but WoP predicts less time."""
    result = optimize_circuit(CircuitRequirements(message_bit_width=10),
                              max_native_key_bytes=16 * 2**30)
    assert isinstance(result, WopOptimizationResult)
    assert result.native_seconds is not None and result.seconds < result.native_seconds


def test_multi_partitions_stay_native_when_they_fit():
    partitioned = PartitionedRequirements((3, 6), (
        NoiseConstraint(source=0, target=0, precision=3, count=8),
        NoiseConstraint(source=0, target=1, precision=6, pbs_norm2=1.0)))
    result = optimize_circuit(partitioned.merged(), partitioned, {3: 8, 6: 1})
    assert isinstance(result, MultiOptimizationResult)
    assert result.lookup_method(6) is LookupMethod.NATIVE


def test_too_wide_is_refused_with_each_methods_limit():
    with pytest.raises(CompilationError) as info:
        optimize_circuit(CircuitRequirements(message_bit_width=17))
    text = str(info.value)
    assert "17-bit table lookups" in text and "the largest feasible is 16 bits" in text
    assert "WoP-PBS up to 16 bits" in text and "native KS-PBS up to" in text
    assert "round_bit_pattern" in text and "p_error" in text
    assert len(info.value.issues) == 2  # each method's own reason


def test_unmeetable_norm_is_refused_with_the_norm():
    req = CircuitRequirements(message_bit_width=12, max_norm2_into_pbs=2.0**48)
    with pytest.raises(CompilationError, match="2-norm of 2.81475e[+]14 into lookups") as info:
        optimize_circuit(req)
    assert "the largest feasible is" in str(info.value)


def test_native_above_the_key_limit_beats_a_refusal():
    """When WoP finds nothing, a native set whose keys exceed the limit is still used (as
    Concrete compiles it) instead of refusing a program that runs."""
    req = CircuitRequirements(message_bit_width=6)
    result = optimize_circuit(req, max_native_key_bytes=1, max_wop_key_bytes=1)
    assert isinstance(result, OptimizationResult)
    assert result.parameters == optimize(req).parameters
    with pytest.raises(CompilationError):
        optimize_circuit(CircuitRequirements(message_bit_width=17), max_native_key_bytes=1,
                         max_wop_key_bytes=1)


def test_a_wop_read_wider_than_the_noise_precision_is_sized_for_its_width():
    """A folded rounding after an 11-bit lookup: its WoP read extracts the 12 bits of its
    partition although no lookup's noise precision exceeds 11 (was refused: "a 12-bit
    lookup does not fit 11-bit values")."""
    req = CircuitRequirements(message_bit_width=11, pbs_count=2, pbs_input_from_pbs=True,
                              outputs_from_pbs=True)
    result = optimize_circuit(req, lookup_widths={11: 1, 12: 1})
    assert isinstance(result, WopOptimizationResult)
    assert result.lookup_method(12) is LookupMethod.WOP
