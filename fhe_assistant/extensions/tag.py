"""``fhe.tag``: name a region of a traced function (Concrete's ``concrete.fhe.tag``).

Nodes created inside ``with fhe.tag("attention"):`` carry the tag; nested blocks join their
names with ``.`` (``"attention.softmax"``). Tags show in the printed graph (``@ tag``), filter
``graph.maximum_integer_bit_width`` / ``graph.integer_range`` and split the circuit's
statistics (``programmable_bootstrap_count_per_tag`` …). The tag travels with each node's
source location, so it reaches what the node becomes after fusion and lowering.
"""
from __future__ import annotations

from ..core.location import tagged


def tag(name: str):
    """A context manager: nodes traced inside it carry ``name`` (joined to outer tags)."""
    return tagged(name)


__all__ = ["tag"]
