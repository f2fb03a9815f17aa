"""The vectorized parameter search behind :func:`crypto.optimizer.optimize` (tfhe-notes §3.5).

Every candidate is a macro parameter (k, N, n) with one entry of the PBS Pareto list of
(k, N) and one of the KS Pareto list of n. For a fixed (k, N, n, PBS entry) the cheapest
keyswitch that fits is the first KS entry whose noise fits the budget left by the other
terms (the lists are sorted by increasing cost and decreasing noise), so the search is a
few array passes over (k, N, n, PBS entry) — about 1.8 million cells, most of them cut by
the modulus-switch noise before any work. The result is Concrete's: the minimum
complexity, ties broken by the lower peak noise, then by Concrete's iteration order
(k, then N, then n, then the decompositions).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from .decomposition import GLWE_DIMENSIONS, LOG2_POLYNOMIAL_SIZES, keyswitch_pareto, pbs_pareto
from .noise import fresh_variance, modulus_switch_variance
from .parameters import KeyShape


@dataclass(frozen=True, slots=True)
class NoiseShape:
    """How noise flows through the circuit, in the four numbers the search needs."""

    norm2_into_pbs: float
    norm2_into_output: float
    chained: bool  # some lookup input is a lookup output: σ²_in = max(σ²_fresh, σ²_BR)
    output_from_pbs: bool  # some output is a lookup output: σ²_out = max(σ²_fresh, σ²_BR)


@dataclass(frozen=True, slots=True)
class Choice(KeyShape):
    """One point of the search space with its noise (modular variances) and cost."""

    pbs_complexity: float
    ks_complexity: float
    pre_pbs_variance: float
    output_variance: float

    @property
    def peak_variance(self) -> float:
        return max(self.pre_pbs_variance, self.output_variance)


@dataclass(frozen=True, slots=True)
class _Grid:
    """Request-independent arrays over (k, N) rows × n columns, built once."""

    k: np.ndarray  # (C,)
    n_poly: np.ndarray  # (C,)
    big_dim: np.ndarray  # (C,) kN
    fresh: np.ndarray  # (C,) σ²_glwe(kN), inf when kN < 450
    n: np.ndarray  # (L,)
    ms: np.ndarray  # (C, L) σ²_MS(n, N)
    ks_min_noise: np.ndarray  # (L,) lowest per-bit KS noise of each n's list
    ks_noise_padded: np.ndarray  # (L, K) per-bit KS noise, 0 in padding (never "too noisy")


@cache
def search_grid() -> _Grid:
    """The request-independent arrays every search starts from (built once)."""
    k, n_poly, _ = pbs_pareto()
    n, ks = keyswitch_pareto()
    big_dim = k * n_poly
    ks_min = ks.noise[np.arange(len(n)), ks.length - 1]
    grid = _Grid(
        k=k,
        n_poly=n_poly,
        big_dim=big_dim,
        fresh=fresh_variance(big_dim),
        n=n,
        ms=modulus_switch_variance(n[None, :], n_poly[:, None]),
        ks_min_noise=ks_min,
        ks_noise_padded=np.where(np.isfinite(ks.noise), ks.noise, 0.0),
    )
    for array in (grid.fresh, grid.ms, grid.ks_min_noise, grid.ks_noise_padded):
        array.setflags(write=False)
    return grid


def _noise_in_out(
    shape: NoiseShape, fresh: np.ndarray, br: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(w²·σ²_in, w_out²·σ²_out) for blind-rotation variances ``br`` (fresh broadcasts)."""
    in_var = np.maximum(fresh, br) if shape.chained else np.broadcast_to(fresh, br.shape)
    out_var = np.maximum(fresh, br) if shape.output_from_pbs else np.broadcast_to(fresh, br.shape)
    return shape.norm2_into_pbs**2 * in_var, shape.norm2_into_output**2 * out_var


