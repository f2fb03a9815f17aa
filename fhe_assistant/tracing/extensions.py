"""FHE-specific operations users call inside traced functions (as in ``concrete.fhe``)."""
from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np

from ..core.errors import TracingError, TracingValueError
from ..core.location import user_location
from ..interpret.rules import round_bits
from ..ir.ops import CLIPS_OVERFLOW_FROM, OpKind
from .tracer import Tracer, wrap


class LookupTable:
    """``LookupTable(table)[x]``: an explicit table, applied elementwise to ``x``.

    Negative indices read from the end, as in Python (Concrete does the same).
    """

    def __init__(self, table):
        multi = _multi_table(table)
        if multi is not None:  # a nested list of LookupTables: one table per element
            self.table = multi
            return
        try:
            array = np.asarray(table)
        except ValueError:
            array = np.asarray([], dtype=object)
        if array.ndim != 1 or array.size == 0:
            raise TracingValueError(f"LookupTable cannot be constructed with {table!r}",
                                    user_location(), hint="give one entry per input value: "
                                                          "fhe.LookupTable([t0, t1, …])",
                                    detail=f"it needs a non-empty 1-D table, got shape "
                                           f"{array.shape}")
        if array.dtype.kind not in "iub":
            raise TracingValueError(f"LookupTable cannot be constructed with {table!r}",
                                    user_location(),
                                    hint="round the table: np.round(t).astype(int)",
                                    detail=f"its entries must be integers, got {array.dtype}")
        self.table = array.astype(np.int64)

    @property
    def shape(self) -> tuple[int, ...]:
        """``()`` for one table, the element shape for a table of tables."""
        return self.table.shape[:-1]

    def __len__(self) -> int:
        return self.table.shape[-1]

    def __getitem__(self, key):
        if isinstance(key, Tracer):
            if key.node.spec.is_float:
                raise TracingError("a LookupTable is indexed by integers, not floats",
                                   user_location(), hint="round and cast the index first: "
                                                         "table[np.rint(v).astype(np.int64)]")
            context = key._context
            node = context.add_node(OpKind.LOOKUP_TABLE, [key._node_id], {"table": self.table})
            return wrap(context, node)
        index = np.asarray(key)
        if index.dtype.kind == "b":  # a comparison's result is a 0/1 index, not a mask
            index = index.astype(np.int64)
        if index.dtype.kind not in "iu":
            raise ValueError(f"LookupTable cannot be looked up with {key}")
        if self.table.ndim == 1:
            return self.table[index]
        if index.shape != self.shape:
            raise ValueError(f"LookupTable of shape {self.shape} cannot be looked up with {key}")
        return np.take_along_axis(self.table, index[..., None], axis=-1)[..., 0]

    def __repr__(self) -> str:
        """The entries, as Concrete shows a table (``[1, 2, 3]``; nested for a multi-table)."""
        return repr(self.table.tolist())


def _multi_table(table) -> np.ndarray | None:
    """Tables of nested lists of LookupTables stacked as ``(*shape, size)``, else None."""
    def leaves(value):
        if isinstance(value, LookupTable):
            return [value]
        if isinstance(value, (list, tuple)) and value:
            return [leaf for item in value for leaf in leaves(item)]
        return [None]

    found = leaves(table)
    if not found or any(leaf is None or leaf.table.ndim != 1 for leaf in found):
        return None
    if len({len(leaf) for leaf in found}) != 1:
        raise TracingValueError(f"LookupTable cannot be constructed with {table!r}",
                                user_location(),
                                detail="the tables of a multi-table need the same size")

    def stack(value):
        if isinstance(value, LookupTable):
            return value.table
        return np.stack([stack(item) for item in value])

    return stack(table)


def declared_outputs(outputs) -> dict:
    """``{"outputs": "uint7"}`` for an ``outputs=fhe.uint7`` annotation (the type a direct
    circuit gives the result), ``{}`` without one."""
    if outputs is None:
        return {}
    dtype = getattr(outputs, "dtype", None)
    if dtype is None or isinstance(dtype, np.dtype):
        raise TracingValueError(f"outputs must be an fhe type such as fhe.uint4, got {outputs!r}",
                                user_location())
    return {"outputs": str(dtype)}


def univariate(function: Callable, outputs=None) -> Callable:
    """Wrap a function of one value so that it becomes a single table lookup
    (``outputs``: its result type in a direct circuit, e.g. ``fhe.uint7``)."""
    declared = declared_outputs(outputs)

    def apply(x):
        if isinstance(x, Tracer):
            context = x._context
            if context.direct and not declared:
                raise TracingValueError("Univariate extension requires `outputs` argument for "
                                        "direct circuit definition (e.g., fhe.univariate("
                                        "function, outputs=fhe.uint4)(x))")
            node = context.add_node(OpKind.UNIVARIATE, [x._node_id],
                                    {"function": function, **declared})
            return wrap(context, node)
        return function(x)

    apply.__name__ = getattr(function, "__name__", "univariate")
    return apply


#: The exactness of roundings traced without one (``"exact"`` or ``"approximate"``): the
#: compiler sets it from ``Configuration.rounding_exactness`` while it traces.
DEFAULT_ROUNDING_EXACTNESS: ContextVar[str] = ContextVar("rounding_exactness", default="exact")

#: From which rounded precision an approximate rounding that overflows its input's width is
#: clipped (0: always, Concrete's default logical clipping; None: never): the compiler sets
#: it from ``Configuration.approximate_rounding_config`` while it traces.
APPROXIMATE_CLIPPING_FROM: ContextVar[int | None] = ContextVar("approximate_clipping_from",
                                                               default=0)


@contextmanager
def rounding_defaults(exactness: str, clipping_from: int | None):
    """While tracing a compile: ``round_bit_pattern``'s defaults from its configuration."""
    exactness_token = DEFAULT_ROUNDING_EXACTNESS.set(exactness)
    clipping_token = APPROXIMATE_CLIPPING_FROM.set(clipping_from)
    try:
        yield
    finally:
        APPROXIMATE_CLIPPING_FROM.reset(clipping_token)
        DEFAULT_ROUNDING_EXACTNESS.reset(exactness_token)


def round_bit_pattern(x, lsbs_to_remove: int, exactness: str | None = None):
    """Round ``x`` to the nearest multiple of ``2**lsbs_to_remove`` (ties up), like Concrete.

    Used before a table lookup, it lets the lookup run at a lower precision. ``exactness``
    ``"approximate"`` (Concrete's ``Exactness.APPROXIMATE``) lets that lookup be off by one
    step near a rounding tie, for cheaper parameters (``lowered.fhe_plan``); ``None`` takes
    the default of the compile in progress.
    """
    lsbs_to_remove = int(lsbs_to_remove)
    if lsbs_to_remove < 0:
        raise TracingError("lsbs_to_remove must be >= 0", user_location(),
                           hint="give the number of low bits to round away (0 keeps x)")
    if isinstance(x, Tracer):
        exactness = exactness or DEFAULT_ROUNDING_EXACTNESS.get()
        attrs = {"lsbs_to_remove": lsbs_to_remove}
        if exactness == "approximate":
            attrs["exactness"] = exactness
            clipping_from = APPROXIMATE_CLIPPING_FROM.get()
            if clipping_from is not None:
                attrs[CLIPS_OVERFLOW_FROM] = clipping_from
        context = x._context
        node = context.add_node(OpKind.ROUND_BIT_PATTERN, [x._node_id], attrs)
        return wrap(context, node)
    return round_bits(np.asarray(x), lsbs_to_remove)
