"""``fhe.multivariate(function)(x, y, …)``: a function of several values as table lookups.

With one encrypted operand it is one lookup; with two, the operands are packed into one
lookup once their bounds are known (``transforms/packing.py``).
"""
from __future__ import annotations

from collections.abc import Callable

from ..ir.ops import OpKind
from ..tracing.tracer import Tracer, as_operand, wrap


def multivariate(function: Callable, outputs=None, dtype=None) -> Callable:
    """Wrap ``function`` of several integer values (numpy broadcasting between them)."""

    def apply(*values):
        tracers = [v for v in values if isinstance(v, Tracer)]
        if not tracers:
            return function(*values)
        context = tracers[0]._context
        operands = [as_operand(context, v) for v in values]
        node = context.add_node(OpKind.MULTIVARIATE, operands, {"function": function})
        return wrap(context, node)

    apply.__name__ = getattr(function, "__name__", "multivariate")
    return apply


__all__ = ["multivariate"]
