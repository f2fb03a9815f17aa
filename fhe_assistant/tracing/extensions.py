"""FHE-specific operations users call inside traced functions (as in ``concrete.fhe``)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..core.errors import TracingError
from ..core.location import user_location
from ..ir.ops import OpKind
from .tracer import Tracer, wrap


class LookupTable:
    """``LookupTable(table)[x]``: an explicit table, applied elementwise to ``x``.

    Negative indices read from the end, as in Python (Concrete does the same).
    """

    def __init__(self, table):
        array = np.asarray(table)
        if array.ndim != 1 or array.size == 0:
            raise TracingError(f"a LookupTable needs a non-empty 1-D table, got shape "
                               f"{array.shape}", user_location(),
                               hint="give one entry per input value: fhe.LookupTable([t0, t1, …])")
        if array.dtype.kind not in "iub":
            raise TracingError(f"LookupTable entries must be integers, got {array.dtype}",
                               user_location(), hint="round the table: np.round(t).astype(int)")
        self.table = array.astype(np.int64)

    def __len__(self) -> int:
        return len(self.table)

    def __getitem__(self, key):
        if isinstance(key, Tracer):
            if key.node.spec.is_float:
                raise TracingError("a LookupTable is indexed by integers, not floats",
                                   user_location(), hint="round and cast the index first: "
                                                         "table[np.rint(v).astype(np.int64)]")
            context = key._context
            node = context.add_node(OpKind.LOOKUP_TABLE, [key._node_id], {"table": self.table})
            return wrap(context, node)
        return self.table[np.asarray(key)]

    def __repr__(self) -> str:
        return f"LookupTable({self.table.tolist()})"


def univariate(function: Callable) -> Callable:
    """Wrap a function of one value so that it becomes a single table lookup."""

    def apply(x):
        if isinstance(x, Tracer):
            context = x._context
            node = context.add_node(OpKind.UNIVARIATE, [x._node_id], {"function": function})
            return wrap(context, node)
        return function(x)

    apply.__name__ = getattr(function, "__name__", "univariate")
    return apply


def round_bit_pattern(x, lsbs_to_remove: int):
    """Round ``x`` to the nearest multiple of ``2**lsbs_to_remove`` (ties up), like Concrete.

    Used before a table lookup, it lets the lookup run at a lower precision.
    """
    lsbs_to_remove = int(lsbs_to_remove)
    if lsbs_to_remove < 0:
        raise TracingError("lsbs_to_remove must be >= 0", user_location(),
                           hint="give the number of low bits to round away (0 keeps x)")
    if isinstance(x, Tracer):
        context = x._context
        node = context.add_node(OpKind.ROUND_BIT_PATTERN, [x._node_id],
                                {"lsbs_to_remove": lsbs_to_remove})
        return wrap(context, node)
    value = np.asarray(x)
    if lsbs_to_remove == 0:
        return value
    return ((value + (1 << (lsbs_to_remove - 1))) >> lsbs_to_remove) << lsbs_to_remove
