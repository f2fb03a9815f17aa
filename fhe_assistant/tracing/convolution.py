"""``fhe.conv`` and ``fhe.maxpool``, with Concrete's signatures (ONNX's attribute names).

``x`` is ``(N, C, *spatial)`` (1-D or 2-D) as in Concrete. ``conv`` is one ``conv`` node
(leveled: a linear map with clear weights) plus a bias addition; ``max_of_windows`` (for
``fhe.maxpool``, in ``pooling.py``) is a tree of pairwise maxima over strided windows of ``x``,
which is how Concrete lowers it too (each maximum of two encrypted values becomes table
lookups). On numpy arrays both compute the result directly.
"""
from __future__ import annotations

import numpy as np

from ..core.errors import TracingError
from ..core.location import user_location
from ..interpret.convolution import conv_attributes, conv_batched
from ..ir.ops import OpKind
from .tracer import Tracer, as_operand, wrap


def _refuse(message: str) -> TracingError:
    return TracingError(message, user_location(), hint="see the ONNX operator's definition "
                                                       "(Conv, MaxPool)")


def _check(x, d: int, what: str) -> None:
    if np.ndim(x) != d + 2:
        raise _refuse(f"{what} of a {d}-D kernel expects x of shape (N, C, "
                      f"{', '.join('D' + str(i) for i in range(d))}), got {np.shape(x)}")


def conv(x, weight, bias=None, pads=None, strides=None, dilations=None, kernel_shape=None,
         group: int = 1, auto_pad: str = "NOTSET"):
    """Convolution of ``x`` ``(N, C, *spatial)`` with constant ``weight`` ``(M, C / group,
    *kernel)`` and optional ``bias`` ``(M,)``; ``pads`` as ONNX (all begins, then all ends)."""
    if isinstance(weight, Tracer) or isinstance(bias, Tracer):
        raise _refuse("fhe.conv needs constant (clear, not traced) weight and bias")
    weight = np.asarray(weight)
    d = weight.ndim - 2
    if d not in (1, 2):
        raise _refuse(f"fhe.conv supports 1-D and 2-D kernels, got weight of shape "
                      f"{weight.shape}")
    if kernel_shape is not None and tuple(kernel_shape) != weight.shape[2:]:
        raise _refuse(f"kernel_shape {tuple(kernel_shape)} disagrees with the weight's "
                      f"{weight.shape[2:]}")
    if auto_pad not in ("NOTSET", "VALID"):
        raise _refuse(f"auto_pad={auto_pad!r} is not supported: give explicit pads")
    _check(x, d, "fhe.conv")
    try:
        attrs = conv_attributes(d, strides, pads, dilations, group)
    except ValueError as error:
        raise _refuse(str(error)) from None
    if np.shape(x)[1] != weight.shape[1] * attrs["groups"] or weight.shape[0] % attrs["groups"]:
        raise _refuse(f"x has {np.shape(x)[1]} channels; weight {weight.shape} with group="
                      f"{attrs['groups']} expects {weight.shape[1] * attrs['groups']}")
    if isinstance(x, Tracer):
        context = x._context
        node = context.add_node(OpKind.CONV, [x._node_id, as_operand(context, weight)], attrs)
        result = wrap(context, node)
    else:
        result = conv_batched(np.asarray(x)[None], weight, attrs["strides"], attrs["pads"],
                              attrs["dilations"], attrs["groups"])[0]
    if bias is not None:
        result = result + np.asarray(bias).reshape((-1,) + (1,) * d)
    return result



def max_of_windows(x, kernel, strides=None, dilations=None, axis: int = 2):
    """Maximum over the ``kernel`` windows of the axes of ``x`` from ``axis`` on (a tree of
    pairwise ``np.maximum`` of strided slices: works on tracers and arrays)."""
    d = len(kernel)
    strides = tuple(int(s) for s in (strides or kernel))
    dilations = tuple(int(s) for s in (dilations or (1,) * d))
    spatial = np.shape(x)[axis:]
    out = [(spatial[i] - dilations[i] * (kernel[i] - 1) - 1) // strides[i] + 1 for i in range(d)]
    if min(out) < 1:
        raise _refuse(f"the window {tuple(kernel)} is larger than the input {spatial}")
    windows = []
    for offsets in np.ndindex(*kernel):
        index = (slice(None),) * axis + tuple(
            slice(o * dilations[i], o * dilations[i] + strides[i] * (out[i] - 1) + 1, strides[i])
            for i, o in enumerate(offsets))
        windows.append(x[index])
    while len(windows) > 1:
        pairs = [np.maximum(windows[i], windows[i + 1]) for i in range(0, len(windows) - 1, 2)]
        windows = pairs + ([windows[-1]] if len(windows) % 2 else [])
    return windows[0]
