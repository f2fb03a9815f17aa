"""Tabulating a table-lookup node over its input's encoding domain.

The table has one row per PBS input message ``k in [0, 2**p_eff)``; message ``k`` stands for
the value ``k * 2**lsbs_removed - offset`` (for a bit read of bit ``i``: ``k * 2**i``, the
only values its input can hold below bit ``i + 1``). Rows are evaluated with the node's own clear
rule, so a lookup computes exactly what the virtual library computes.
"""
from __future__ import annotations

import numpy as np

from ..interpret.rules import RULES
from ..ir.graph import Graph
from ..ir.ops import OpKind
from .fhe_plan import TableLookupPlan


def wrap_to_precision(values: np.ndarray, precision: int, signed: bool) -> np.ndarray:
    """What a ciphertext of ``precision`` bits (plus padding) holds: values mod 2**(p+1)."""
    modulus = 1 << (precision + 1)
    wrapped = np.mod(values, modulus)
    if signed:
        wrapped = np.where(wrapped >= modulus >> 1, wrapped - modulus, wrapped)
    return wrapped


def is_static(graph: Graph, lookup: TableLookupPlan) -> bool:
    """The table depends on nothing but the encrypted operand (other operands constant)."""
    node = graph[lookup.node_id]
    return all(o == lookup.operand_id or graph[o].op is OpKind.CONSTANT for o in node.operands)


def window_indices(lookup: TableLookupPlan) -> tuple[np.ndarray, np.ndarray]:
    """(index each table row stands for, its sign): row ``k`` stands for index ``k`` unless
    the lookup has a slip window.

    An approximate read of exact indices [low, high] lands one step past either end now and
    then (:mod:`.fhe_plan`). The bootstrap is negacyclic: index ``i`` reads row ``i mod 2**p``,
    negated when ``i // 2**p`` is odd, so ``low − 1`` (possibly −1) and ``high + 1`` (possibly
    ``2**p``) get rows of their own as long as the window [low − 1, high + 1] is at most
    ``2**p`` long (the plan gives the read one more bit where it is not); those rows hold
    the entry of the end they slipped past (Concrete's logical clipping), so a slip is one
    step off at most and its result stays in the measured range.
    """
    count = 1 << lookup.effective_precision
    indices = np.arange(count, dtype=np.int64)
    signs = np.ones(count, dtype=np.int64)
    if lookup.slip_low is None:
        return indices, signs
    low, high = lookup.slip_low, lookup.slip_high
    start = low - 1 if low - 1 < 0 else max(0, min(high + 2 - count, low - 1))
    window = start + np.mod(indices - start, count)        # the index row k stands for
    signs = np.where(np.floor_divide(window, count) % 2 == 1, -1, 1)
    entries = np.where(window == low - 1, low, np.where(window == high + 1, high, window))
    return entries, signs


def domain_values(lookup: TableLookupPlan) -> tuple[np.ndarray, np.ndarray]:
    """(the operand value each table row is computed at, the sign it is stored with; see
    :func:`window_indices`)."""
    if lookup.reads_bit is not None:
        count = 1 << lookup.effective_precision
        return np.arange(count, dtype=np.int64) << lookup.reads_bit, np.ones(count, np.int64)
    indices, signs = window_indices(lookup)
    return indices * (1 << lookup.lsbs_removed) - lookup.offset, signs


def tabulate(graph: Graph, lookup: TableLookupPlan, operands: list[np.ndarray],
             operand_bounds=None) -> np.ndarray:
    """Tables of shape ``(*output_shape, 2**p_eff)``: one table per output element.

    ``operands`` are the node's operand values as batches of one; the encrypted one is
    replaced by the domain. Where the function fails outside the measured range (a
    LookupTable shorter than the domain, log of 0 …) the domain is clipped to that range.
    """
    node = graph[lookup.node_id]
    domain, signs = domain_values(lookup)
    operand = graph[lookup.operand_id]
    if operand.op is OpKind.ROUND_BIT_PATTERN:  # a folded rounding: its rule (an overflow
        domain = RULES[operand.op](operand, [domain])  # clip) maps the rows' rounded values
    position = node.operands.index(lookup.operand_id)
    operand_shape = graph[lookup.operand_id].spec.shape

    def evaluate(values: np.ndarray) -> np.ndarray:
        args = list(operands)
        args[position] = np.broadcast_to(
            values.reshape((-1,) + (1,) * len(operand_shape)), (len(values),) + operand_shape)
        with np.errstate(all="ignore"):
            result = RULES[node.op](node, args)
        return np.broadcast_to(result, (len(values),) + node.spec.shape)

    try:
        table = evaluate(domain)
    except Exception:
        if operand_bounds is None:
            raise
        table = evaluate(np.clip(domain, int(operand_bounds.min), int(operand_bounds.max)))
    table = np.asarray(table)
    if table.dtype.kind == "f":
        table = np.nan_to_num(table).astype(np.int64)
    signs = signs.reshape((-1,) + (1,) * (table.ndim - 1))
    table = wrap_to_precision(table.astype(np.int64) * signs, lookup.output_precision,
                              lookup.output_signed)
    return np.moveaxis(table, 0, -1)


def lookup_index(values: np.ndarray, lookup: TableLookupPlan) -> np.ndarray:
    """The PBS input message for operand values (mod 2**(p_eff+1): padding bit included;
    a bit read sees its bit alone: the bits above it wrap away; a rounding that is a lookup
    itself rounds its unrounded operand to the nearest step, as the bootstrap's boxes do)."""
    if lookup.reads_bit is not None:
        return np.bitwise_and(np.right_shift(values, lookup.reads_bit), 1)
    half = (1 << (lookup.lsbs_removed - 1)) if lookup.rounds_its_operand else 0
    shifted = (values + lookup.offset + half) >> lookup.lsbs_removed
    return np.mod(shifted, 1 << (lookup.effective_precision + 1))


def apply_tables(tables: np.ndarray, index: np.ndarray, lookup: TableLookupPlan) -> np.ndarray:
    """Read ``tables`` (``(*shape, 2**p_eff)``) at a batch of indices (``(batch, *shape)``).

    Indices with the padding bit set read ``-table[index - 2**p_eff]``: the negacyclic wrap
    of the bootstrap, so simulation reproduces encrypted runs even past the inputset range.
    """
    size = 1 << lookup.effective_precision
    overflow = index >= size
    reduced = np.where(overflow, index - size, index)
    flat_tables = tables.reshape(-1, size)
    positions = np.broadcast_to(np.arange(flat_tables.shape[0]).reshape(tables.shape[:-1]),
                                index.shape)
    values = flat_tables[positions, reduced]
    values = np.where(overflow, -values, values)
    return wrap_to_precision(values, lookup.output_precision, lookup.output_signed)
