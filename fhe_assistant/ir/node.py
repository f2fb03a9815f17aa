"""Graph nodes: one operation, its ordered operands, attributes and output spec.

| op           | operands            | attrs                                  |
|--------------|---------------------|----------------------------------------|
| INPUT        | none                | ``name``, ``index``                    |
| CONSTANT     | none                | ``value`` (numpy array)                |
| TLU          | the one encrypted   | ``subgraph`` (Graph), ``constants``    |
| LOOKUP_TABLE | the indexed value   | ``table`` (numpy array)                |
| UNIVARIATE   | the value           | ``function``                           |
| UFUNC        | any                 | ``ufunc`` (numpy ufunc), ``kwargs``    |
| SUM          | one                 | ``axis``, ``keepdims``                 |
| others       | see tracing         | shape arguments (``shape``, ``axes``…) |

The node holds no analysis results: bounds and bit widths are side tables keyed by node id.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.location import SourceLocation
from ..core.values import ValueSpec
from .ops import OpKind


@dataclass(eq=False, slots=True)
class Node:
    id: int
    op: OpKind
    operands: tuple[int, ...]
    spec: ValueSpec
    attrs: dict[str, Any] = field(default_factory=dict)
    location: SourceLocation | None = None

    @property
    def is_encrypted(self) -> bool:
        return self.spec.is_encrypted

    @property
    def output(self):
        """The output's value spec (Concrete's name: ``node.output.dtype``)."""
        return self.spec

    @property
    def tag(self) -> str:
        """The user's ``fhe.tag`` of the code that made the node ("" outside any)."""
        return self.location.tag if self.location is not None else ""

    @property
    def label(self) -> str:
        """Short name for displays: the op, or the input's name, or the ufunc name."""
        if self.op is OpKind.INPUT:
            return str(self.attrs["name"])
        if self.op is OpKind.UFUNC:
            return self.attrs["ufunc"].__name__
        if self.op in (OpKind.UNIVARIATE, OpKind.MULTIVARIATE):
            return getattr(self.attrs["function"], "__name__", self.op.value)
        return self.op.value
