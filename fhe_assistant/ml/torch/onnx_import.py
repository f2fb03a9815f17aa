"""An ONNX model as a float op-graph of one sample, each node located at its layer.

The model is checked first (every op supported, every weight finite: all problems listed at
once, each with its node and layer), then walked in ONNX order:

- clear nodes (weights, shape arithmetic) are evaluated at once with ONNX's reference
  evaluator;
- elementwise nodes of encrypted values are composed into one function of the value they
  start from: linear ones (``+ c``, ``* c``, batch norm) are traced as they are (they only
  change the quantized value's affine map), a chain with any non-linear op (relu, sigmoid,
  GELU's ``x * erf(x)``…) becomes one ``univariate`` node: one table lookup per value;
- the other ops are traced per sample (``onnx_structural``);
- trailing ``Softmax`` / ``LogSoftmax`` / ``ArgMax`` run after decryption, in the clear.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ...core.dtypes import Float
from ...core.errors import InputError
from ...core.location import SourceLocation, located_at
from ...core.values import ValueSpec
from ...ir.graph import Graph
from ...ir.ops import OpKind
from ...tracing.context import TraceContext
from ...tracing.extensions import univariate
from ...tracing.tracer import Tracer
from .layers import describe, layer_location
from .onnx_elementwise import ELEMENTWISE, is_linear
from .onnx_structural import STRUCTURAL, UnsupportedUse, per_sample

#: Ops evaluated only when all their inputs are clear (shape arithmetic of the export).
CLEAR_ONLY = frozenset({"Constant", "Shape", "Gather", "Cast", "ConstantOfShape", "Range",
                        "Slice", "Equal", "Where", "Expand", "Size"})
#: Ops at the model's output that run after decryption.
CLEAR_TAIL = {
    "Softmax": lambda x, attrs: _softmax(x, attrs.get("axis", -1)),
    "LogSoftmax": lambda x, attrs: np.log(_softmax(x, attrs.get("axis", -1))),
    "ArgMax": lambda x, attrs: np.argmax(x, axis=attrs.get("axis", 0)) if not
    attrs.get("keepdims", 1) else np.expand_dims(np.argmax(x, axis=attrs.get("axis", 0)),
                                                 attrs.get("axis", 0)),
}
SUPPORTED_OPS = frozenset(ELEMENTWISE) | frozenset(STRUCTURAL) | CLEAR_ONLY | frozenset(CLEAR_TAIL)


def _softmax(x, axis):
    shifted = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return shifted / np.sum(shifted, axis=axis, keepdims=True)


@dataclass
class Pending:
    """An elementwise function of an encrypted value, not traced yet."""

    base: Tracer
    function: Callable
    nonlinear: bool
    names: tuple[str, ...]
    shape: tuple[int, ...]
    location: SourceLocation
    traced: Tracer | None = None


@dataclass(frozen=True)
class ImportedModel:
    """The float graph, the ONNX tail run in the clear, and what the inputs look like."""

    graph: Graph
    clear_tail: tuple[tuple[Callable, dict], ...]
    input_names: tuple[str, ...]
    input_shapes: tuple[tuple[int, ...], ...]

    def finish(self, outputs: np.ndarray) -> np.ndarray:
        """Apply the clear tail (softmax, argmax) to decrypted, dequantized outputs."""
        for function, attrs in self.clear_tail:
            outputs = function(outputs, attrs)
        return outputs


def attributes(node) -> dict:
    import onnx

    return {a.name: onnx.helper.get_attribute_value(a) if a.type != onnx.AttributeProto.STRING
            else a.s.decode() for a in node.attribute}


def check_model(model) -> None:
    """Every op supported and every weight finite, or one error listing every problem."""
    from onnx import numpy_helper

    problems = []
    for index, node in enumerate(model.graph.node):
        if node.op_type not in SUPPORTED_OPS:
            problems.append(f"unsupported op {node.op_type} at {describe(node, index)}")
    weights = {t.name: t for t in model.graph.initializer}
    users: dict[str, list] = {}
    for index, node in enumerate(model.graph.node):
        for name in node.input:
            users.setdefault(name, []).append(describe(node, index))
        if node.op_type == "Constant":
            for attribute in node.attribute:
                if attribute.name == "value":
                    weights[node.output[0]] = attribute.t
    for name, tensor in weights.items():
        array = numpy_helper.to_array(tensor)
        if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
            where = ", ".join(map(str, users.get(name, []))) or "no node"
            problems.append(f"weight {name!r} contains NaN or infinity (used by {where})")
    if problems:
        raise InputError("the ONNX model cannot be compiled:\n  - " + "\n  - ".join(problems))


class _Importer:
    def __init__(self, model):
        self.model = model
        self.context = TraceContext()
        self.values: dict[str, object] = {}
        self.tail: list[tuple[Callable, dict]] = []
        self.users: dict[str, int] = {}
        for node in model.graph.node:
            for name in node.input:
                self.users[name] = self.users.get(name, 0) + 1
        for output in model.graph.output:
            self.users[output.name] = self.users.get(output.name, 0) + 1

    # -- values --------------------------------------------------------------------------
    def traced(self, value):
        """A tracer (or clear array) for ``value``, tracing a pending function if needed."""
        if not isinstance(value, Pending):
            return value
        if value.traced is not None:
            return value.traced
        with located_at(value.location):
            if value.nonlinear:
                function = value.function

                def lookup(x):
                    return function(x)

                lookup.__name__ = "_".join(dict.fromkeys(value.names)).lower()
                value.traced = univariate(lookup)(value.base)
            else:
                value.traced = value.function(value.base)
        return value.traced

    # -- nodes ---------------------------------------------------------------------------
    def run_clear(self, node, inputs):
        import onnx
        from onnx.reference import ReferenceEvaluator

        shape_of = [np.array((1,) + tuple(v.shape), dtype=np.int64)
                    if isinstance(v, (Tracer, Pending)) else None for v in inputs]
        if node.op_type == "Shape" and shape_of[0] is not None:
            return [shape_of[0]]
        if any(s is not None for s in shape_of):
            raise UnsupportedUse(f"{node.op_type} of an encrypted value is not supported")
        names = [f"i{k}" for k in range(len(inputs))]
        single = onnx.helper.make_node(node.op_type, names, list(node.output), domain=node.domain)
        single.attribute.extend(node.attribute)
        evaluator = ReferenceEvaluator(single)
        return evaluator.run(None, {n: np.asarray(v) for n, v in zip(names, inputs)})

    def elementwise(self, node, inputs, location):
        attrs = attributes(node)
        function = ELEMENTWISE[node.op_type]
        dynamic = [k for k, v in enumerate(inputs) if isinstance(v, (Tracer, Pending))]
        rank = max(len(inputs[k].shape) for k in dynamic)
        constants = {k: np.asarray(per_sample(v, rank), dtype=np.float64)
                     for k, v in enumerate(inputs) if k not in dynamic and v is not None}
        bases = {id(self._start(inputs[k])[0]) for k in dynamic}
        if len(bases) != 1 or any(c.ndim > rank for c in constants.values()):
            operands = [self.traced(v) if k in dynamic else constants.get(k)
                        for k, v in enumerate(inputs)]
            return function(attrs, *operands)
        base = self._start(inputs[dynamic[0]])[0]
        parts = {k: self._start(inputs[k])[1] for k in dynamic}
        count = len(inputs)

        def composed(x):
            return function(attrs, *[parts[k](x) if k in parts else constants.get(k)
                                     for k in range(count)])

        nonlinear = not is_linear(node.op_type, dynamic) or any(
            isinstance(inputs[k], Pending) and inputs[k].nonlinear for k in dynamic)
        names = sum((inputs[k].names for k in dynamic if isinstance(inputs[k], Pending)), ())
        names += (node.op_type,) if not is_linear(node.op_type, dynamic) else ()
        shape = np.broadcast_shapes(*[inputs[k].shape for k in dynamic],
                                    *[c.shape for c in constants.values()])
        return Pending(base, composed, nonlinear, names, tuple(shape), location)

    @staticmethod
    def _start(value) -> tuple[Tracer, Callable]:
        if isinstance(value, Pending):
            return value.base, value.function
        return value, lambda x: x

    def _outputs(self, node, inputs, encrypted: bool, location) -> list:
        if not encrypted or node.op_type in CLEAR_ONLY:
            return self.run_clear(node, inputs)
        if node.op_type in CLEAR_TAIL:
            raise UnsupportedUse("it runs in the clear after decryption, so it must end the "
                                 "model")
        if node.op_type in ELEMENTWISE:
            return [self.elementwise(node, inputs, location)]
        traced = [self.traced(v) for v in inputs]
        return [STRUCTURAL[node.op_type](traced, attributes(node))]

    def node(self, node, index: int) -> None:
        location = layer_location(node.name, node.op_type, index)
        inputs = [self.values[name] if name else None for name in node.input]
        if node.op_type in ELEMENTWISE:  # a lookup used twice is computed once
            inputs = [self.traced(v) if isinstance(v, Pending) and v.nonlinear
                      and self.users.get(name, 0) > 1 else v
                      for name, v in zip(node.input, inputs)]
        encrypted = any(isinstance(v, (Tracer, Pending)) for v in inputs)
        try:
            with located_at(location):
                outputs = self._outputs(node, inputs, encrypted, location)
        except UnsupportedUse as error:
            raise InputError(f"{describe(node, index)} cannot be compiled: {error}") from None
        except (ValueError, TypeError) as error:
            raise InputError(f"{describe(node, index)} failed: {error}") from error
        for name, value in zip(node.output, outputs):
            self.values[name] = value

    def run(self, input_shapes) -> ImportedModel:
        from onnx import numpy_helper

        graph = self.model.graph
        for tensor in graph.initializer:
            self.values[tensor.name] = numpy_helper.to_array(tensor)
        names = [i.name for i in graph.input if i.name not in self.values]
        for index, (name, shape) in enumerate(zip(names, input_shapes)):
            spec = ValueSpec(Float(64), tuple(shape), True)
            node = self.context.add_node(OpKind.INPUT, [], {"name": _identifier(name, index),
                                                             "index": index}, None, spec)
            self.values[name] = Tracer(self.context, node.id)
        nodes = list(graph.node)
        tail_start = _clear_tail_start(nodes, [o.name for o in graph.output])
        for index, node in enumerate(nodes[:tail_start]):
            self.node(node, index)
        for node in nodes[tail_start:]:
            self.tail.append((CLEAR_TAIL[node.op_type], attributes(node)))
        outputs = [nodes[tail_start].input[0]] if tail_start < len(nodes) else \
            [o.name for o in graph.output]
        result = self.context.graph
        for name in outputs:
            value = self.traced(self.values[name])
            if not isinstance(value, Tracer):
                raise InputError(f"the model's output {name!r} does not depend on its input")
            result.outputs.append(value._node_id)
        result.name = _identifier(graph.name or "model", 0)
        return ImportedModel(result, tuple(self.tail), tuple(result.input_names),
                             tuple(tuple(s) for s in input_shapes))


def _clear_tail_start(nodes, outputs) -> int:
    """Index of the first of the trailing Softmax/ArgMax nodes feeding the only output."""
    start = len(nodes)
    while start and nodes[start - 1].op_type in CLEAR_TAIL and len(outputs) == 1 \
            and nodes[start - 1].output[0] == (outputs[0] if start == len(nodes)
                                               else nodes[start].input[0]):
        start -= 1
    return start


def _identifier(name: str, index: int) -> str:
    text = "".join(c if c.isalnum() or c == "_" else "_" for c in name).strip("_")
    return text if text and not text[0].isdigit() else f"x{index}" if not text else f"x_{text}"


def import_onnx(model, input_shapes) -> ImportedModel:
    """The float graph of ``model`` (an ``onnx.ModelProto``) for samples of ``input_shapes``
    (without the batch axis)."""
    check_model(model)
    return _Importer(model).run(input_shapes)
