"""The parameter optimizer: Concrete's choices, security, monotonicity, errors, no-PBS circuits."""

from __future__ import annotations

import math

import pytest
from concrete_reference import (
    CONCRETE_COMPLEXITY,
    CONCRETE_P_ERROR,
    CONCRETE_SINGLE_TLU,
    V0_P_ERROR,
    V0_SUM_SIZE,
    V0_TABLE,
)

from fhe_assistant.core.errors import CompilationError, InputError
from fhe_assistant.crypto import CircuitRequirements, max_message_bit_width, optimize
from fhe_assistant.crypto import noise as nz
from fhe_assistant.crypto.cost import keyswitch_complexity, pbs_complexity
from fhe_assistant.crypto.security import MIN_SECURE_DIMENSION, noise_std_log2_mod


def _tuple(params):
    return (
        params.lwe_dimension,
        params.glwe_dimension,
        params.polynomial_size,
        params.decomposition_base_log,
        params.decomposition_level_count,
        params.ks_decomposition_base_log,
        params.ks_decomposition_level_count,
    )


def _check_secure_and_within_bounds(result):
    """Every returned set uses the curve's σ at its dimensions and meets its own target."""
    params, req = result.parameters, result.requirements
    p, big = params.message_bit_width, params.big_lwe_dimension
    assert big >= MIN_SECURE_DIMENSION
    assert result.noise.fresh == pytest.approx(noise_std_log2_mod(big), abs=1e-9)
    bound = nz.max_variance_for_p_error(result.target_p_error, p)
    assert result.noise.bound == pytest.approx(float(nz.log2_std(bound)), abs=1e-9)
    assert result.noise.output <= result.noise.bound
    assert result.p_error <= result.target_p_error * (1 + 1e-9)
    if req.pbs_count == 0:
        assert _tuple(params)[0] == 0 and _tuple(params)[3:] == (0, 0, 0, 0)
        return
    n = params.lwe_dimension
    assert n >= MIN_SECURE_DIMENSION
    # The KSK is encrypted at σ_lwe(n): recompute σ_KS from the curve directly.
    ksk_variance = 2.0 ** (2 * noise_std_log2_mod(n))
    b, lev = params.ks_decomposition_base_log, params.ks_decomposition_level_count
    one_bit = (
        (2.0**128 / (12 * 2.0 ** (2 * b * lev)) - 1 / 12) * 0.5
        + 1 / 16
        + lev * ksk_variance * (2.0 ** (2 * b) + 2) / 12
    )
    assert result.noise.keyswitch == pytest.approx(0.5 * math.log2(big * one_bit), abs=1e-9)
    assert result.noise.pre_pbs <= result.noise.bound
    assert result.pbs_complexity == pbs_complexity(
        n, params.glwe_dimension, params.polynomial_size, params.decomposition_level_count
    )
    assert result.ks_complexity == keyswitch_complexity(big, n, params.ks_decomposition_level_count)


@pytest.mark.parametrize("p", sorted(CONCRETE_SINGLE_TLU))
def test_reproduces_concrete_single_fresh_tlu(p):
    result = optimize(CircuitRequirements(message_bit_width=p), p_error=1e-5)
    assert _tuple(result.parameters) == CONCRETE_SINGLE_TLU[p]
    assert result.pbs_complexity + result.ks_complexity == pytest.approx(
        CONCRETE_COMPLEXITY[p], rel=5e-3
    )
    assert result.p_error == pytest.approx(CONCRETE_P_ERROR[p], rel=0.02)
    _check_secure_and_within_bounds(result)


@pytest.mark.parametrize(("p", "log_norm2"), sorted(V0_TABLE))
def test_reproduces_concrete_v0_reference_table(p, log_norm2):
    """Concrete's v0 table: a TLU fed by another TLU through a dot of 2-norm 2**log_norm2."""
    requirements = CircuitRequirements(
        message_bit_width=p,
        max_norm2_into_pbs=2.0**log_norm2,
        pbs_input_from_pbs=True,
        leveled_op_count=V0_SUM_SIZE,
    )
    expected = V0_TABLE[(p, log_norm2)]
    if expected is None:
        with pytest.raises(CompilationError):
            optimize(requirements, p_error=V0_P_ERROR)
        return
    result = optimize(requirements, p_error=V0_P_ERROR)
    assert _tuple(result.parameters) == expected[:7]
    assert int(result.complexity / 2**20) == expected[7]
    _check_secure_and_within_bounds(result)


def test_one_bit_and_cost_grows_with_precision():
    costs = []
    for p in range(1, 11):
        result = optimize(CircuitRequirements(message_bit_width=p), p_error=1e-5)
        _check_secure_and_within_bounds(result)
        costs.append(result.complexity)
    assert costs == sorted(costs)
    assert _tuple(optimize(CircuitRequirements(1), p_error=1e-5).parameters) == (
        597,
        5,
        256,
        15,
        1,
        3,
        3,
    )


def test_cost_grows_with_norm_chaining_and_stricter_p_error():
    base = optimize(CircuitRequirements(5), p_error=1e-5).complexity
    assert (
        optimize(CircuitRequirements(5, max_norm2_into_pbs=16.0), p_error=1e-5).complexity >= base
    )
    assert (
        optimize(CircuitRequirements(5, pbs_input_from_pbs=True), p_error=1e-5).complexity >= base
    )
    assert optimize(CircuitRequirements(5), p_error=2.0**-40).complexity >= base


