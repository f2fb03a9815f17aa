"""Clipping an approximate rounding that overflows its input's width (Concrete's logical
clipping).

Rounding a ``w``-bit value to a multiple of ``2**k`` carries its top values up to ``2**w``
(``2**(w-1)`` when signed): one bit more than the input. When lookups read an approximate
rounding, Concrete clips that overflow by default: the top values read the largest multiple
that fits in ``w`` bits, so ``round_bit_pattern(63, 3) // 8`` is 7 (``ApproximateRoundingConfig``:
``logical_clipping``, or ``approximate_clipping_start_precision`` for roundings to at least
that many bits — Concrete does the latter with an extra lookup; here both clip in the table).

The rounding node gets ``clip_to``: its clear rule applies it, so the clear run, ``simulate``
and the lookups' tables all read the clipped value; the encrypted read of an overflowing
value lands one index past the clip, which the read's slip window maps back to it
(:func:`lowered.tables.window_indices`). Roundings that an output or a linear op reads are
not clipped (Concrete clips in the lookup's table only).
"""
from __future__ import annotations

from ..core.bounds import Bounds
from ..core.dtypes import Integer
from ..core.strategies import ApproximateRoundingConfig
from ..ir.graph import Graph
from ..ir.ops import CLIP_TO, CLIPS_OVERFLOW_FROM
from ..ir.rewrite import GraphCopier
from ..lowered.fhe_plan import folded_roundings


def clipping_precision(config: ApproximateRoundingConfig | None) -> int | None:
    """The least rounded precision whose overflow ``config`` clips: 0 (always) with logical
    clipping, Concrete's default; ``approximate_clipping_start_precision`` without it; None
    (never) when both are off."""
    config = config or ApproximateRoundingConfig()
    if config.logical_clipping:
        return 0
    start = config.approximate_clipping_start_precision
    return None if start is False or start is None else int(start)


def _clip(node, bounds: dict[int, Bounds]) -> int | None:
    """The value a folded approximate rounding that overflows is clipped to, or None."""
    clipping_from = node.attrs.get(CLIPS_OVERFLOW_FROM)
    lsbs = node.attrs["lsbs_to_remove"]
    operand = bounds.get(node.operands[0])
    rounded = bounds.get(node.id)
    if clipping_from is None or operand is None or rounded is None:
        return None
    width = Integer.that_can_represent(int(operand.min), int(operand.max))
    top = (1 << (width.bit_width - (1 if width.is_signed else 0))) - (1 << lsbs)
    if rounded.max <= top or width.bit_width - lsbs < clipping_from:
        return None
    return top


def clip_overflowing_roundings(graph: Graph, bounds: dict[int, Bounds]
                               ) -> tuple[Graph, dict[int, int]] | None:
    """A copy of ``graph`` whose overflowing approximate roundings carry ``clip_to``, or
    None when no rounding overflows (the bounds then stand)."""
    clips = {node_id: top for node_id in folded_roundings(graph)
             if (top := _clip(graph[node_id], bounds)) is not None}
    if not clips:
        return None
    copier = GraphCopier(graph)
    for node in graph.nodes:
        if node.id in clips:
            copier.copy(node, attrs=dict(node.attrs, **{CLIP_TO: clips[node.id]}))
        else:
            copier.copy(node)
    return copier.finish(), dict(copier.mapping)
