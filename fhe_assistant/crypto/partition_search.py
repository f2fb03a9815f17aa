"""One step of the multi-parameter search: the cheapest parameters of one partition, others fixed.

The multi-parameter optimizer (:mod:`crypto.multi_optimizer`) is a coordinate descent, as
Concrete's: it re-optimizes one partition at a time with the other partitions' parameters
held, until no partition can lower the total cost. This module is that inner step. For
partition P it prices every macro parameter (k, N, n) and PBS decomposition of the search
space (vectorized, as :mod:`crypto.search`), and for each keyswitch that touches P — P's
own (big P → small P), those into P (big Q → small P) and those out of P (big P → small
Q) — the cheapest decomposition of its Pareto list that fits the noise budget left on it.

Constraints that touch P (modular variances, ``f``/``b`` the fresh / lookup squared norms):

* own lookup (source P, target P): f·σ²_fresh(P) + b·σ²_BR(P) + σ²_KS(P→P) + σ²_MS(P)
* lookup into P (source Q): f·σ²_fresh(Q) + b·σ²_BR(Q) + σ²_KS(Q→P) + σ²_MS(P)
* lookup out of P (target Q): f·σ²_fresh(P) + b·σ²_BR(P) + σ²_KS(P→Q) + σ²_MS(Q)
* output of P: f·σ²_fresh(P) + b·σ²_BR(P)

each at most the bound of its precision.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .decomposition import keyswitch_pareto, pbs_pareto
from .noise import fresh_variance, modulus_switch_variance
from .search import search_grid


@dataclass(frozen=True, slots=True)
class PartitionChoice:
    """A partition's macro parameters and bootstrap decomposition, with their noise and cost."""

    lwe_dimension: int
    glwe_dimension: int
    polynomial_size: int
    decomposition_base_log: int
    decomposition_level_count: int
    pbs_complexity: float  # one bootstrap
    blind_rotation_variance: float  # σ²_BR: every lookup output of this partition

    @property
    def big_lwe_dimension(self) -> int:
        return self.glwe_dimension * self.polynomial_size

    @property
    def fresh_variance(self) -> float:
        return float(fresh_variance(self.big_lwe_dimension))

    @property
    def modulus_switch_variance(self) -> float:
        return float(modulus_switch_variance(self.lwe_dimension, self.polynomial_size))


@dataclass(frozen=True, slots=True)
class KeyswitchChoice:
    """A keyswitch decomposition from one partition's big key to another's small key."""

    base_log: int
    level: int
    complexity: float  # one keyswitch
    variance: float  # σ²_KS


@dataclass(frozen=True, slots=True)
class Bound:
    """One constraint with its bound: ``fresh·σ²_fresh + pbs·σ²_BR (+ KS + MS) ≤ max_variance``."""

    source: int
    target: int | None
    fresh_norm2: float
    pbs_norm2: float
    max_variance: float
    count: int


@dataclass(frozen=True, slots=True)
class StepResult:
    """The best choice for one partition and the keyswitches that touch it."""

    partition: PartitionChoice
    keyswitches: dict[tuple[int, int], KeyswitchChoice]
    cost: float  # everything this partition's choice decides (PBS, its KS edges, leveled)


def optimize_partition(
    index: int,
    bounds: tuple[Bound, ...],
    others: dict[int, PartitionChoice],
    pbs_count: int,
    leveled_op_count: int,
    ks_counts: dict[tuple[int, int], int],
) -> StepResult | None:
    """The cheapest parameters of partition ``index`` given the ``others`` (or None).

    ``bounds`` may hold constraints that do not touch ``index``; they are ignored.
    ``ks_counts`` gives the number of keyswitches per (source, target) edge.
    """
    g = search_grid()
    _, _, pbs = pbs_pareto()
    _, ks = keyswitch_pareto()
    rows = _Rows(g, index, bounds, others)
    keep = (pbs.length > 0)[:, None] & np.ones(g.n.shape, dtype=bool)[None, :]
    for cut in rows.precut():
        keep &= cut
    ci, li = np.nonzero(keep)
    if ci.size == 0:
        return None
    n = g.n[li].astype(np.float64)
    big_dim = g.big_dim[ci].astype(np.float64)
    br = n[:, None] * pbs.noise[ci]  # (M, P), inf in padding
    fresh = g.fresh[ci][:, None]
    ms = g.ms[ci, li][:, None]
    budgets = rows.budgets(fresh, br, ms)  # edge -> (M, P) budget left for its keyswitch
    ok = np.isfinite(br) & rows.outputs_fit(fresh, br)
    for edge, budget in budgets.items():
        ok &= budget >= rows.input_dim(edge, big_dim)[:, None] * rows.min_noise(edge, li)[:, None]
    m, j = np.nonzero(ok)
    if m.size == 0:
        return None
    c, lw, n, big_dim = ci[m], li[m], n[m], big_dim[m]
    pbs_cost = n * pbs.cost[c, j]
    total = pbs_count * pbs_cost + leveled_op_count * big_dim
    chosen: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for edge, budget in budgets.items():
        table_rows = rows.table_rows(edge, lw)
        dim = rows.input_dim(edge, big_dim)
        index_ks = np.zeros(m.shape, dtype=np.int64)
        for i in range(ks.noise.shape[1]):
            index_ks += dim * g.ks_noise_padded[table_rows, i] > budget[m, j]
        cost = ks.cost[table_rows, index_ks] * dim - rows.output_dim(edge, n)
        total = total + ks_counts.get(edge, 0) * cost
        chosen[edge] = (table_rows, index_ks, cost)
    e = int(np.argmin(total))
    choice = PartitionChoice(
        lwe_dimension=int(g.n[lw[e]]),
        glwe_dimension=int(g.k[c[e]]),
        polynomial_size=int(g.n_poly[c[e]]),
        decomposition_base_log=int(pbs.base_log[c[e], j[e]]),
        decomposition_level_count=int(pbs.level[c[e], j[e]]),
        pbs_complexity=float(pbs_cost[e]),
        blind_rotation_variance=float(br[m[e], j[e]]),
    )
    keyswitches = {}
    for edge, (table_rows, index_ks, cost) in chosen.items():
        r, i = int(table_rows[e]), int(index_ks[e])
        keyswitches[edge] = KeyswitchChoice(
            base_log=int(ks.base_log[r, i]),
            level=int(ks.level[r, i]),
            complexity=float(cost[e]),
            variance=float(rows.input_dim(edge, big_dim)[e] * ks.noise[r, i]),
        )
    return StepResult(choice, keyswitches, float(total[e]))


