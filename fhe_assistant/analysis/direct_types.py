"""The types a direct circuit definition (``fhe.circuit``) declares for each node.

In a direct definition the types come from the program text, not from an inputset:
parameters from their annotations (``x: fhe.uint4``), ``astype(fhe.uint3)``,
``fhe.univariate(f, outputs=fhe.uint7)`` and ``fhe.multivariate(…, outputs=…)`` from the type
they name, constants from their value, and every other integer op gets Concrete's rule:
the widest of its operands' widths, signed if any operand is signed. Floats stay floats.
The compiler gives each node at least this type (and at least what the values reachable
from the declared inputs need, so results stay exact).
"""
from __future__ import annotations

import re

import numpy as np

from ..core.dtypes import DType, Float, Integer
from ..ir.graph import Graph
from ..ir.ops import OpKind

_TYPE_TEXT = re.compile(r"(u?)int(\d+)$|float(\d+)$")


def parse_dtype(text: str) -> DType:
    """``"uint7"`` / ``"int6"`` / ``"float64"`` -> the core dtype."""
    match = _TYPE_TEXT.match(text)
    if match is None:
        raise ValueError(f"not an fhe type: {text!r}")
    if match.group(3):
        return Float(int(match.group(3)))
    return Integer(int(match.group(2)), match.group(1) == "")


def _constant_type(node) -> DType:
    value = np.asarray(node.attrs["value"])
    if value.dtype.kind == "f":
        return Float(64)
    if value.size == 0:
        return Integer(1, False)
    return Integer.that_can_represent(int(value.min()), int(value.max()))


def declared_dtypes(graph: Graph, input_dtypes: list[DType]) -> dict[int, DType]:
    """Node id -> declared type; nodes whose type a direct definition does not fix (a bit
    extraction: its width is the extracted bits') are left out."""
    types: dict[int, DType] = {}
    for node in graph.nodes:
        if node.op is OpKind.INPUT:
            types[node.id] = input_dtypes[node.attrs["index"]]
        elif node.op is OpKind.CONSTANT:
            types[node.id] = _constant_type(node)
        elif "outputs" in node.attrs:
            types[node.id] = parse_dtype(node.attrs["outputs"])
        elif node.op is OpKind.TLU:
            subgraph = node.attrs["subgraph"]
            terminal = subgraph[subgraph.outputs[0]]
            if "outputs" in terminal.attrs:
                types[node.id] = parse_dtype(terminal.attrs["outputs"])
        elif node.spec.is_float:
            types[node.id] = Float(64)
        elif node.op is not OpKind.EXTRACT_BITS:
            operands = [types.get(o) for o in node.operands]
            integers = [t for t in operands if isinstance(t, Integer)]
            if integers and len(integers) == len(operands):
                types[node.id] = Integer(max(t.bit_width for t in integers),
                                         any(t.is_signed for t in integers))
    return types


def at_least(measured: DType, declared: DType | None) -> DType:
    """The declared integer type, widened where the measured values need more bits."""
    if not isinstance(measured, Integer) or not isinstance(declared, Integer):
        return measured
    signed = measured.is_signed or declared.is_signed
    width = max(declared.bit_width, measured.bit_width + (signed and not measured.is_signed))
    return Integer(width, signed)
