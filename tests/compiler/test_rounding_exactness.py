"""``round_bit_pattern``'s ``exactness`` (and ``Configuration.rounding_exactness``, its default):
an exact rounding clears the low bits with one bit read each before the lookup reads the top
bits (``transforms.exact_rounding``); an approximate one lets that lookup read them as they
are and be off by one step near a tie, for cheaper parameters; the clear result is the same."""
from __future__ import annotations

import numpy as np
import pytest

import fhe_assistant as fhe
from fhe_assistant import Exactness

INPUTSET = np.arange(-512, 512)


def _rounded(exactness=None, lsbs=5):
    def f(x):
        rounded = fhe.round_bit_pattern(x, lsbs_to_remove=lsbs, exactness=exactness)
        return fhe.univariate(lambda v: v // (1 << lsbs))(rounded)

    return fhe.compiler({"x": "encrypted"})(f)


def _lookups(circuit):
    """(the folded read, the bit reads)."""
    lookups = list(circuit.analysis.plan.lookups.values())
    (read,) = [lookup for lookup in lookups if lookup.reads_bit is None]
    return read, [lookup for lookup in lookups if lookup.reads_bit is not None]


@pytest.mark.parametrize("exactness, configured, approximate", [
    (None, Exactness.EXACT, False),
    (None, Exactness.APPROXIMATE, True),
    (Exactness.APPROXIMATE, Exactness.EXACT, True),
    (Exactness.EXACT, Exactness.APPROXIMATE, False),
])
def test_the_call_or_the_configuration_decides(exactness, configured, approximate):
    circuit = _rounded(exactness).compile(INPUTSET, rounding_exactness=configured)
    read, bit_reads = _lookups(circuit)
    assert read.lsbs_removed == 5 and read.approximate is approximate
    assert sorted(b.reads_bit for b in bit_reads) == ([] if approximate else [0, 1, 2, 3, 4])
    xs = np.arange(-512, 480)
    expected = (((xs + 16) >> 5) << 5) // 32
    np.testing.assert_array_equal(circuit.simulate_batch(xs), expected)


def test_bit_reads_are_charged_at_the_carried_noise_times_their_shift():
    circuit = _rounded().compile(INPUTSET)
    read, bit_reads = _lookups(circuit)
    plan = circuit.analysis.plan
    for lookup in bit_reads:
        assert lookup.effective_precision == lookup.noise_precision == 1
        assert lookup.read_shift == read.input_precision - lookup.reads_bit - 1
        fresh, _ = plan.read_norm2(lookup)
        assert fresh == pytest.approx(plan.fresh_norm2[lookup.read_id] * 4.0 ** lookup.read_shift)


def test_approximate_is_cheaper():
    exact = _rounded().compile(INPUTSET)
    approximate = _rounded(Exactness.APPROXIMATE).compile(INPUTSET)
    assert _lookups(approximate)[0].noise_precision == _lookups(exact)[0].noise_precision - 1
    assert approximate.complexity < exact.complexity


def _vectors(low: int, high: int, size: int) -> list[np.ndarray]:
    """An inputset of vectors of ``size`` covering [low, high)."""
    values = np.arange(low, high)
    return [values[i:i + size] for i in range(len(values) - size + 1)]


def test_exact_rounding_is_exact_on_ciphertexts_near_every_tie():
    """Before the bit reads, a folded exact rounding read 7 % of these values one step off
    (71 of 992 at 6 removed bits); every value here sits within two of a tie."""
    circuit = _rounded(lsbs=4).compile(_vectors(-128, 128, 60), insecure_keygen_seed=3)
    circuit.keygen()
    xs = np.array([t + d for t in range(-120, 120, 16) for d in (-2, -1, 0, 1)])
    expected = ((xs + 8) >> 4 << 4) // 16
    np.testing.assert_array_equal(circuit.encrypt_run_decrypt(xs), expected)


def test_approximate_rounding_is_at_most_one_step_off_on_ciphertexts():
    circuit = _rounded(Exactness.APPROXIMATE, lsbs=4).compile(_vectors(-128, 128, 240),
                                                               insecure_keygen_seed=3)
    circuit.keygen()
    xs = np.arange(-120, 120)
    expected = ((xs + 8) >> 4 << 4) // 16
    assert np.abs(circuit.encrypt_run_decrypt(xs) - expected).max() <= 1


def test_an_exact_rounding_read_by_no_lookup_needs_no_wide_lookup():
    """``round_bit_pattern`` as an output: the cleared value is the result (no p-bit lookup)."""
    circuit = fhe.compiler({"x": "encrypted"})(
        lambda x: fhe.round_bit_pattern(x, lsbs_to_remove=3) + 1).compile(
        _vectors(0, 200, 29), insecure_keygen_seed=5)
    lookups = circuit.analysis.plan.lookups.values()
    assert sorted(lookup.reads_bit for lookup in lookups) == [0, 1, 2]
    circuit.keygen()
    xs = np.arange(0, 200, 7)
    np.testing.assert_array_equal(circuit.encrypt_run_decrypt(xs), ((xs + 4) >> 3 << 3) + 1)


def test_an_approximate_rounding_read_by_no_lookup_reads_the_top_bits():
    """Concrete's test_round_bit_pattern_approximate_enabling: the rounding is the lookup,
    a top-bits read of the 11-bit value, cheaper than 8 exact bit reads: 4 bits, as Concrete
    reads it (the rounded values' 9 steps and a slip past each end need 11 entries)."""
    def compiled(exactness):
        return fhe.compiler({"x": "encrypted"})(
            lambda x: fhe.round_bit_pattern(x, lsbs_to_remove=8, exactness=exactness)).compile(
            [-(2 ** 10), 2 ** 10 - 1], insecure_keygen_seed=7)

    approximate, exact = compiled(Exactness.APPROXIMATE), compiled(Exactness.EXACT)
    (lookup,) = approximate.analysis.plan.lookups.values()
    assert (lookup.lsbs_removed, lookup.effective_precision, lookup.approximate) == (8, 4, True)
    assert approximate.complexity < exact.complexity
    xs = np.arange(-1024, 896, 37)
    expected = ((xs + 128) >> 8) << 8
    np.testing.assert_array_equal([approximate.simulate(int(x)) for x in xs], expected)
    approximate.keygen()
    got = np.array([approximate.encrypt_run_decrypt(int(x)) for x in xs[::4]])
    assert np.abs(got - expected[::4]).max() <= 256


def _two_layers(exactness):
    rng = np.random.default_rng(0)
    w1, w2 = rng.integers(-3, 4, (16, 16)), rng.integers(-2000, 2001, (16, 4))

    def f(x):
        a = fhe.round_bit_pattern(x @ w1, lsbs_to_remove=4)
        h = fhe.univariate(lambda v: np.maximum(v, 0) // 16)(a)
        b = fhe.round_bit_pattern(h @ w2, lsbs_to_remove=14, exactness=exactness)
        return fhe.univariate(lambda v: v // 16384)(b)

    return fhe.compiler({"x": "encrypted"})(f), [rng.integers(0, 64, 16) for _ in range(50)]


def test_an_exact_rounding_without_parameters_is_named_with_its_line_and_the_fix():
    """Bit reads of a 19-bit accumulator fed by lookups and large weights: no parameters.
    The error names the rounding's source line, the width it clears and what to do."""
    compiler, inputset = _two_layers(Exactness.EXACT)
    with pytest.raises(fhe.CompilationError) as caught:
        compiler.compile(inputset)
    message = str(caught.value)
    assert "is a step of an exact rounding of a 19-bit value" in message
    assert "test_rounding_exactness.py" in message and "APPROXIMATE" in message
    approximate, inputset = _two_layers(Exactness.APPROXIMATE)
    assert approximate.compile(inputset).analysis.plan.lookups  # the suggested fix compiles


def test_exactness_must_be_an_exactness():
    with pytest.raises(TypeError, match="exactness must be an fhe.Exactness"):
        _rounded("approximate").trace(INPUTSET)


def _top_heavy():
    """An approximate rounding by 3 bits of values in [0, 59]: 56 is the top rounded value,
    and 58 or 59 plus the read's noise lands past it now and then (index 8 of an 8-entry
    table before slip windows: the padding bit, which read -table[0] = 0, seven steps off)."""
    return fhe.compiler({"x": "encrypted"})(lambda x: fhe.univariate(lambda v: v // 8)(
        fhe.round_bit_pattern(fhe.univariate(lambda v: v)(x), lsbs_to_remove=3,
                              exactness=Exactness.APPROXIMATE)))


@pytest.mark.parametrize("low, window, precision", [
    (0, (0, 7), 4),   # the window [-1, 8] needs one more bit (16 entries)
    (20, (3, 7), 3),  # [2, 8] fits 8 entries: index 8 wraps onto row 0, which holds -f(56)
])
def test_an_approximate_slip_past_either_end_reads_that_end(low, window, precision):
    from fhe_assistant.lowered.tables import apply_tables, lookup_index

    circuit = _top_heavy().compile(range(low, 60), insecure_keygen_seed=2)
    (read,) = [lookup for lookup in circuit.analysis.plan.lookups.values() if lookup.lsbs_removed]
    assert (read.slip_low, read.slip_high) == window
    assert read.effective_precision == precision
    tables = circuit.program.table_source(read)
    ends = np.array([window[0] * 8, 56])
    slipped = np.mod(lookup_index(ends, read) + [-1, 1], 1 << (read.effective_precision + 1))
    np.testing.assert_array_equal(apply_tables(tables, slipped, read), ends // 8)
    circuit.keygen()
    got = np.array([circuit.encrypt_run_decrypt(int(x)) for x in np.repeat(np.arange(52, 60), 4)])
    assert np.all((got >= 6) & (got <= 7)), got


@pytest.mark.parametrize("precision, lsbs, low, high, needed", [
    (6, 3, 0, 32, 6),     # indices 0..4: the window -1..5 fits 8 entries
    (6, 3, 0, 40, 6),     # 0..5, window -1..6: 8 entries
    (6, 3, 0, 48, 7),     # 0..6, window -1..7: 9 entries, one bit more
    (7, 3, -64, 56, 8),   # 15 steps, window of 18
])
def test_an_approximate_read_gets_room_for_its_slips(precision, lsbs, low, high, needed):
    from fhe_assistant.lowered.fhe_plan import slip_room_precision

    assert slip_room_precision(precision, lsbs, low, high) == needed


@pytest.mark.parametrize("exactness", [Exactness.APPROXIMATE, Exactness.EXACT])
def test_a_rounding_after_a_wide_lookup_runs_as_wop(exactness):
    """An 11-bit lookup, then a rounding by 2 bits read by a 10-bit lookup: the WoP read
    extracts all 12 bits of the rounded value's partition (refused before)."""
    circuit = fhe.compiler({"x": "encrypted"})(lambda x: fhe.univariate(lambda v: v // 4 % 1000)(
        fhe.round_bit_pattern(fhe.univariate(lambda v: v)(x), lsbs_to_remove=2,
                              exactness=exactness))).compile(np.arange(2048),
                                                            insecure_keygen_seed=3)
    assert circuit.program.wop is not None
    xs = [5, 6, 1001, 2045, 2047]
    expected = [1, 2, 250, 511, 511 if exactness is Exactness.APPROXIMATE else 512]
    assert [int(circuit.simulate(x)) for x in xs] == expected
    circuit.keygen()
    got = [int(circuit.encrypt_run_decrypt(x)) for x in xs]
    assert max(abs(a - b) for a, b in zip(got, expected)) <= (
        1 if exactness is Exactness.APPROXIMATE else 0)
