"""Key partitions of compiled graphs: lookups by precision, blocks under one big key each."""
from __future__ import annotations

import numpy as np
import pytest

import fhe_assistant as fhe
from fhe_assistant.lowered.key_partitions import partition_lookups, partitioned_requirements

RNG = np.random.default_rng(20241214)
T3 = fhe.LookupTable(RNG.integers(0, 8, 8).tolist())
T8 = fhe.LookupTable(RNG.integers(0, 256, 256).tolist())
X = [RNG.integers(0, 8, 32) for _ in range(20)] + [np.full(32, 7), np.zeros(32, np.int64)]
Y = [int(v) for v in RNG.integers(0, 256, 20)] + [255, 0]


def _analysis(function, encryption, inputset):
    return fhe.Compiler(function, encryption).compile(inputset).analysis


def test_independent_widths_get_two_partitions_and_no_cross_keyswitch():
    analysis = _analysis(lambda x, y: (T3[x], T8[y]), {"x": "encrypted", "y": "encrypted"},
                         list(zip(X, Y)))
    partitioning = partition_lookups(analysis.plan)
    assert partitioning.precisions == (3, 8)
    req = partitioned_requirements(analysis.lowered, analysis.plan, partitioning)
    assert req.pbs_counts == (32, 1)
    assert set(req.keyswitch_counts) == {(0, 0), (1, 1)}
    outputs = {(c.source, c.precision, c.count) for c in req.constraints if c.target is None}
    assert outputs == {(0, 3, 32), (1, 8, 1)}


def test_a_sum_of_narrow_lookups_feeding_a_wide_one_crosses_partitions():
    analysis = _analysis(lambda x: T8[np.sum(T3[x])], {"x": "encrypted"}, X)
    partitioning = partition_lookups(analysis.plan)
    req = partitioned_requirements(analysis.lowered, analysis.plan, partitioning)
    assert req.keyswitch_counts == {(0, 0): 32, (0, 1): 1}
    (cross,) = [c for c in req.constraints if (c.source, c.target) == (0, 1)]
    assert (cross.precision, cross.fresh_norm2, cross.pbs_norm2) == (8, 0.0, 32.0)
    assert req.leveled_op_counts == (1, 0)  # the sum runs under the 3-bit partition's key


def test_lookups_of_two_widths_writing_one_block_share_a_partition():
    t4 = fhe.LookupTable(list(range(15, -1, -1)))
    analysis = _analysis(lambda x, y: T3[x] + t4[y], {"x": "encrypted", "y": "encrypted"},
                         [(a[:4] % 8, a[:4] * 2 % 16) for a in X])
    partitioning = partition_lookups(analysis.plan)
    assert partitioning.precisions == (4,)


@pytest.mark.parametrize("multi", [True, False])
def test_one_precision_or_mono_is_one_partition(multi):
    analysis = _analysis(lambda x, y: (T3[x], T8[y]), {"x": "encrypted", "y": "encrypted"},
                         list(zip(X, Y)))
    single = partition_lookups(analysis.plan, multi=False)
    assert single.precisions == (8,) and set(single.key_of_block.values()) == {0}
    same = _analysis(lambda x: T3[T3[x]], {"x": "encrypted"}, X)
    assert partition_lookups(same.plan, multi=multi).partition_count == 1