class _Rows:
    """The constraints touching one partition, grouped by keyswitch edge, as array formulas."""

    def __init__(self, g, index: int, bounds: tuple[Bound, ...], others: dict):
        self.g, self.index, self.others = g, index, others
        self.lookups: dict[tuple[int, int], list[Bound]] = {}
        self.outputs: list[Bound] = []
        for b in bounds:
            if b.target is None:
                if b.source == index:
                    self.outputs.append(b)
            elif index in (b.source, b.target):
                self.lookups.setdefault((b.source, b.target), []).append(b)
        n_values = g.n
        self._row_of_n = {int(v): i for i, v in enumerate(n_values)}

    # -- where the varying partition sits on an edge ---------------------------------------
    def _source_is_me(self, edge) -> bool:
        return edge[0] == self.index

    def _target_is_me(self, edge) -> bool:
        return edge[1] == self.index

    def input_dim(self, edge, big_dim: np.ndarray) -> np.ndarray:
        if self._source_is_me(edge):
            return big_dim
        return np.full(big_dim.shape, float(self.others[edge[0]].big_lwe_dimension))

    def output_dim(self, edge, n: np.ndarray) -> np.ndarray:
        if self._target_is_me(edge):
            return n
        return np.full(n.shape, float(self.others[edge[1]].lwe_dimension))

    def table_rows(self, edge, lw: np.ndarray) -> np.ndarray:
        if self._target_is_me(edge):
            return lw
        return np.full(lw.shape, self._row_of_n[self.others[edge[1]].lwe_dimension])

    def min_noise(self, edge, li: np.ndarray) -> np.ndarray:
        return self.g.ks_min_noise[self.table_rows(edge, li)]

    # -- noise -------------------------------------------------------------------------------
    def _source_noise(self, b: Bound, fresh, br):
        """f·σ²_fresh + b·σ²_BR of the value read (array if the source is this partition)."""
        if b.source == self.index:
            return _weighted(b.fresh_norm2, fresh) + _weighted(b.pbs_norm2, br)
        other = self.others[b.source]
        return (_weighted(b.fresh_norm2, other.fresh_variance)
                + _weighted(b.pbs_norm2, other.blind_rotation_variance))

    def precut(self):
        """(C, L) masks: what every decomposition pays already exceeds some bound."""
        g = self.g
        fresh = g.fresh[:, None]
        for edge, group in self.lookups.items():
            for b in group:
                noise = self._source_noise(b, fresh, 0.0)
                if self._target_is_me(edge):
                    dim = g.big_dim[:, None] if self._source_is_me(edge) else float(
                        self.others[edge[0]].big_lwe_dimension)
                    noise = noise + g.ms + dim * g.ks_min_noise[None, :]
                else:
                    target = self.others[edge[1]]
                    noise = noise + target.modulus_switch_variance + g.big_dim[:, None] * float(
                        g.ks_min_noise[self._row_of_n[target.lwe_dimension]])
                yield np.broadcast_to(noise <= b.max_variance, g.ms.shape)
        for b in self.outputs:
            yield np.broadcast_to(_weighted(b.fresh_norm2, fresh) <= b.max_variance, g.ms.shape)

    def budgets(self, fresh, br, ms) -> dict[tuple[int, int], np.ndarray]:
        """Per edge, the variance left for its keyswitch: min over its constraints."""
        out = {}
        for edge, group in self.lookups.items():
            if self._target_is_me(edge):
                ms_edge = ms
            else:
                ms_edge = self.others[edge[1]].modulus_switch_variance
            budget = None
            for b in group:
                left = b.max_variance - self._source_noise(b, fresh, br) - ms_edge
                left = np.broadcast_to(left, br.shape)
                budget = left if budget is None else np.minimum(budget, left)
            out[edge] = budget
        return out

    def outputs_fit(self, fresh, br) -> np.ndarray:
        ok = np.ones(br.shape, dtype=bool)
        for b in self.outputs:
            ok &= self._source_noise(b, fresh, br) <= b.max_variance
        return ok


def _weighted(norm2: float, variance):
    """norm2·variance, where a zero norm carries no noise even from an insecure (inf) key."""
    return norm2 * variance if norm2 else 0.0
