"""``round_bit_pattern`` and ``truncate_bit_pattern`` with Concrete's signatures."""
from __future__ import annotations

import numpy as np

from ..core.strategies import Exactness
from ..interpret.extension_rules import truncate_bits
from ..ir.ops import OpKind
from ..tracing.extensions import round_bit_pattern as _round
from ..tracing.tracer import Tracer, wrap
from .auto_adjust import AutoAdjuster


def _check_plain(x):
    if isinstance(x, list):
        x = np.array(x)
    if isinstance(x, np.ndarray):
        if not np.issubdtype(x.dtype, np.integer):
            raise TypeError(f"Expected input elements to be integers but they are "
                            f"{type(x.dtype).__name__}")
    elif not isinstance(x, (int, np.integer)):
        raise TypeError(f"Expected input to be an int or a numpy array but it's "
                        f"{type(x).__name__}")
    return x


def round_bit_pattern(x, lsbs_to_remove: int, overflow_protection: bool = True,
                      exactness: Exactness | None = None):
    """Round to the nearest multiple of ``2**lsbs_to_remove`` (ties up).

    The encrypted run folds the rounding into the table lookups after it. ``exactness``
    (default: ``Configuration.rounding_exactness``): ``Exactness.APPROXIMATE`` lets those
    lookups be off by one step near a rounding tie, for cheaper parameters, as Concrete's
    approximate rounding. ``overflow_protection`` is accepted: here the rounded value's
    range is measured, so its bit width always holds the carry.
    """
    if exactness is not None and not isinstance(exactness, Exactness):
        raise TypeError(f"exactness must be an fhe.Exactness, got {exactness!r}")
    if isinstance(lsbs_to_remove, AutoAdjuster):
        lsbs_to_remove = lsbs_to_remove.resolve(x)
    if not isinstance(x, Tracer):
        x = _check_plain(x)
    return _round(x, lsbs_to_remove, None if exactness is None else exactness.value)


def truncate_bit_pattern(x, lsbs_to_remove: int):
    """Clear the ``lsbs_to_remove`` lowest bits (``(x >> k) << k``): one table lookup."""
    if isinstance(lsbs_to_remove, AutoAdjuster):
        lsbs_to_remove = lsbs_to_remove.resolve(x)
    lsbs_to_remove = int(lsbs_to_remove)
    if lsbs_to_remove < 0:
        raise ValueError("lsbs_to_remove must be >= 0")
    if isinstance(x, Tracer):
        context = x._context
        node = context.add_node(OpKind.TRUNCATE_BIT_PATTERN, [x._node_id],
                                {"lsbs_to_remove": lsbs_to_remove})
        return wrap(context, node)
    return truncate_bits(_check_plain(x), lsbs_to_remove)
