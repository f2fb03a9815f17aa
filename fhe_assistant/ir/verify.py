"""Well-formedness of a graph: the invariants every pass must keep.

| invariant                                                                   |
|-----------------------------------------------------------------------------|
| ``nodes[i].id == i``; operands name earlier nodes (SSA, topological order)   |
| ``inputs`` are exactly the INPUT nodes, in order; INPUT/CONSTANT take no operands |
| a CONSTANT's value has its spec's shape; constants are clear                 |
| a node is encrypted when an operand is (and only then)                       |
| ``outputs`` is not empty and names existing nodes                            |
| with ``rules`` (the clear rules): each op's rule, run on placeholder operands, |
| gives the node's shape, and a float exactly where the spec says float         |
| a fused subgraph (TLU) satisfies all of the above                            |

The compiler runs :func:`verify_graph` after every pass in its debug mode
(``Configuration(verify_passes=True)``) and throughout the test suite.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from ..core.errors import FHEAssistantError
from .graph import Graph
from .node import Node
from .ops import OpKind
from .printer import node_error

#: a clear rule: (node, batched operands) -> batched value (``interpret.RULES`` holds them)
Rule = Callable[[Node, list], np.ndarray]


class MalformedGraphError(FHEAssistantError):
    """A pass produced a graph that breaks an invariant of :mod:`fhe_assistant.ir.verify`."""


def _fail(node: Node, message: str, where: str) -> MalformedGraphError:
    return node_error(MalformedGraphError, node, f"{message} (in {where})")


def _check_structure(graph: Graph, where: str) -> None:
    for position, node in enumerate(graph.nodes):
        if node.id != position:
            raise _fail(node, f"has id {node.id} at position {position}", where)
        if any(not 0 <= o < node.id for o in node.operands):
            raise _fail(node, f"uses {list(node.operands)}, not all defined before it", where)
        if node.op in (OpKind.INPUT, OpKind.CONSTANT):
            if node.operands:
                raise _fail(node, f"a {node.op.value} takes no operands", where)
            if node.op is OpKind.CONSTANT:
                value = np.asarray(node.attrs.get("value"))
                # encrypted only as fhe.zeros & co. (attrs["trivial"]: noiseless ciphertexts)
                if tuple(value.shape) != tuple(node.spec.shape) \
                        or node.is_encrypted and not node.attrs.get("trivial"):
                    raise _fail(node, f"a constant of shape {value.shape} is typed "
                                      f"{node.spec}", where)
            continue
        encrypted = any(graph[o].is_encrypted for o in node.operands)
        if encrypted != node.is_encrypted:
            raise _fail(node, f"is typed {node.spec} but its operands are "
                              f"{'' if encrypted else 'not '}encrypted", where)
    declared = [node.id for node in graph.nodes if node.op is OpKind.INPUT]
    if list(graph.inputs) != declared:
        raise MalformedGraphError(f"the inputs {list(graph.inputs)} are not the INPUT nodes "
                                  f"{declared} (in {where})")
    if not graph.outputs or any(not 0 <= o < len(graph.nodes) for o in graph.outputs):
        raise MalformedGraphError(f"the outputs {list(graph.outputs)} do not name nodes of the "
                                  f"graph (in {where})")


def _placeholder(node: Node) -> np.ndarray:
    dtype = np.float64 if node.spec.is_float else np.int64
    if node.op is OpKind.CONSTANT:
        return np.asarray(node.attrs["value"]).astype(dtype)[None]
    return np.ones((1,) + tuple(node.spec.shape), dtype=dtype)


def _check_rules(graph: Graph, rules: Mapping[OpKind, Rule], where: str) -> None:
    """Each node's rule on placeholder operands (ones; constants' values) gives its spec."""
    for node in graph.nodes:
        if node.op in (OpKind.INPUT, OpKind.CONSTANT) or node.op not in rules:
            continue
        try:
            with np.errstate(all="ignore"):
                value = np.asarray(rules[node.op](node, [_placeholder(graph[o])
                                                         for o in node.operands]))
        except Exception:  # noqa: BLE001 - placeholders outside the op's domain: no verdict
            continue
        shape = tuple(value.shape[1:])
        if shape != tuple(node.spec.shape):
            raise _fail(node, f"its rule gives shape {shape}, its spec says {node.spec}", where)
        if (value.dtype.kind == "f") != node.spec.is_float:
            raise _fail(node, f"its rule gives {value.dtype}, its spec says {node.spec}", where)


def verify_graph(graph: Graph, rules: Mapping[OpKind, Rule] | None = None,
                 where: str = "graph") -> None:
    """Raise :class:`MalformedGraphError`, naming the node, if ``graph`` is malformed.

    ``rules``: the clear rules (``fhe_assistant.interpret.RULES``) to check shapes and
    float/integer kinds against; ``where`` names the pass in the message.
    """
    _check_structure(graph, where)
    if rules is not None:
        _check_rules(graph, rules, where)
    for node in graph.nodes:
        subgraph = node.attrs.get("subgraph") if node.op is OpKind.TLU else None
        if isinstance(subgraph, Graph):
            verify_graph(subgraph, rules, f"the subgraph of %{node.id} in {where}")
