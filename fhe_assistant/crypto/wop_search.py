"""The vectorized search for the cheapest WoP-PBS parameter set (behind :func:`optimize_wop`).

Search space, as Concrete's ``wop_atomic_pattern``: every (k, N) of the CPU space with
kN ≤ 2**13 (Concrete's cut), n ∈ [512, 1280], the bootstrap and keyswitch Pareto lists of
:mod:`crypto.decomposition`, a packing-keyswitch Pareto list per (k, N) (best base per
level, as Concrete's ``pp_switch.rs``, for the identity packing keyswitch + scheme switch
of :mod:`crypto.wop_noise`) and every circuit-bootstrap gadget (b, l) with l ≤ 2 (see
``_CB_MAX_LEVEL``) and b·l ≤ 64.

The constraints (:mod:`crypto.wop_model`, modular variances, S = w²·σ²_source, the
budget p_error split over the q bit and D digit bootstraps of the widest lookup):

* every bit's bootstraps: (S + i·σ²_BR)·4**(p − i) + σ²_KS + σ²_MS ≤ V_bit (bound 2**62);
* every digit's bootstrap: q·σ²_ep + σ²_KS + σ²_MS ≤ V_digit (bound 2**(62 − w)), with
  σ²_ep = bias + slope·(σ²_pk + α·σ²_BR) one vertical-packing CMux;
* the output, D·σ²_BR, within its readers' bounds: a decryption at p bits, and the next
  lookup's input when lookups read lookups (S = w²·max(σ²_fresh, D·σ²_BR)).

The digit constraint couples the two halves of a set through σ²_BR and the keyswitch; a
few splits of V_digit between them decouple it. For each split and (k, N) the search
prices every (n, bootstrap gadget) with its cheapest fitting keyswitch, keeps for each
circuit-bootstrap level the cheapest price at or below each σ²_BR (a staircase), and reads
that staircase at the largest σ²_BR each (packing, circuit-bootstrap) gadget pair allows.
The objective is predicted seconds (:mod:`crypto.wop_cost`), comparable with a native
set's prediction.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np

from .cost import cmux_complexity, fft_complexity
from .decomposition import keyswitch_pareto, pbs_pareto
from .noise import external_product_variance_terms, max_variance_for_p_error
from .search import search_grid
from .wop_cost import packing_keyswitch_complexity
from .wop_noise import (
    ggsw_bootstrap_weight,
    many_output_modulus_switch_variance,
    mean_ggsw_variance,
)
from .wop_parameters import (
    OUTPUT_DIGIT_BITS,
    SCHEME_SWITCH_GADGET,
    bit_bootstrap_slots,
    output_digit_count,
)

MAX_WOP_BIT_WIDTH = 16  # Concrete's limit too
_MAX_BIG_DIMENSION = 1 << 13
#: Circuit-bootstrap levels searched. The vertical-packing model matches measurements at
#: l_cb ≤ 2 (tests/backend/tfhe: 2**55.3 measured vs 2**55.1 modelled at q = 16), but the
#: kernels measured up to 2 bits more σ than modelled at l_cb = 4 (wopk, 2026-12-06: the
#: rows of one bit's levels come from one many-output bootstrap and share errors), so deeper
#: gadgets stay out of the search until that is modelled; at 9–16 bits l_cb = 2 costs the
#: same as the deeper optimum (0.294 s vs 0.297 s predicted at 12 bits).
_CB_MAX_LEVEL = 2
_PP_MAX_LEVEL = 20
#: n above this never pays: every bootstrap costs ∝ n and the bit bootstraps' noise bound
#: (2**62) is loose enough for n ≈ 550 (Concrete's CRT blocks need n ≈ 700).
_MAX_LWE_DIMENSION = 1280
#: shares of the digit bound V_digit left to the vertical packing (the rest: KS + MS)
_DIGIT_SPLITS = (0.3, 0.6, 0.85, 0.97)


@dataclass(frozen=True, slots=True)
class WopRequest:
    """Everything the search depends on (hashable: results are cached)."""

    message_bit_width: int
    lookup_widths: tuple[tuple[int, int], ...]  # (q, count)
    norm2_sq_into_lookup: float  # w² on the lookup input
    chained: bool
    norm2_sq_into_output: float
    outputs_from_lookup: bool
    p_error: float  # per lookup and per output
    leveled_op_count: int
    pbs_rate: float
    ks_rate: float
    leveled_rate: float
    max_key_bytes: float = float("inf")  # bootstrap + keyswitch + packing keyswitch keys
    fused_bit_bootstraps: bool = False  # crypto.wop_parameters.FUSED_BIT_BOOTSTRAPS

    @property
    def widest(self) -> int:
        return max(q for q, _ in self.lookup_widths)

    @property
    def digits(self) -> int:
        """D, the output digits of every lookup (outputs are p-bit values)."""
        return output_digit_count(self.message_bit_width)


@dataclass(frozen=True, slots=True)
class WopChoice:
    """The winning point: its gadgets, predicted seconds and source cap."""

    lwe_dimension: int
    glwe_dimension: int
    polynomial_size: int
    br_base_log: int
    br_level: int
    ks_base_log: int
    ks_level: int
    pp_base_log: int
    pp_level: int
    cb_base_log: int
    cb_level: int
    seconds: float


@cache
def _rows() -> tuple[int, ...]:
    """Rows of the PBS Pareto table that the WoP search visits (kN ≤ 2**13, secure)."""
    k, n_poly, pbs = pbs_pareto()
    grid = search_grid()
    return tuple(
        int(c) for c in range(len(k))
        if k[c] * n_poly[c] <= _MAX_BIG_DIMENSION and np.isfinite(grid.fresh[c])
        and pbs.length[c] > 0
    )


@cache
def _packing_pareto(k: int, n_poly: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(base_log, level, mean GGSW coefficient variance without the bootstrap's) of the
    non-dominated packing keyswitch gadgets: the best base per level, kept while it helps."""
    bases, levels, noises = [], [], []
    best = np.inf
    for level in range(1, _PP_MAX_LEVEL + 1):
        b = np.arange(1, 64 // level + 1)
        mean = mean_ggsw_variance(0.0, k, n_poly, b, level)
        i = int(np.argmin(mean))
        if mean[i] < best:
            best = float(mean[i])
            bases.append(int(b[i]))
            levels.append(level)
            noises.append(best)
    return np.array(bases), np.array(levels), np.array(noises)


@cache
def _circuit_bootstrap_gadgets(k: int, n_poly: int):
    """(base_log, level, bias, slope) of one vertical-packing CMux for every CB gadget."""
    pairs = [(b, lev) for lev in range(1, _CB_MAX_LEVEL + 1) for b in range(1, 64 // lev + 1)]
    b = np.array([p[0] for p in pairs])
    lev = np.array([p[1] for p in pairs])
    bias = external_product_variance_terms(k, n_poly, b, lev, 0.0).total
    slope = external_product_variance_terms(k, n_poly, b, lev, 1.0).main  # linear in σ²_ggsw
    return b, lev, bias, slope


def _counts(request: WopRequest, n_poly: int) -> tuple[int, int, int, int]:
    """Per-run (keyswitches, bootstraps outside the circuit bootstrap, CMuxes, CB bits)."""
    log_n = n_poly.bit_length() - 1
    d = request.digits
    ks = sum(c * (q + d) for q, c in request.lookup_widths)
    first = 0 if request.fused_bit_bootstraps else 1  # the last bit's extraction bootstrap
    pbs_fixed = sum(c * (q - first + d) for q, c in request.lookup_widths)
    cmux = sum(c * d * ((2 ** (q - log_n) - 1 if q > log_n else 0) + min(q, log_n))
               for q, c in request.lookup_widths)
    return ks, pbs_fixed, cmux, sum(c * q for q, c in request.lookup_widths)


@lru_cache(maxsize=512)
def search_wop(request: WopRequest) -> WopChoice | None:
    """The cheapest WoP set meeting ``request``, or None when no point of the space does."""
    q_max, p, d = request.widest, request.message_bit_width, request.digits
    per_bootstrap = request.p_error / (q_max + d)
    bounds = _Bounds(
        bit=float(max_variance_for_p_error(per_bootstrap, 0)),
        digit=float(max_variance_for_p_error(per_bootstrap, OUTPUT_DIGIT_BITS)),
        output=float(max_variance_for_p_error(request.p_error, p)))
    grid = search_grid()
    best: WopChoice | None = None
    for c, lower_bound in _rows_by_lower_bound(request):
        if best is not None and lower_bound >= best.seconds:
            break  # every later row costs at least this much
        if request.norm2_sq_into_output * float(grid.fresh[c]) > bounds.output:
            continue
        for share in _DIGIT_SPLITS:
            for slots, levels in _slot_groups(request.fused_bit_bootstraps):
                found = _search_row(request, c, bounds, share, slots, levels)
                if found is not None and (best is None or found.seconds < best.seconds):
                    best = found
    return best


@dataclass(frozen=True, slots=True)
class _Bounds:
    bit: float  # one bit bootstrap's input
    digit: float  # one digit bootstrap's input
    output: float  # a decryption at p bits


def _key_groups(request, k, n_poly, n_values, br_levels, ks_levels, ks_index, cells, pp_l):
    """(packing gadgets, usable cells) pairs: all gadgets and cells without a key limit;
    otherwise, per packing gadget, the cells whose bootstrap + keyswitch keys fit what the
    packing keys leave of ``max_key_bytes`` (bytes as :func:`crypto.wop_cost.wop_key_sizes`)."""
    every = np.arange(len(pp_l))
    if not np.isfinite(request.max_key_bytes):
        return [(every, np.ones(cells.shape, dtype=bool))]
    big = k * n_poly
    n = n_values[:, None].astype(np.float64)
    rows = np.arange(len(n_values))[:, None]
    key_bytes = (8.0 * n * br_levels[None, :] * (k + 1) ** 2 * n_poly
                 + 4.0 * big * ks_levels[rows, ks_index] * (n + 1)).ravel()[cells]
    packing = (8.0 * big * pp_l * (k + 1) * n_poly
               + 8.0 * k * (k + 1) ** 2 * SCHEME_SWITCH_GADGET[1] * n_poly)
    return [(every[i:i + 1], key_bytes <= request.max_key_bytes - packing[i])
            for i in range(len(pp_l)) if packing[i] < request.max_key_bytes]


def _rows_by_lower_bound(request: WopRequest) -> list[tuple[int, float]]:
    """Rows with a lower bound on their seconds (cheapest bootstrap gadget, n = 512, one CB
    level, nothing else), cheapest first, so the search can stop early."""
    _, _, pbs = pbs_pareto()
    _, pbs_fixed, _, lookup_bits = _counts(request, 2)
    smallest_n = float(keyswitch_pareto()[0][0])
    bounds = [(c, (pbs_fixed + lookup_bits) * smallest_n * float(pbs.cost[c, 0])
               / request.pbs_rate) for c in _rows()]
    return sorted(bounds, key=lambda row: row[1])


@cache
def _slot_groups(fused: bool) -> tuple[tuple[int, frozenset[int]], ...]:
    """Circuit-bootstrap levels grouped by the outputs L of a bit's bootstrap (one group of
    every level, L = 1, when bit bootstraps are not fused)."""
    groups: dict[int, set[int]] = {}
    for level in range(1, _CB_MAX_LEVEL + 1):
        groups.setdefault(bit_bootstrap_slots(level, fused), set()).add(level)
    return tuple((slots, frozenset(levels)) for slots, levels in sorted(groups.items()))


def _search_row(request: WopRequest, c: int, bounds: _Bounds, share: float, slots: int,
                levels: frozenset[int]):
    """Best point with (k, N) = row ``c`` and a circuit-bootstrap level in ``levels`` (whose
    bit bootstraps have ``slots`` outputs) when the vertical packing gets ``share`` of the
    digit bound and the keyswitch + modulus switch the rest."""
    k_arr, n_poly_arr, pbs = pbs_pareto()
    n_values, ks = keyswitch_pareto()
    grid = search_grid()
    k, n_poly = int(k_arr[c]), int(n_poly_arr[c])
    big = float(k * n_poly)
    p, q_max = request.message_bit_width, request.widest
    length = int(pbs.length[c])
    n_values = n_values[n_values <= _MAX_LWE_DIMENSION]  # a prefix: rows of the KS tables stay
    br = n_values[:, None].astype(np.float64) * pbs.noise[c, :length][None, :]  # (L, P)
    pbs_cost = n_values[:, None].astype(np.float64) * pbs.cost[c, :length][None, :]
    fresh = float(grid.fresh[c])
    output = request.digits * br
    source = np.maximum(fresh, output) if request.chained else np.full_like(br, fresh)
    source = request.norm2_sq_into_lookup * source
    # Keyswitch budget: the worst bit (input noise and subtracted bootstraps), the digits.
    worst = np.zeros_like(br)
    for i in range(q_max):
        np.maximum(worst, (source + i * br) * 4.0 ** (p - i), out=worst)
    ms = grid.ms[c][: len(n_values)][:, None]
    many = many_output_modulus_switch_variance(n_values, n_poly, slots)[:, None]
    budget = np.minimum(bounds.bit - worst - many, (1.0 - share) * bounds.digit) - ms
    feasible = budget >= big * grid.ks_min_noise[: len(n_values)][:, None]
    if request.outputs_from_lookup:
        feasible &= request.norm2_sq_into_output * output <= bounds.output
    if not feasible.any():
        return None
    rows = np.broadcast_to(np.arange(len(n_values))[:, None], br.shape)
    ks_index = np.zeros(br.shape, dtype=np.int64)
    for i in range(ks.noise.shape[1]):
        ks_index += big * grid.ks_noise_padded[rows, i] > budget
    ks_index = np.minimum(ks_index, ks.noise.shape[1] - 1)
    ks_cost = ks.cost[rows, ks_index] * big - n_values[:, None]
    ks_count, pbs_fixed, cmux_count, lookup_bits = _counts(request, n_poly)
    base = (ks_count * ks_cost / request.ks_rate + pbs_fixed * pbs_cost / request.pbs_rate
            + request.leveled_op_count * big / request.leveled_rate)
    cells = np.flatnonzero(feasible.ravel())  # only the fitting (n, bootstrap gadget) cells
    base = base.ravel()[cells]
    cell_pbs = pbs_cost.ravel()[cells]
    order = np.argsort(br.ravel()[cells], kind="stable")
    br_sorted = br.ravel()[cells][order]
    # Circuit-bootstrap and packing gadgets: the largest σ²_BR each pair allows.
    cb_b, cb_l, bias, slope = _circuit_bootstrap_gadgets(k, n_poly)
    pp_b, pp_l, pp_noise = _packing_pareto(k, n_poly)
    alpha = float(ggsw_bootstrap_weight(k, n_poly))
    with np.errstate(divide="ignore", invalid="ignore"):
        limit = ((share * bounds.digit / q_max - bias[:, None] - slope[:, None] * pp_noise[None, :])
                 / (slope[:, None] * alpha))  # (CB, PP)
    position = np.searchsorted(br_sorted, limit, side="right") - 1
    pp_seconds = (lookup_bits * packing_keyswitch_complexity(k, n_poly, pp_l) / request.ks_rate
                  + lookup_bits * k * float(cmux_complexity(k, n_poly, SCHEME_SWITCH_GADGET[1]))
                  / request.pbs_rate)  # per CB level: packing keyswitch + scheme switches
    best_seconds, best_point = np.inf, None
    for pp_group, usable in _key_groups(request, k, n_poly, n_values, pbs.level[c, :length],
                                        ks.level, ks_index, cells, pp_l):
        masked = np.where(usable, base, np.inf)
        for level in sorted(levels):
            per_level = (0.0 if request.fused_bit_bootstraps
                         else lookup_bits * level / request.pbs_rate)
            cost = (masked + per_level * cell_pbs)[order]
            staircase = np.minimum.accumulate(cost)
            vp_seconds = (lookup_bits * (k + 1) ** 2 * level * float(fft_complexity(n_poly))
                          + cmux_count * float(cmux_complexity(k, n_poly, level))
                          ) / request.pbs_rate
            select = cb_l == level
            pos = position[select][:, pp_group]  # (cb of this level, PP of this group)
            total = np.where(pos >= 0, staircase[np.maximum(pos, 0)], np.inf)
            total = total + vp_seconds + level * pp_seconds[None, pp_group]
            flat = int(np.argmin(total))
            if total.flat[flat] < best_seconds:
                i_cb, i_pp = np.unravel_index(flat, total.shape)
                best_seconds = float(total.flat[flat])
                best_point = (cost, int(pos[i_cb, i_pp]), np.flatnonzero(select)[i_cb],
                              int(pp_group[i_pp]))
    if best_point is None:
        return None
    cost, at, i_cb, i_pp = best_point
    index = cells[order[int(np.argmin(cost[: at + 1]))]]
    li, j = np.unravel_index(index, br.shape)
    i_ks = int(ks_index[li, j])
    return WopChoice(
        lwe_dimension=int(n_values[li]), glwe_dimension=k, polynomial_size=n_poly,
        br_base_log=int(pbs.base_log[c, j]), br_level=int(pbs.level[c, j]),
        ks_base_log=int(ks.base_log[li, i_ks]), ks_level=int(ks.level[li, i_ks]),
        pp_base_log=int(pp_b[i_pp]), pp_level=int(pp_l[i_pp]),
        cb_base_log=int(cb_b[i_cb]), cb_level=int(cb_l[i_cb]), seconds=best_seconds)
