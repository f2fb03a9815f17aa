"""Selecting nodes by tag, operation and encryption status (Concrete's ``Graph.query_nodes``).

A text filter is ``None`` (everything), a string (exact match), a list of strings (any of
them) or a compiled regular expression (``re.match``). ``graph.maximum_integer_bit_width``
and ``graph.integer_range`` apply them before taking their maximum or range.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from .node import Node
from .ops import OpKind


def operation_name(node: Node) -> str:
    """The name a filter matches: ``input``, ``constant``, ``subgraph`` (a fused lookup),
    else the op as the printed graph names it (``add``, ``sqrt``, a univariate's function)."""
    if node.op is OpKind.TLU:
        return "subgraph"
    if node.op is OpKind.INPUT:
        return "input"
    return node.label


def matches_text(text_filter, text: str) -> bool:
    if text_filter is None:
        return True
    if isinstance(text_filter, str):
        return text == text_filter
    if isinstance(text_filter, re.Pattern):
        return text_filter.match(text) is not None
    return any(text == alternative for alternative in text_filter)


def _check_text_filter(name: str, text_filter) -> None:
    if text_filter is None or isinstance(text_filter, (str, re.Pattern)):
        return
    if isinstance(text_filter, (list, tuple, set, frozenset)) and \
            all(isinstance(t, str) for t in text_filter):
        return
    raise TypeError(f"{name} must be a string, a list of strings or a re.Pattern, "
                    f"got {type(text_filter).__name__} {text_filter!r}")


def query_nodes(nodes, tag_filter=None, operation_filter=None,
                is_encrypted_filter: bool | None = None,
                custom_filter: Callable[[Node], bool] | None = None) -> list[Node]:
    """The nodes passing every given filter, in graph order."""
    _check_text_filter("tag_filter", tag_filter)
    _check_text_filter("operation_filter", operation_filter)
    return [node for node in nodes
            if matches_text(tag_filter, node.tag)
            and matches_text(operation_filter, operation_name(node))
            and (is_encrypted_filter is None or node.is_encrypted == is_encrypted_filter)
            and (custom_filter is None or custom_filter(node))]
