"""Which table lookups run as WoP-PBS, and the tables they read.

A lookup wider than a native bootstrap can hold (9–16 bits) runs as a WoP-PBS (Bergerat et
al., ePrint 2022/704): bit extraction, circuit bootstrapping, vertical packing. The optimizer
chooses the method per lookup; a program with WoP lookups has one parameter set
(:class:`crypto.wop_parameters.WopParameters`, whose KS-PBS part serves its native lookups),
as in Concrete. This module is the record of that choice (:class:`WopAssignment`) and the
numpy side of a WoP lookup: the index it reads and the tables, one per distinct row.

The index is the one the native path reads (:mod:`.tables`): the operand plus the lookup's
offset (signed inputs index from 0). Bit extraction reads the ciphertext at its partition
precision p_in (Δ = 2**(63 − p_in)) and cannot drop low bits, so a lookup with a folded
rounding (``lsbs_removed`` > 0) extracts all p_in bits and reads an *expanded* table whose
entry x is what the native bootstrap gives for the unrounded index x (rounded to nearest,
the padding-bit wrap included): same results, p_in input bits.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..crypto.wop_parameters import LookupMethod, WopParameters
from .fhe_plan import TableLookupPlan
from .tables import apply_tables

#: widest lookup input a WoP-PBS reads (Concrete's limit too)
MAX_WOP_BIT_WIDTH = 16

NATIVE, WOP = LookupMethod.NATIVE, LookupMethod.WOP


@dataclass(frozen=True)
class WopAssignment:
    """The WoP-PBS parameters of a program and the lookups (node ids) that use them."""

    parameters: WopParameters
    lookups: frozenset[int] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lookups", frozenset(int(i) for i in self.lookups))

    def method(self, node_id: int) -> LookupMethod:
        return WOP if node_id in self.lookups else NATIVE


def method_of(wop: WopAssignment | None, node_id: int) -> LookupMethod:
    """``WOP`` or ``NATIVE`` for a lookup node of a program (``wop`` may be None)."""
    return NATIVE if wop is None else wop.method(node_id)


def wop_input_bit_width(lookup: TableLookupPlan) -> int:
    """Bits the WoP-PBS extracts: the effective precision, or all p_in bits under a folded
    rounding (see the module docstring)."""
    return lookup.input_precision if lookup.lsbs_removed else lookup.effective_precision


def wop_tables(tables: np.ndarray, lookup: TableLookupPlan) -> tuple[np.ndarray, np.ndarray]:
    """The distinct tables a WoP lookup reads and which one each element reads.

    ``tables``: the lookup's tables ``(*shape, 2**p_eff)`` (:mod:`.tables`). Returns
    ``(rows, row_of_element)``: ``rows`` int64 ``(m, 2**q)`` over the WoP index
    (q = :func:`wop_input_bit_width`), values wrapped to the output precision as the
    native path writes them; ``row_of_element`` ``(elements,)`` indexes ``rows`` in the
    elements' C order. One WoP-PBS call serves all elements of a row.
    """
    size = 1 << lookup.effective_precision
    flat = np.asarray(tables, dtype=np.int64).reshape(-1, size)
    rows, inverse = np.unique(flat, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    if lookup.lsbs_removed:
        x = np.arange(1 << lookup.input_precision, dtype=np.int64)
        index = (x + (1 << (lookup.lsbs_removed - 1))) >> lookup.lsbs_removed
        index = np.mod(index, 1 << (lookup.effective_precision + 1))
        rows = np.stack([apply_tables(row, index, lookup) for row in rows])
    return np.ascontiguousarray(rows), inverse
