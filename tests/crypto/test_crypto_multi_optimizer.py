"""Several parameter sets per circuit (Concrete's MULTI): Concrete's choices, bounds, fallback."""

from __future__ import annotations

import math

import pytest

from fhe_assistant.core.errors import CompilationError, InputError
from fhe_assistant.crypto import noise as nz
from fhe_assistant.crypto.cost import keyswitch_complexity, pbs_complexity
from fhe_assistant.crypto.multi_optimizer import optimize_multi
from fhe_assistant.crypto.optimizer import optimize
from fhe_assistant.crypto.partitioned import NoiseConstraint, PartitionedRequirements
from fhe_assistant.crypto.security import MIN_SECURE_DIMENSION

# 32 lookups of 3 bits and one of 8 bits, p_error 1e-5 per lookup. Concrete-python 2.11's
# choices were measured on this machine with the anchor venv (``fhe.Compiler`` on
# ``t3[x], t8[y]`` and on ``t8[np.sum(t3[x])]`` for x: uint3 (32,), y: uint8).
INDEPENDENT = PartitionedRequirements((3, 8), (
    NoiseConstraint(source=0, target=0, precision=3, count=32),
    NoiseConstraint(source=1, target=1, precision=8),
    NoiseConstraint(source=0, target=None, precision=3, fresh_norm2=0.0, pbs_norm2=1.0, count=32),
    NoiseConstraint(source=1, target=None, precision=8, fresh_norm2=0.0, pbs_norm2=1.0),
))
CHAINED = PartitionedRequirements((3, 8), (
    NoiseConstraint(source=0, target=0, precision=3, count=32),
    NoiseConstraint(source=0, target=1, precision=8, fresh_norm2=0.0, pbs_norm2=32.0),
    NoiseConstraint(source=1, target=None, precision=8, fresh_norm2=0.0, pbs_norm2=1.0),
))


def _tuple(params):
    return (params.lwe_dimension, params.glwe_dimension, params.polynomial_size,
            params.decomposition_base_log, params.decomposition_level_count)


def _ks(params):
    return (params.ks_decomposition_base_log, params.ks_decomposition_level_count)


def test_independent_partitions_reproduce_concrete():
    result = optimize_multi(INDEPENDENT, p_error=1e-5)
    three, eight = result.parameter_sets
    assert _tuple(three) + _ks(three) == (736, 3, 512, 18, 1, 4, 3)
    assert _tuple(eight) + _ks(eight) == (1031, 1, 16384, 22, 1, 4, 5)
    assert result.keyswitches == ()
    assert result.p_error == pytest.approx(9.76833399921948e-06, rel=1e-9)
    assert result.global_p_error == pytest.approx(0.0003116418155726949, rel=1e-9)
    assert result.complexity == pytest.approx(2625347577.0, rel=1e-12)


def test_chained_partitions_reproduce_concrete_with_a_cross_keyswitch():
    result = optimize_multi(CHAINED, p_error=1e-5)
    three, eight = result.parameter_sets
    assert _tuple(three) + _ks(three) == (704, 3, 512, 9, 3, 3, 4)
    assert _tuple(eight) == (893, 1, 16384, 22, 1)
    (cross,) = result.keyswitches
    assert (cross.source, cross.target, cross.input_dimension, cross.output_dimension) == (
        0, 1, 1536, 893)
    assert (cross.base_log, cross.level, cross.count) == (2, 9, 1)
    assert result.partitions[1].log2_std_keyswitch is None  # its own KSK is never used
    assert result.p_error == pytest.approx(9.96818453406867e-06, rel=1e-9)
    assert result.global_p_error == pytest.approx(0.00030062674246654036, rel=1e-9)
    assert result.complexity == pytest.approx(3637641859.0, rel=1e-12)


def _check_every_constraint(result, global_budget=None):
    """Recompute each constraint's noise from the returned parameters and the curve."""
    req = result.requirements
    sets = result.parameter_sets
    log_ok = 0.0
    for constraint, reported in zip(req.constraints, result.constraint_p_errors):
        src = sets[constraint.source]
        big = src.big_lwe_dimension
        assert big >= MIN_SECURE_DIMENSION and src.lwe_dimension >= MIN_SECURE_DIMENSION
        variance = constraint.pbs_norm2 * float(nz.blind_rotation_variance(
            src.lwe_dimension, src.glwe_dimension, src.polynomial_size, src.decomposition_base_log,
            src.decomposition_level_count))
        if constraint.fresh_norm2:
            variance += constraint.fresh_norm2 * float(nz.fresh_variance(big))
        if constraint.target is not None:
            tgt = sets[constraint.target]
            cross = result.keyswitch(constraint.source, constraint.target)
            b, lev = (cross.base_log, cross.level) if cross else _ks(tgt)
            variance += float(nz.keyswitch_variance(big, tgt.lwe_dimension, b, lev))
            variance += float(nz.modulus_switch_variance(tgt.lwe_dimension, tgt.polynomial_size))
        bound = float(nz.max_variance_for_p_error(result.target_p_error, constraint.precision))
        assert variance <= bound * (1 + 1e-12)
        p = float(nz.p_error_from_variance(variance, constraint.precision))
        assert reported == pytest.approx(p, rel=1e-9)
        log_ok += constraint.count * math.log1p(-p)
    assert result.global_p_error == pytest.approx(-math.expm1(log_ok), rel=1e-9)
    if global_budget is not None:
        assert result.global_p_error <= global_budget * (1 + 1e-9)


