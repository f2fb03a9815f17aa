"""The graph under construction while a function is being traced."""
from __future__ import annotations

import numpy as np

from ..core.dtypes import UNMEASURED_INTEGER, Float
from ..core.errors import EvaluationError, TracingError, TracingValueError
from ..core.location import SourceLocation, user_location
from ..core.values import ValueSpec
from ..interpret.rules import RULES
from ..ir.graph import Graph
from ..ir.node import Node
from ..ir.ops import ELEMENTWISE_OPS, OpKind

#: Placeholder integer type until bounds give the real bit width.
TRACE_INTEGER = UNMEASURED_INTEGER


def spec_of_array(value: np.ndarray, is_encrypted: bool) -> ValueSpec:
    dtype = Float(64) if value.dtype.kind == "f" else TRACE_INTEGER
    return ValueSpec(dtype, tuple(value.shape), is_encrypted)


def dummy_of(spec: ValueSpec, fill: int) -> np.ndarray:
    """A batch of one sample with the spec's shape, used to infer output shapes and dtypes."""
    dtype = np.float64 if isinstance(spec.dtype, Float) else np.int64
    return np.full((1,) + spec.shape, fill, dtype=dtype)


class TraceContext:
    """Owns the graph and the dummy values that drive shape inference."""

    def __init__(self, direct: bool = False) -> None:
        self.graph = Graph()
        self.dummies: dict[int, np.ndarray] = {}
        #: a direct circuit definition (``fhe.circuit``): types come from annotations, so
        #: ``astype`` needs an fhe type and ``round(x)`` is refused, as in Concrete
        self.direct = direct
        #: inputs as Concrete describes them while tracing (by their first sample), for
        #: messages that quote Concrete's text (``tracing/index_text.py``)
        self.described: dict[int, ValueSpec] = {}

    def add_node(self, op: OpKind, operands: list[int], attrs: dict | None = None,
                 location: SourceLocation | None = None, spec: ValueSpec | None = None) -> Node:
        """Add a node; its output spec comes from running its clear rule on dummy operands."""
        location = location or user_location()
        attrs = dict(attrs or {})
        is_encrypted = any(self.graph[o].is_encrypted for o in operands)
        if spec is None:
            probe = Node(-1, op, tuple(operands), ValueSpec(TRACE_INTEGER, (), is_encrypted), attrs,
                         location)
            value = self._infer(probe, operands, location)
            spec = spec_of_array(value[0], is_encrypted)
        elif op is OpKind.CONSTANT:
            from ..interpret.interpreter import constant_value

            value = constant_value(Node(-1, op, (), spec, attrs))
        else:
            value = dummy_of(spec, 1)
        node = self.graph.add(op, operands, spec, attrs, location)
        self.dummies[node.id] = value
        return node

    def _infer(self, probe: Node, operands: list[int], location) -> np.ndarray:
        """Run the op's rule on dummy operands: its output shape and kind, or the user's error.

        Variables are filled with 1, 0 then 2 (one of them avoids a division by zero…); a
        value error that only the constants' real values cause (an int64 overflow of
        ``x + 2**62``) is not the user's shape mistake, so constants are finally filled too.
        """
        errors = []
        for fill, fill_constants in ((1, False), (0, False), (2, False), (1, True)):
            dummies = [self.dummies[o] if self.graph[o].op is OpKind.CONSTANT
                       and not fill_constants else np.full_like(self.dummies[o], fill)
                       for o in operands]
            probe.spec = ValueSpec(TRACE_INTEGER, self._result_shape_hint(probe, dummies),
                                   probe.spec.is_encrypted)
            try:
                with np.errstate(all="ignore"):
                    result = RULES[probe.op](probe, dummies)
                return np.asarray(result)
            except Exception as error:  # noqa: BLE001 - the user's shape errors, reported below
                errors.append(error)
        shape_errors = [e for e in errors if not isinstance(e, EvaluationError)]
        message = str((shape_errors or errors)[0])
        shapes = [self.graph[o].spec.shape for o in operands]
        hint = ("make the operands' shapes broadcast as numpy requires (reshape, np.expand_dims "
                "or index one of them)" if probe.op in ELEMENTWISE_OPS else
                "check the shapes and the arguments (axis, axes, indices) against the operands' "
                f"shapes {shapes}")
        detail = f"{probe.label} cannot be applied to operands of shapes {shapes}: {message}"
        if probe.op is OpKind.UNIVARIATE:  # Concrete's ValueError and text
            name = getattr(probe.attrs.get("function"), "__name__", probe.label)
            raise TracingValueError(f"Function {name} cannot be used with fhe.univariate",
                                    location, hint="return one value per element, in the "
                                                   "input's shape", detail=detail)
        raise TracingError(detail, location, hint=hint)

    @staticmethod
    def _result_shape_hint(probe: Node, dummies: list[np.ndarray]) -> tuple[int, ...]:
        """Elementwise rules need the output rank: numpy's broadcast of the sample shapes."""
        shapes = [d.shape[1:] for d in dummies]
        try:
            return tuple(np.broadcast_shapes(*shapes)) if shapes else ()
        except ValueError:
            return max(shapes, key=len)


#: The contexts of the traces under way, innermost last (``fhe.zeros`` needs the current one).
ACTIVE_CONTEXTS: list[TraceContext] = []


def current_context() -> TraceContext | None:
    """The trace under way, or None outside tracing."""
    return ACTIVE_CONTEXTS[-1] if ACTIVE_CONTEXTS else None