def test_chained_lookups_use_the_blind_rotation_noise():
    """Concrete's fresh-input 8-bit set would fail 1e-3 of chained lookups (tfhe-notes §5.8)."""
    fresh = optimize(CircuitRequirements(8), p_error=1e-5)
    chained = optimize(CircuitRequirements(8, pbs_input_from_pbs=True), p_error=1e-5)
    assert _tuple(chained.parameters) != _tuple(fresh.parameters)
    _check_secure_and_within_bounds(chained)
    br = 2.0 ** (2 * chained.noise.blind_rotation)
    ks, ms = 2.0 ** (2 * chained.noise.keyswitch), 2.0 ** (2 * chained.noise.modulus_switch)
    assert chained.noise.pre_pbs == pytest.approx(float(nz.log2_std(br + ks + ms)), abs=1e-9)


def test_global_p_error_is_split_over_lookups_and_outputs():
    requirements = CircuitRequirements(4, pbs_count=100, output_count=10)
    result = optimize(requirements, global_p_error=1e-5)
    assert result.target_p_error == pytest.approx(float(nz.per_op_p_error(1e-5, 110)), rel=1e-12)
    assert result.global_p_error <= 1e-5
    assert result.complexity >= 100 * optimize(CircuitRequirements(4), p_error=1e-5).complexity
    _check_secure_and_within_bounds(result)
    # An explicit per-PBS p_error wins over the global target.
    per_pbs = optimize(requirements, p_error=1e-5, global_p_error=1e-9)
    assert per_pbs.target_p_error == 1e-5
    assert per_pbs.p_error <= 1e-5 < per_pbs.global_p_error
    # Defaults: global 1e-5 split over 1 lookup + 1 output.
    default = optimize(CircuitRequirements(4))
    assert default.target_p_error == pytest.approx(float(nz.per_op_p_error(1e-5, 2)), rel=1e-12)
    assert default.global_p_error <= 1e-5


def test_no_pbs_circuit_takes_the_smallest_big_key_that_fits():
    result = optimize(CircuitRequirements(18, pbs_count=0, max_norm2_into_output=30.0))
    params = result.parameters
    _check_secure_and_within_bounds(result)
    assert (params.glwe_dimension, params.polynomial_size) == (5, 256)  # kN = 1280
    bound = nz.max_variance_for_p_error(result.target_p_error, 18)
    assert 30.0**2 * nz.fresh_variance(1280) <= bound
    assert 30.0**2 * nz.fresh_variance(1024) > bound  # the next smaller kN does not fit
    assert result.pbs_complexity == result.ks_complexity == result.seconds_per_pbs == 0.0
    wide = optimize(
        CircuitRequirements(24, pbs_count=0, max_norm2_into_output=30.0, leveled_op_count=1000)
    )
    _check_secure_and_within_bounds(wide)
    assert wide.parameters.big_lwe_dimension > params.big_lwe_dimension
    assert wide.complexity == 1000 * wide.parameters.big_lwe_dimension


def test_unsatisfiable_lookup_precision_names_the_limit():
    assert max_message_bit_width(CircuitRequirements(1), p_error=1e-5) == 11
    assert (
        max_message_bit_width(CircuitRequirements(1)) == 10
    )  # global 1e-5 over 1 lookup + 1 output
    optimize(CircuitRequirements(11), p_error=1e-5)
    with pytest.raises(CompilationError) as error:
        optimize(CircuitRequirements(12), p_error=1e-5)
    text = str(error.value)
    assert "12-bit table lookups with p_error 1e-05" in text
    assert "the largest feasible is 11 bits" in text
    with pytest.raises(
        CompilationError, match="global p_error 1e-05 .*largest feasible is 10 bits"
    ):
        optimize(CircuitRequirements(12))


def test_unsatisfiable_norm_names_the_norm_and_the_unit_norm_limit():
    requirements = CircuitRequirements(8, max_norm2_into_pbs=2.0**20, pbs_input_from_pbs=True)
    limit = max_message_bit_width(requirements, p_error=1e-5)
    assert limit < 8
    with pytest.raises(CompilationError) as error:
        optimize(requirements, p_error=1e-5)
    text = str(error.value)
    assert "a 2-norm of 1.04858e+06 into lookups" in text
    assert "lookup inputs that come from other lookups" in text
    assert f"the largest feasible is {limit} bits" in text
    assert "With 2-norms of 1 the limit would be 11 bits" in text


def test_unsatisfiable_leveled_circuit():
    requirements = CircuitRequirements(40, pbs_count=0, max_norm2_into_output=1e6)
    limit = max_message_bit_width(requirements)
    optimize(CircuitRequirements(limit, pbs_count=0, max_norm2_into_output=1e6))
    with pytest.raises(
        CompilationError, match=f"40-bit outputs .*largest feasible is {limit} bits"
    ):
        optimize(requirements)


def test_as_dict_is_one_flat_row():
    row = optimize(CircuitRequirements(4), p_error=1e-5).as_dict()
    assert row["lwe_dimension"] == 822 and row["complexity"] == 73_247_946
    assert row["log2_std_keyswitch"] == pytest.approx(55.07, abs=0.01)
    assert row["seconds_per_pbs"] == pytest.approx(9.96e-3, rel=0.03)
    assert all(not isinstance(v, (dict, list)) for v in row.values())


@pytest.mark.parametrize(
    "kwargs",
    [
        {"message_bit_width": 0},
        {"message_bit_width": 4, "pbs_count": -1},
        {"message_bit_width": 4, "max_norm2_into_pbs": float("nan")},
        {"message_bit_width": 4.5},
    ],
)
def test_bad_requirements(kwargs):
    with pytest.raises(InputError):
        CircuitRequirements(**kwargs)


def test_bad_p_error():
    with pytest.raises(InputError):
        optimize(CircuitRequirements(4), p_error=0.0)
    with pytest.raises(InputError):
        optimize(CircuitRequirements(4), global_p_error=1.5)