def search_pbs(
    shape: NoiseShape, max_variance: float, pbs_count: int, leveled_op_count: int
) -> Choice | None:
    """The cheapest KS-PBS parameter set whose every noise is ≤ ``max_variance``, or None.

    Cost = pbs_count·(KS + PBS) + leveled_op_count·kN (Concrete's solo-key objective).
    """
    grid = search_grid()
    _, _, pbs = pbs_pareto()
    _, ks = keyswitch_pareto()
    w2 = shape.norm2_into_pbs**2
    # Cut (k, N, n) on the noise every decomposition pays: fresh input and modulus switch.
    base = w2 * grid.fresh[:, None] + grid.ms
    keep = base <= max_variance
    keep &= (pbs.length > 0)[:, None]
    if not shape.output_from_pbs:
        keep &= (shape.norm2_into_output**2 * grid.fresh <= max_variance)[:, None]
    ci, li = np.nonzero(keep)  # row-major: Concrete's k, N, n order
    if ci.size == 0:
        return None
    n = grid.n[li].astype(np.float64)
    big_dim = grid.big_dim[ci].astype(np.float64)
    br = n[:, None] * pbs.noise[ci]  # (M, P), inf in padding
    pre_no_ks, out_var = _noise_in_out(shape, grid.fresh[ci][:, None], br)
    pre_no_ks = pre_no_ks + grid.ms[ci, li][:, None]
    budget = max_variance - pre_no_ks  # what is left for the keyswitch
    ok = (out_var <= max_variance) & np.isfinite(br)
    ok &= budget >= big_dim[:, None] * grid.ks_min_noise[li][:, None]
    # From here on, one 1-D array per feasible (k, N, n, PBS entry), in Concrete's order.
    m, j = np.nonzero(ok)
    if m.size == 0:
        return None
    c, lw, n, big_dim = ci[m], li[m], n[m], big_dim[m]
    pre_no_ks, out_var, budget = pre_no_ks[m, j], out_var[m, j], budget[m, j]
    pbs_cost = n * pbs.cost[c, j]
    fixed = pbs_count * pbs_cost + leveled_op_count * big_dim

    def ks_cost_at(index: np.ndarray) -> np.ndarray:
        return ks.cost[lw, index] * big_dim - n

    # Branch and bound: the lowest-noise keyswitch always fits, so its total bounds the
    # optimum; drop entries that cost more even with the cheapest keyswitch.
    upper = (fixed + pbs_count * ks_cost_at(ks.length[lw] - 1)).min()
    near = fixed + pbs_count * ks_cost_at(np.zeros_like(lw)) <= upper
    c, lw, n, big_dim, j = c[near], lw[near], n[near], big_dim[near], j[near]
    pre_no_ks, out_var, budget = pre_no_ks[near], out_var[near], budget[near]
    pbs_cost, fixed = pbs_cost[near], fixed[near]
    # First (cheapest) KS entry that fits: the KS noise decreases along each list.
    ks_index = np.zeros(lw.shape, dtype=np.int64)
    for i in range(ks.noise.shape[1]):
        ks_index += big_dim * grid.ks_noise_padded[lw, i] > budget
    ks_cost = ks_cost_at(ks_index)
    total = fixed + pbs_count * ks_cost
    pre = pre_no_ks + big_dim * ks.noise[lw, ks_index]
    peak = np.maximum(pre, out_var)
    tied = total == total.min()
    e = int(np.flatnonzero(tied & (peak == peak[tied].min()))[0])
    i = int(ks_index[e])
    return Choice(
        lwe_dimension=int(grid.n[lw[e]]),
        glwe_dimension=int(grid.k[c[e]]),
        polynomial_size=int(grid.n_poly[c[e]]),
        decomposition_base_log=int(pbs.base_log[c[e], j[e]]),
        decomposition_level_count=int(pbs.level[c[e], j[e]]),
        ks_decomposition_base_log=int(ks.base_log[lw[e], i]),
        ks_decomposition_level_count=int(ks.level[lw[e], i]),
        pbs_complexity=float(pbs_cost[e]),
        ks_complexity=float(ks_cost[e]),
        pre_pbs_variance=float(pre[e]),
        output_variance=float(out_var[e]),
    )


def min_peak_variance_pbs(shape: NoiseShape) -> float:
    """The lowest peak variance any KS-PBS set of the search space reaches, cost ignored.

    Feasibility at precision p is exactly ``min_peak ≤ max_variance(p)``, so this gives
    the highest reachable precision in one pass (for error messages).
    """
    grid = search_grid()
    _, _, pbs = pbs_pareto()
    br = grid.n[None, :, None] * pbs.noise[:, None, :]  # (C, L, P)
    pre, out = _noise_in_out(shape, grid.fresh[:, None, None], br)
    pre = pre + (grid.ms + grid.big_dim[:, None] * grid.ks_min_noise[None, :])[:, :, None]
    peak = np.where(np.isfinite(br), np.maximum(pre, out), np.inf)
    return float(peak.min())


@cache
def big_key_candidates() -> tuple[tuple[int, int], ...]:
    """All (k, N) of the search space, by increasing kN then k: the no-PBS search order."""
    pairs = [(k, 2**log_n) for k in GLWE_DIMENSIONS for log_n in LOG2_POLYNOMIAL_SIZES]
    return tuple(sorted(pairs, key=lambda kn: (kn[0] * kn[1], kn[0])))


def search_leveled(norm2_into_output: float, max_variance: float) -> tuple[int, int] | None:
    """The smallest big key (k, N) whose fresh noise, times the output 2-norm², fits."""
    for k, n_poly in big_key_candidates():
        if norm2_into_output**2 * float(fresh_variance(k * n_poly)) <= max_variance:
            return k, n_poly
    return None


def min_variance_leveled(norm2_into_output: float) -> float:
    """The lowest output variance of a no-PBS circuit: the curve's floor σ_mod = 4."""
    k, n_poly = big_key_candidates()[-1]
    return norm2_into_output**2 * float(fresh_variance(k * n_poly))
