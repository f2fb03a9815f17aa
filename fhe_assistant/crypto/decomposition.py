"""Pareto lists of gadget decompositions (b, l) for the PBS and the keyswitch (tfhe-notes §3.5).

For a fixed (k, N) the CMux noise and cost depend only on the bootstrap decomposition,
and for a fixed n the keyswitch noise per input bit and its cost depend only on the KS
decomposition. Concrete therefore precomputes, per (k, N) and per n, the short list of
decompositions that are not dominated: more levels cost more, so a level is kept only
when its best base gives strictly less noise than every cheaper level. The optimizer
then only walks these lists (5–20 entries instead of 64×64).

The scan is Concrete's (``optimization/decomposition/{cmux,keyswitch}.rs``), vectorized
over all rows at once: for level l = 1, 2, …, 64 take the base that minimizes the noise,
scanning from the previous level's best base downwards and stopping at the first
increase; keep the entry if its noise is ≤ the previous kept one; stop a row after 17
dominated levels at base 1. Lists are cached: they depend on nothing the user chooses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np

from .cost import cmux_complexity, keyswitch_complexity
from .noise import cmux_variance, keyswitch_variance_one_bit

MAX_LOG = 64  # b and l both range over [1, 64] (q = 2**64)
GLWE_DIMENSIONS = tuple(range(1, 7))  # k ∈ [1, 6]
LOG2_POLYNOMIAL_SIZES = tuple(range(8, 18))  # N ∈ [2**8, 2**17]
LWE_DIMENSIONS = tuple(range(512, 2048))  # n ∈ [512, 2047]
_NO_PROGRESS_LIMIT = 16


@dataclass(frozen=True, slots=True)
class ParetoTable:
    """Padded Pareto lists, one row per macro parameter; pad entries have inf noise and cost.

    Entries of a row are sorted by increasing cost and decreasing noise. ``noise`` is the
    per-CMux variance (PBS tables) or the per-input-bit keyswitch variance (KS tables);
    ``cost`` is the per-CMux complexity, or the keyswitch complexity's slope in kN
    (the keyswitch costs ``cost·kN − n``, see :func:`keyswitch_cost`).
    """

    base_log: np.ndarray  # int64 (rows, width), 0 in padding
    level: np.ndarray  # int64 (rows, width), 0 in padding
    noise: np.ndarray  # float64 (rows, width)
    cost: np.ndarray  # float64 (rows, width)
    length: np.ndarray  # int64 (rows,)


def _pareto_scan(
    noise_at: Callable[[np.ndarray, int], np.ndarray],
    cost_at: Callable[[int], np.ndarray],
    rows: int,
) -> ParetoTable:
    """Concrete's per-level base scan, for ``rows`` independent lists at once.

    ``noise_at(bases, level)`` returns the noise of shape (rows, len(bases)) and
    ``cost_at(level)`` the cost of shape (rows,) or a scalar.
    """
    bases = np.arange(1, MAX_LOG + 1)
    prev_best = np.full(rows, MAX_LOG)
    kept_noise = np.full(rows, np.inf)
    no_progress = np.zeros(rows, dtype=np.int64)
    active = np.ones(rows, dtype=bool)
    entries: list[tuple[np.ndarray, int, np.ndarray, np.ndarray, np.ndarray]] = []
    row_index = np.arange(rows)
    for level in range(1, MAX_LOG + 1):
        if not active.any():
            break
        with np.errstate(invalid="ignore"):
            noise = noise_at(bases, level)  # (rows, 64), column b-1 holds base b
            # Scanning downwards stops at the first base whose noise exceeds the one above
            # it; the best base is then the largest b ≤ prev_best with noise[b-1] > noise[b].
            rises = np.zeros_like(noise, dtype=bool)
            rises[:, 1:] = noise[:, :-1] > noise[:, 1:]
        rises[:, 0] = True
        candidate = rises & (bases[None, :] <= prev_best[:, None])
        best = MAX_LOG - np.argmax(candidate[:, ::-1], axis=1)  # largest candidate base
        best_noise = noise[row_index, best - 1]
        prev_best = np.where(active, best, prev_best)
        dominated = kept_noise < best_noise
        stall = active & dominated & (best == 1)
        no_progress += stall
        keep = active & ~dominated & np.isfinite(best_noise)  # inf: insecure kN, no entry
        active &= no_progress <= _NO_PROGRESS_LIMIT
        if keep.any():
            cost = np.broadcast_to(np.asarray(cost_at(level), dtype=np.float64), (rows,))
            entries.append((keep, level, best, best_noise, cost))
            kept_noise = np.where(keep, best_noise, kept_noise)
    counts = np.zeros(rows, dtype=np.int64)
    for keep, *_ in entries:
        counts += keep
    width = int(counts.max()) if rows else 0
    table = ParetoTable(
        base_log=np.zeros((rows, width), dtype=np.int64),
        level=np.zeros((rows, width), dtype=np.int64),
        noise=np.full((rows, width), np.inf),
        cost=np.full((rows, width), np.inf),
        length=counts,
    )
    fill = np.zeros(rows, dtype=np.int64)
    for keep, level, best, best_noise, cost in entries:
        r = row_index[keep]
        c = fill[keep]
        table.base_log[r, c] = best[keep]
        table.level[r, c] = level
        table.noise[r, c] = best_noise[keep]
        table.cost[r, c] = cost[keep]
        fill += keep
    return table


@cache
def pbs_pareto() -> tuple[np.ndarray, np.ndarray, ParetoTable]:
    """Pareto lists of bootstrap decompositions for every (k, log2 N) of the CPU search space.

    Returns ``(glwe_dimension, polynomial_size, table)`` with one table row per pair,
    k-major (k = 1 with N = 256…131072, then k = 2, …) — Concrete's iteration order.
    """
    k = np.repeat(np.array(GLWE_DIMENSIONS), len(LOG2_POLYNOMIAL_SIZES))
    n_poly = np.tile(2 ** np.array(LOG2_POLYNOMIAL_SIZES), len(GLWE_DIMENSIONS))

    def noise_at(bases: np.ndarray, level: int) -> np.ndarray:
        return cmux_variance(k[:, None], n_poly[:, None], bases[None, :], level)

    def cost_at(level: int) -> np.ndarray:
        return cmux_complexity(k, n_poly, level)

    table = _pareto_scan(noise_at, cost_at, len(k))
    for array in (k, n_poly, *_arrays(table)):
        array.setflags(write=False)
    return k, n_poly, table


@cache
def keyswitch_pareto() -> tuple[np.ndarray, ParetoTable]:
    """Pareto lists of keyswitch decompositions for every n of the search space.

    Returns ``(lwe_dimension, table)``; ``table.noise`` is per input bit (multiply by kN)
    and ``table.cost`` is the slope l·(2n+3) of the cost in kN.
    """
    n = np.array(LWE_DIMENSIONS)

    def noise_at(bases: np.ndarray, level: int) -> np.ndarray:
        return keyswitch_variance_one_bit(n[:, None], bases[None, :], level)

    def cost_at(level: int) -> np.ndarray:
        return keyswitch_complexity(1, n, level) - keyswitch_complexity(0, n, level)

    table = _pareto_scan(noise_at, cost_at, len(n))
    for array in (n, *_arrays(table)):
        array.setflags(write=False)
    return n, table


def keyswitch_cost(
    slope: np.ndarray, input_dimension: np.ndarray, lwe_dimension: np.ndarray
) -> np.ndarray:
    """Keyswitch complexity from a KS table slope: slope·kN − n (exact, it is linear in kN)."""
    return slope * input_dimension - lwe_dimension


def _arrays(table: ParetoTable) -> tuple[np.ndarray, ...]:
    return (table.base_log, table.level, table.noise, table.cost, table.length)
