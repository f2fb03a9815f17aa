"""``fhe.multivariate(function)(x, y, …)``: a function of several values as table lookups.

With one encrypted operand it is one lookup; with two, the operands are packed into one
lookup once their bounds are known (``transforms/packing.py``).
"""
from __future__ import annotations

from collections.abc import Callable

from ..core.errors import TracingValueError
from ..ir.ops import OpKind
from ..tracing.extensions import declared_outputs
from ..tracing.tracer import Tracer, as_operand, wrap


def multivariate(function: Callable, outputs=None, dtype=None) -> Callable:
    """Wrap ``function`` of several integer values (numpy broadcasting between them);
    ``outputs``: the result type in a direct circuit (``fhe.uint3``)."""
    declared = declared_outputs(outputs)

    def apply(*values):
        tracers = [v for v in values if isinstance(v, Tracer)]
        if not tracers:
            return function(*values)
        context = tracers[0]._context
        if context.direct and not declared:
            raise TracingValueError("Multivariate extension requires `outputs` argument for "
                                    "direct circuit definition (e.g., fhe.multivariate("
                                    "function, outputs=fhe.uint4)(x, y, z))")
        operands = [as_operand(context, v) for v in values]
        node = context.add_node(OpKind.MULTIVARIATE, operands, {"function": function, **declared})
        return wrap(context, node)

    apply.__name__ = getattr(function, "__name__", "multivariate")
    return apply


__all__ = ["multivariate"]
