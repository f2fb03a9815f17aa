"""Formatting constants and indices as Concrete's printed graphs do."""
from __future__ import annotations

from collections.abc import Hashable

import numpy as np

#: numpy types printed by name.
SPECIAL_OBJECT_MAPPING = {kind: np.dtype(kind).name if kind not in (np.byte, np.short, np.intc,
                                                                      np.int_, np.longlong,
                                                                      np.ubyte, np.ushort,
                                                                      np.uintc, np.uint,
                                                                      np.ulonglong)
                          else kind.__name__ for kind in (
    np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8,
    np.uint16, np.uint32, np.uint64)}
SPECIAL_OBJECT_MAPPING.update({np.byte: "byte", np.short: "short", np.intc: "intc",
                               np.int_: "int_", np.longlong: "longlong", np.ubyte: "ubyte",
                               np.ushort: "ushort", np.uintc: "uintc", np.uint: "uint",
                               np.ulonglong: "ulonglong"})


def format_constant(constant, maximum_length: int = 45, keep_newlines: bool = False) -> str:
    """``str(constant)`` shortened to ``maximum_length`` as ``start ... end``."""
    if isinstance(constant, Hashable) and constant in SPECIAL_OBJECT_MAPPING:
        return SPECIAL_OBJECT_MAPPING[constant]
    if maximum_length < 7:
        raise AssertionError("maximum_length must be at least 7")
    result = str(constant)
    if not keep_newlines:
        result = result.replace("\n", "")
    if len(result) > maximum_length:
        from_start = (maximum_length - 5) // 2
        from_end = (maximum_length - 5) - from_start
        if keep_newlines and "\n" in result:
            return f"{result[:from_start]}\n...\n{result[-from_end:]}"
        return f"{result[:from_start]} ... {result[-from_end:]}"
    return result


def format_indexing_element(element) -> str:
    """An index element as written in source: ``2``, ``1:3``, ``::-1``."""
    if isinstance(element, slice):
        text = ("" if element.start is None else str(element.start)) + ":" + \
            ("" if element.stop is None else str(element.stop))
        if element.step is not None:
            text += f":{element.step}"
        return text
    return str(element)
