"""Pareto lists of decompositions: the vectorized scan is Concrete's scalar scan."""

from __future__ import annotations

import numpy as np
import pytest

from fhe_assistant.crypto.cost import cmux_complexity, keyswitch_complexity
from fhe_assistant.crypto.decomposition import keyswitch_pareto, pbs_pareto
from fhe_assistant.crypto.noise import cmux_variance, keyswitch_variance_one_bit


def _concrete_scan(noise, cost):
    """Concrete's ``pareto_quantities`` loop, transcribed literally (scalar, slow)."""
    out = []
    prev_best, kept, no_progress = 64, np.inf, 0
    for level in range(1, 65):
        level_noise, best = np.inf, 0
        for base_log in range(prev_best, 0, -1):
            value = noise(base_log, level)
            if value > level_noise:
                break
            level_noise, best = value, base_log
        prev_best = best
        if kept < level_noise:
            if best == 1:
                no_progress += 1
                if no_progress > 16:
                    break
            continue
        out.append((best, level, level_noise, cost(level)))
        kept = level_noise
    return out


def _row(table, r):
    size = table.length[r]
    return list(
        zip(
            table.base_log[r, :size],
            table.level[r, :size],
            table.noise[r, :size],
            table.cost[r, :size],
            strict=True,
        )
    )


@pytest.mark.parametrize(
    ("k", "big_n"), [(5, 256), (3, 512), (2, 1024), (1, 2048), (1, 16384), (1, 131072)]
)
def test_pbs_pareto_is_concretes_scan(k, big_n):
    ks, ns, table = pbs_pareto()
    r = int(np.flatnonzero((ks == k) & (ns == big_n))[0])
    expected = _concrete_scan(
        lambda b, lev: float(cmux_variance(k, big_n, b, lev)),
        lambda lev: float(cmux_complexity(k, big_n, lev)),
    )
    got = _row(table, r)
    assert [x[:2] for x in got] == [x[:2] for x in expected]
    np.testing.assert_allclose([x[2:] for x in got], [x[2:] for x in expected], rtol=1e-12)


@pytest.mark.parametrize("n", [512, 685, 822, 1031, 2047])
def test_keyswitch_pareto_is_concretes_scan(n):
    ns, table = keyswitch_pareto()
    expected = _concrete_scan(
        lambda b, lev: float(keyswitch_variance_one_bit(n, b, lev)),
        lambda lev: float(keyswitch_complexity(1, n, lev) - keyswitch_complexity(0, n, lev)),
    )
    got = _row(table, n - int(ns[0]))
    assert [x[:2] for x in got] == [x[:2] for x in expected]
    np.testing.assert_allclose([x[2:] for x in got], [x[2:] for x in expected], rtol=1e-12)


def test_lists_trade_cost_for_noise_and_skip_insecure_keys():
    ks, ns, pbs = pbs_pareto()
    _, ksw = keyswitch_pareto()
    for table in (pbs, ksw):
        for r in range(len(table.length)):
            size = table.length[r]
            assert np.all(np.diff(table.cost[r, :size]) > 0)
            assert np.all(np.diff(table.noise[r, :size]) <= 0)
    # kN < 450 has no secure noise: no decomposition at all for (1, 256).
    assert pbs.length[(ks == 1) & (ns == 256)].tolist() == [0]
    assert np.all(pbs.length[ks * ns >= 450] > 0)
