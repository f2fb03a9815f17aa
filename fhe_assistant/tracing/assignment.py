"""Tracing ``x[i] = v`` and indexing by clear values known only at run time (``x[y]``).

A clear parameter used as an index is known to the server when the circuit runs, so selecting
or assigning there moves ciphertexts without any lookup (as in Concrete). Indexing by an
encrypted value is refused.
"""
from __future__ import annotations

import sys

from ..core.errors import TracingError
from ..core.location import user_location
from ..interpret.extension_rules import RuntimeIndex
from ..ir.ops import OpKind
from .index_text import refuse_assignment
from .tracer import Tracer, as_operand, wrap


def _split_runtime(tracer: Tracer, index, location) -> tuple[tuple, list[int]]:
    """The normalized index with ``RuntimeIndex`` markers, and the run-time operands' ids."""
    _normalize_index = Tracer.numpy_api._normalize_index
    items = list(index) if isinstance(index, tuple) else [index]
    runtime_positions, operands = [], []
    for position, item in enumerate(items):
        if isinstance(item, Tracer):
            if item.is_encrypted:
                raise TracingError("indexing with an encrypted value is not supported",
                                   location, hint="use a clear index, or a LookupTable over "
                                                  "the values")
            if item.node.spec.is_float:
                raise TracingError(f"a run-time index must be a clear integer, got "
                                   f"{item.node.spec}", location)
            runtime_positions.append(position)
            operands.append(item._node_id)
            items[position] = 0
    normalized = list(_normalize_index(tuple(items), tracer.ndim, location))
    if Ellipsis in [i for i in items if not hasattr(i, "shape")]:
        at = next(k for k, i in enumerate(items) if i is Ellipsis)
        shift = len(normalized) - len(items)
        runtime_positions = [p if p < at else p + shift for p in runtime_positions]
    for k, position in enumerate(runtime_positions):
        normalized[position] = RuntimeIndex(k)
    return tuple(normalized), operands


def has_runtime_index(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(item, Tracer) for item in items)


def trace_dynamic_index(tracer: Tracer, index) -> Tracer:
    """``x[..., y, ...]`` with ``y`` a clear parameter (or a value computed from them); or
    ``table[x]`` with a clear 1-D ``table`` and an encrypted ``x``: one lookup."""
    location = user_location()
    if isinstance(index, Tracer) and index.is_encrypted and not tracer.is_encrypted \
            and tracer.ndim == 1 and not index.node.spec.is_float:
        context = tracer._context
        node = context.add_node(OpKind.DYNAMIC_TLU, [tracer._node_id, index._node_id], {},
                                location)
        return wrap(context, node)
    normalized, operands = _split_runtime(tracer, index, location)
    context = tracer._context
    node = context.add_node(OpKind.DYNAMIC_INDEX, [tracer._node_id, *operands],
                            {"index": normalized}, location)
    return wrap(context, node)


def trace_assignment(tracer: Tracer, index, value) -> None:
    """``x[index] = value``: ``x`` becomes a new node holding the assigned copy."""
    location = user_location()
    refuse_assignment(tracer, index, value, location)
    context = tracer._context
    value_id = as_operand(context, value)
    if has_runtime_index(index):
        normalized, operands = _split_runtime(tracer, index, location)
        node = context.add_node(OpKind.DYNAMIC_ASSIGN, [tracer._node_id, value_id, *operands],
                                {"index": normalized}, location)
    else:
        normalized = Tracer.numpy_api._normalize_index(index, tracer.ndim, location)
        node = context.add_node(OpKind.ASSIGN, [tracer._node_id, value_id],
                                {"index": normalized}, location)
    if node.spec.shape != tracer.shape:
        raise TracingError(f"assigning changed the shape {tracer.shape} to {node.spec.shape}",
                           location)
    tracer._node_id = node.id


Tracer.assignment_api = sys.modules[__name__]
