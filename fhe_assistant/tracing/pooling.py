"""``fhe.maxpool`` (ONNX MaxPool, as Concrete supports it) built from traced numpy ops.

The pooled value is a balanced tree of ``np.maximum`` over the kernel offsets, each offset a
strided slice of the input: on encrypted inputs one lookup per pair and output element
(``maximum(a, b) = b + relu(a − b)``). Symmetric padding repeats the edge values: with unit
dilation every window that reaches into the padding also holds the edge value, so the maximum
is that of the real elements, as with ONNX's −∞ padding.
"""
from __future__ import annotations

import numpy as np

from .convolution import max_of_windows
from .tracer import Tracer

AUTO_PADS = ("NOTSET", "SAME_LOWER", "SAME_UPPER", "VALID")


def int_tuple(name: str, value, size: int) -> tuple[int, ...]:
    """``value`` as a tuple of ``size`` ints, with Concrete's messages when it is not one."""
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"Expected {name} to be a tuple or a list but it's {type(value).__name__}")
    for element in value:
        if not isinstance(element, (int, np.integer)):
            raise TypeError(f"Expected {name} to consist of integers but it has an element of "
                            f"type {type(element).__name__}")
    if len(value) != size:
        raise ValueError(f"Expected {name} to have {size} elements but it has {len(value)}")
    return tuple(int(v) for v in value)


def _check_input(x):
    if isinstance(x, np.ndarray):
        if not (np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)
                or x.dtype == np.bool_):
            raise TypeError(f"Expected input elements to be of type np.integer, np.floating, or "
                            f"np.bool_ but it's {type(x.dtype).__name__}")
    elif not isinstance(x, Tracer):
        raise TypeError(f"Expected input to be of type np.ndarray or Tracer but it's "
                        f"{type(x).__name__}")
    if x.ndim < 3:
        raise ValueError(f"Expected input to have at least 3 dimensions (N, C, D1, ...) but it "
                         f"only has {x.ndim}")
    if x.ndim > 5:
        raise NotImplementedError(f"{x.ndim - 2}D maximum pooling is not supported yet")


def _check_options(auto_pad, ceil_mode, storage_order) -> None:
    if not isinstance(auto_pad, str):
        raise TypeError(f"Expected auto_pad to be of type str but it's {type(auto_pad).__name__}")
    if auto_pad not in AUTO_PADS:
        raise ValueError(f"Expected auto_pad to be one of {', '.join(sorted(AUTO_PADS))} "
                         f"but it's {auto_pad}")
    if auto_pad != "NOTSET":
        raise NotImplementedError(f"Desired auto_pad of {auto_pad} is not supported yet")
    for name, value in (("ceil_mode", ceil_mode), ("storage_order", storage_order)):
        if not isinstance(value, int):
            raise TypeError(f"Expected {name} to be of type int but it's {type(value).__name__}")
        if value not in (0, 1):
            raise ValueError(f"Expected {name} to be one of 0, 1 but it's {value}")
        if value != 0:
            raise NotImplementedError(f"Desired {name} of {value} is not supported yet")


def _pad_edges(x, axis: int, pad: int):
    if pad == 0:
        return x
    index = (slice(None),) * axis
    first, last = x[index + (slice(0, 1),)], x[index + (slice(-1, None),)]
    return np.concatenate([first] * pad + [x] + [last] * pad, axis=axis)



def maxpool(x, kernel_shape, strides=None, auto_pad: str = "NOTSET", pads=None, dilations=None,
            ceil_mode: int = 0, storage_order: int = 0):
    """Maximum over each window of the spatial axes of ``x`` (shape ``(N, C, D1, …)``)."""
    _check_input(x)
    dims = x.ndim - 2
    kernel = int_tuple("kernel_shape", kernel_shape, dims)
    strides = int_tuple("strides", strides if strides is not None else (1,) * dims, dims)
    pads = int_tuple("pads", pads if pads is not None else (0,) * 2 * dims, 2 * dims)
    dilations = int_tuple("dilations", dilations if dilations is not None else (1,) * dims, dims)
    _check_options(auto_pad, ceil_mode, storage_order)
    if pads[:dims] != pads[dims:]:
        raise NotImplementedError(f"Desired pads of {pads} is not supported yet because of "
                                  f"uneven padding")
    if any(pads) and any(d != 1 for d in dilations):
        raise NotImplementedError("padding together with dilations is not supported yet")
    for axis, pad in enumerate(pads[:dims]):
        x = _pad_edges(x, axis + 2, pad)
    return max_of_windows(x, kernel, strides, dilations, axis=2)
