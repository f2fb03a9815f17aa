"""``fhe.bits(x)[i]`` / ``fhe.bits(x)[start:stop:step]``: bit extraction, as in Concrete.

On an encrypted value it is one ``EXTRACT_BITS`` node (a table lookup); on clear values it
evaluates directly with the same rule.
"""
from __future__ import annotations

import numpy as np

from ..interpret.extension_rules import extract_bits
from ..ir.ops import OpKind
from ..tracing.tracer import Tracer, wrap


def _check_slice(index: slice) -> None:
    for name in ("start", "stop", "step"):
        part = getattr(index, name)
        if part is None:
            continue
        if not isinstance(part, (int, np.integer)):
            raise ValueError(f"Extracting bits using a non integer {name} (e.g., {part}) "  # noqa: TRY004
                             f"isn't supported")
        if name != "step" and part < 0:
            raise ValueError(f"Extracting bits using a negative {name} (e.g., {part}) "
                             f"isn't supported")
    if index.step == 0:
        raise ValueError("Extracting bits using zero step isn't supported")
    if index.step is not None and index.step < 0 and index.start is None:
        raise ValueError("Extracting bits in reverse (step < 0) isn't supported without "
                         "providing the start bit")


class Bits:
    """Indexable view of the bits of an integer value (``fhe.bits(x)``)."""

    def __init__(self, value):
        self.value = np.array(value) if isinstance(value, list) else value

    def __getitem__(self, index):
        if isinstance(index, slice):
            _check_slice(index)
        elif isinstance(index, (int, np.integer)) and not isinstance(index, bool):
            if index < 0:
                raise ValueError(f"Extracting bits from the back (index == {index} < 0) "
                                 f"isn't supported")
            index = int(index)
        else:
            raise ValueError(f"Bits of {self.value} cannot be extracted using {index} since "  # noqa: TRY004
                             f"it's not an integer or a slice")
        value = self.value
        if isinstance(value, Tracer):
            if value.node.spec.is_float:
                raise ValueError(f"Bits of {value} cannot be extracted since it's not an integer")
            context = value._context
            node = context.add_node(OpKind.EXTRACT_BITS, [value._node_id], {"bits": index})
            return wrap(context, node)
        is_integer = isinstance(value, (int, np.integer)) and not isinstance(value, bool) or \
            isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.integer)
        if not is_integer:
            raise ValueError(f"Bits of {value} cannot be extracted since it's not an integer")
        result = extract_bits(np.asarray(value), index)
        return int(result) if np.ndim(result) == 0 else result


def bits(x) -> Bits:
    """The bits of ``x``, indexed by an int (one bit) or a slice (bits packed from bit 0)."""
    return Bits(x)