def _recomputed_cost(result):
    req, sets = result.requirements, result.parameter_sets
    total = sum(count * float(pbs_complexity(p.lwe_dimension, p.glwe_dimension,
                                             p.polynomial_size, p.decomposition_level_count))
                for count, p in zip(req.pbs_counts, sets))
    for (s, t), count in req.keyswitch_counts.items():
        cross = result.keyswitch(s, t)
        level = cross.level if cross else sets[t].ks_decomposition_level_count
        total += count * float(keyswitch_complexity(sets[s].big_lwe_dimension,
                                                    sets[t].lwe_dimension, level))
    return total


@pytest.mark.parametrize("requirements", [INDEPENDENT, CHAINED], ids=["independent", "chained"])
def test_global_budget_is_split_over_every_lookup_and_output(requirements):
    result = optimize_multi(requirements, global_p_error=1e-4)
    count = sum(c.count for c in requirements.constraints)
    assert result.target_p_error == pytest.approx(float(nz.per_op_p_error(1e-4, count)))
    _check_every_constraint(result, global_budget=1e-4)
    assert result.complexity == pytest.approx(_recomputed_cost(result), rel=1e-12)
    assert result.complexity <= result.mono_complexity


def test_three_partitions_with_weighted_sums_and_outputs_meet_every_bound():
    req = PartitionedRequirements((2, 5, 7), (
        NoiseConstraint(0, 0, 2, fresh_norm2=3.0, count=10),
        NoiseConstraint(0, 1, 5, fresh_norm2=0.0, pbs_norm2=9.0, count=4),
        NoiseConstraint(1, 1, 4, fresh_norm2=0.0, pbs_norm2=2.0, count=3),
        NoiseConstraint(1, 2, 7, fresh_norm2=0.0, pbs_norm2=4.0),
        NoiseConstraint(2, None, 7, fresh_norm2=0.0, pbs_norm2=1.0),
        NoiseConstraint(1, None, 5, fresh_norm2=0.0, pbs_norm2=5.0, count=2),
    ), leveled_op_counts=(10, 20, 1))
    result = optimize_multi(req, global_p_error=1e-5)
    _check_every_constraint(result, global_budget=1e-5)
    assert result.complexity < result.mono_complexity
    assert {(ks.source, ks.target) for ks in result.keyswitches} == {(0, 1), (1, 2)}


@pytest.mark.parametrize("precision", [2, 4, 6, 8])
@pytest.mark.parametrize("chained", [False, True])
def test_one_partition_is_exactly_the_single_set_optimizer(precision, chained):
    req = PartitionedRequirements((precision,), (
        NoiseConstraint(0, 0, precision, fresh_norm2=1.0, pbs_norm2=4.0 if chained else 0.0,
                        count=7),
        NoiseConstraint(0, None, precision, fresh_norm2=0.0, pbs_norm2=1.0, count=2),
    ), leveled_op_counts=(5,))
    multi = optimize_multi(req)
    mono = optimize(req.merged())
    (part,) = multi.partitions
    assert part.parameters == mono.parameters
    assert multi.keyswitches == ()
    assert multi.mono_complexity == pytest.approx(mono.complexity, rel=1e-12)
    assert multi.complexity == multi.mono_complexity


def test_merged_expresses_every_constraint_at_the_widest_precision():
    merged = CHAINED.merged()
    assert merged.message_bit_width == 8 and merged.pbs_count == 33
    assert merged.max_norm2_into_pbs == pytest.approx(math.sqrt(32.0))
    assert merged.pbs_input_from_pbs and merged.outputs_from_pbs
    assert merged.output_count == 1


def test_unsatisfiable_multi_circuit_names_the_limit():
    req = PartitionedRequirements((3, 12), (
        NoiseConstraint(0, 0, 3), NoiseConstraint(1, 1, 12)))
    with pytest.raises(CompilationError, match="largest feasible"):
        optimize_multi(req, p_error=1e-5)


@pytest.mark.parametrize("build", [
    lambda: PartitionedRequirements((), ()),
    lambda: PartitionedRequirements((3, 4), (NoiseConstraint(0, 0, 3),)),  # 1 has no lookup
    lambda: PartitionedRequirements((3,), (NoiseConstraint(0, 2, 3),)),
    lambda: PartitionedRequirements((3,), (NoiseConstraint(0, 0, 3),), leveled_op_counts=(1, 2)),
    lambda: NoiseConstraint(0, 0, 0),
    lambda: NoiseConstraint(0, 0, 3, pbs_norm2=-1.0),
    lambda: NoiseConstraint(-1, 0, 3),
])
def test_bad_partitioned_requirements(build):
    with pytest.raises(InputError):
        build()


def test_bad_p_error():
    with pytest.raises(InputError):
        optimize_multi(INDEPENDENT, p_error=2.0)


def test_key_set_lists_every_used_keyswitch_and_only_those():
    key_set = optimize_multi(CHAINED, p_error=1e-5).key_set()
    assert [(k.source, k.target, k.base_log, k.level) for k in key_set.keyswitches] == [
        (0, 0, 3, 4), (0, 1, 2, 9)]
    shape = key_set.keyswitch_shape(0, 1)
    assert (shape.big_lwe_dimension, shape.lwe_dimension,
            shape.ks_decomposition_level_count) == (1536, 893, 9)
    again = type(key_set).from_dict(key_set.as_dict())
    assert again == key_set and again.fingerprint() == key_set.fingerprint()
    single = optimize(CHAINED.merged())
    assert type(key_set).single(single.parameters).fingerprint() == single.parameters.fingerprint()


@pytest.mark.parametrize("data", [{}, {"partitions": [{"x": 1}], "keyswitches": []},
                                  {"partitions": [], "keyswitches": []}])
def test_malformed_key_set_is_refused(data):
    from fhe_assistant.crypto.key_set import KeySetParameters

    with pytest.raises(InputError):
        KeySetParameters.from_dict(data)
