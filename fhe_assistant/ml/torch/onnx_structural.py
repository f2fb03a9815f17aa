"""ONNX's linear and data-movement ops on one sample of an encrypted value.

An imported model is traced per sample: ONNX's batch axis (axis 0, of size 1 in torch's
export) is dropped from encrypted values, so axes shift by one and the batch axis itself
may not be reshaped, transposed or reduced. Each handler takes ``(inputs, attrs)``, where
inputs are tracers (encrypted, one sample) or numpy arrays (clear, ONNX's full shape), and
returns the output tracer; :class:`UnsupportedUse` says why a node cannot be traced.
"""
from __future__ import annotations

import numpy as np

from ...interpret.convolution import conv_attributes
from ...ir.ops import OpKind
from ...tracing.convolution import max_of_windows
from ...tracing.tracer import Tracer, as_operand, wrap


class UnsupportedUse(Exception):
    """A supported op used in a way that cannot run per sample (it names the reason)."""


def sample_axis(axis: int, onnx_rank: int) -> int:
    """ONNX axis of a batched tensor → axis of one sample (the batch axis is refused)."""
    axis = int(axis) + onnx_rank if int(axis) < 0 else int(axis)
    if axis == 0:
        raise UnsupportedUse("it acts on the batch axis (axis 0); each sample is encrypted "
                             "separately")
    return axis - 1


def per_sample(constant: np.ndarray, sample_rank: int) -> np.ndarray:
    """A clear operand of a batched op, without its leading batch axis of one."""
    constant = np.asarray(constant)
    while constant.ndim > sample_rank and constant.shape[0] == 1:
        constant = constant[0]
    if constant.ndim > sample_rank:
        raise UnsupportedUse(f"its constant operand of shape {constant.shape} varies along "
                             f"the batch axis")
    return constant


def gemm(inputs, attrs):
    a, b = inputs[0], inputs[1]
    if not isinstance(a, Tracer) or isinstance(b, Tracer) or attrs.get("transA", 0):
        raise UnsupportedUse("only Gemm of an encrypted input by constant weights (transA=0) "
                             "is supported")
    b = np.asarray(b, dtype=np.float64)
    b = b.T if attrs.get("transB", 0) else b
    result = a @ (b * attrs.get("alpha", 1.0))
    if len(inputs) > 2 and inputs[2] is not None:
        result = result + attrs.get("beta", 1.0) * per_sample(inputs[2], 1)
    return result


def matmul(inputs, attrs):
    a, b = inputs
    if isinstance(b, Tracer) and not isinstance(a, Tracer) and b.ndim < 2:
        raise UnsupportedUse("a constant times a batch of vectors contracts the batch axis")
    a = a if isinstance(a, Tracer) else np.asarray(a, dtype=np.float64)
    b = b if isinstance(b, Tracer) else np.asarray(b, dtype=np.float64)
    return a @ b


def conv(inputs, attrs):
    x, weight = inputs[0], inputs[1]
    if not isinstance(x, Tracer) or isinstance(weight, Tracer):
        raise UnsupportedUse("only a convolution of an encrypted input with constant weights "
                             "is supported")
    weight = np.asarray(weight, dtype=np.float64)
    if attrs.get("auto_pad", "NOTSET") not in ("NOTSET", "VALID"):
        raise UnsupportedUse("auto_pad SAME_UPPER/SAME_LOWER: export with explicit padding")
    d = weight.ndim - 2
    if d not in (1, 2):
        raise UnsupportedUse(f"{d}-D convolutions are not supported (1-D and 2-D are)")
    parameters = conv_attributes(d, attrs.get("strides"), attrs.get("pads"),
                                 attrs.get("dilations"), attrs.get("group", 1))
    context = x._context
    node = context.add_node(OpKind.CONV, [x._node_id, as_operand(context, weight)], parameters)
    result = wrap(context, node)
    if len(inputs) > 2 and inputs[2] is not None:
        bias = np.asarray(inputs[2], dtype=np.float64)
        result = result + bias.reshape((-1,) + (1,) * d)
    return result


def average_pool(inputs, attrs):
    x = inputs[0]
    kernel = tuple(attrs["kernel_shape"])
    d = len(kernel)
    if attrs.get("ceil_mode", 0):
        raise UnsupportedUse("ceil_mode=1 is not supported")
    pads = tuple(attrs.get("pads") or (0,) * (2 * d))
    if any(pads) and not attrs.get("count_include_pad", 0):
        raise UnsupportedUse("padding without count_include_pad: the divisor would vary at "
                             "the borders")
    channels = x.shape[0]
    ones = np.ones((channels, 1) + kernel)
    summed = conv([x, ones], {"strides": attrs.get("strides"), "pads": pads,
                              "group": channels})
    return summed / float(np.prod(kernel))


def _pad_with_edges(x, axis: int, before: int, after: int):
    """Repeat the first / last slice along ``axis`` (a tracer or an array)."""
    if not (before or after):
        return x
    index = (slice(None),) * axis
    first, last = x[index + (slice(0, 1),)], x[index + (slice(-1, None),)]
    return np.concatenate([first] * before + [x] + [last] * after, axis=axis)


def max_pool(inputs, attrs):
    """A tree of pairwise maxima over strided windows (as Concrete lowers ``fhe.maxpool``).

    ONNX pads MaxPool with −∞. With unit dilation and pads smaller than the kernel, every
    window that reaches into the padding also holds the nearest edge element, so padding
    with copies of the edge gives the same maxima (and stays in the values' range).
    ``ceil_mode`` adds the last, partial windows as torch does (a window must start inside
    the input or its left padding); they are padded the same way.
    """
    x = inputs[0]
    kernel = tuple(int(k) for k in attrs["kernel_shape"])
    d = len(kernel)
    strides = tuple(int(s) for s in (attrs.get("strides") or (1,) * d))  # ONNX default: 1
    dilations = tuple(int(s) for s in (attrs.get("dilations") or (1,) * d))
    pads = tuple(int(p) for p in (attrs.get("pads") or (0,) * (2 * d)))
    ceil_mode = bool(attrs.get("ceil_mode", 0))
    if attrs.get("auto_pad", "NOTSET") not in ("NOTSET", "VALID"):
        raise UnsupportedUse("auto_pad SAME_UPPER/SAME_LOWER: export with explicit padding")
    if attrs.get("storage_order", 0):
        raise UnsupportedUse("storage_order=1 (column-major indices) is not supported")
    if (any(pads) or ceil_mode) and any(s != 1 for s in dilations):
        raise UnsupportedUse("padding or ceil_mode with dilation > 1 is not supported")
    if any(p >= kernel[i % d] for i, p in enumerate(pads)):
        raise UnsupportedUse(f"pads {list(pads)} reach a whole kernel {list(kernel)} "
                             f"into the padding")
    spatial = x.shape[1:]
    after = list(pads[d:])
    for i in range(d):
        span = dilations[i] * (kernel[i] - 1) + 1
        total = spatial[i] + pads[i] + pads[d + i]
        if ceil_mode and total >= span:
            count = -(-(total - span) // strides[i]) + 1
            if (count - 1) * strides[i] >= spatial[i] + pads[i]:
                count -= 1
            after[i] += max(0, (count - 1) * strides[i] + span - total)
    for i in range(d):
        x = _pad_with_edges(x, i + 1, pads[i], after[i])
    return max_of_windows(x, kernel, strides, dilations, axis=1)


def global_average_pool(inputs, attrs):
    x = inputs[0]
    axes = tuple(range(1, x.ndim))
    return np.sum(x, axis=axes, keepdims=True) / float(np.prod(x.shape[1:]))


def flatten(inputs, attrs):
    if attrs.get("axis", 1) != 1:
        raise UnsupportedUse("only Flatten(axis=1) keeps samples apart")
    return np.reshape(inputs[0], (-1,))


def reshape(inputs, attrs):
    x, shape = inputs[0], [int(s) for s in np.asarray(inputs[1])]
    if not shape or shape[0] not in (1, -1, 0):
        raise UnsupportedUse(f"Reshape to {shape} mixes samples (its first dimension must be "
                             f"the batch: 1, -1 or 0)")
    target = [x.shape[i - 1] if s == 0 and not attrs.get("allowzero", 0) else s
              for i, s in enumerate(shape)][1:]
    if shape[0] == -1 and -1 in target:
        raise UnsupportedUse(f"Reshape to {shape} has two unknown dimensions")
    return np.reshape(x, tuple(target))


def transpose(inputs, attrs):
    x = inputs[0]
    perm = attrs.get("perm") or list(reversed(range(x.ndim + 1)))
    if perm[0] != 0:
        raise UnsupportedUse(f"Transpose with perm {list(perm)} moves the batch axis")
    return np.transpose(x, tuple(p - 1 for p in perm[1:]))


def concat(inputs, attrs):
    rank = max(v.ndim for v in inputs if isinstance(v, Tracer))
    axis = sample_axis(attrs["axis"], rank + 1)
    parts = [v if isinstance(v, Tracer) else per_sample(v, rank) for v in inputs]
    return np.concatenate(parts, axis=axis)


def _axes(inputs, attrs):
    axes = attrs.get("axes")
    if axes is None and len(inputs) > 1 and inputs[1] is not None:
        axes = [int(a) for a in np.asarray(inputs[1])]
    return axes


def squeeze(inputs, attrs):
    x, axes = inputs[0], _axes(inputs, attrs)
    if axes is None:
        return np.squeeze(x)
    return np.squeeze(x, axis=tuple(sample_axis(a, x.ndim + 1) for a in axes))


def unsqueeze(inputs, attrs):
    x, axes = inputs[0], _axes(inputs, attrs)
    rank = x.ndim + 1 + len(axes)
    return np.expand_dims(x, tuple(sorted(sample_axis(a, rank) for a in axes)))


def batch_normalization(inputs, attrs):
    """Inference batch norm: ``x * a + b`` per channel, a map change (folded away)."""
    x, scale, bias, mean, var = inputs[:5]
    a = np.asarray(scale) / np.sqrt(np.asarray(var) + attrs.get("epsilon", 1e-5))
    b = np.asarray(bias) - np.asarray(mean) * a
    shape = (-1,) + (1,) * (x.ndim - 1)
    return x * a.reshape(shape) + b.reshape(shape)


def pad(inputs, attrs):
    """Constant padding as concatenations with clear blocks (exact on quantized values)."""
    x = inputs[0]
    pads = [int(p) for p in np.asarray(inputs[1] if len(inputs) > 1 else attrs["pads"])]
    value = float(np.asarray(inputs[2])) if len(inputs) > 2 and inputs[2] is not None \
        else float(attrs.get("value", 0.0))
    if attrs.get("mode", "constant") != "constant" or (len(inputs) > 3 and inputs[3] is not None):
        raise UnsupportedUse("only constant padding of every axis is supported")
    rank = x.ndim + 1
    if pads[0] or pads[rank] or min(pads) < 0:
        raise UnsupportedUse(f"pads {pads} pad the batch axis or crop")
    for axis in range(1, rank):
        before, after = pads[axis], pads[axis + rank]
        if not before and not after:
            continue
        parts = []
        for size in (before, after):
            shape = list(x.shape)
            shape[axis - 1] = size
            parts.append(np.full(shape, value) if size else None)
        x = np.concatenate([p for p in (parts[0], x, parts[1]) if p is not None], axis=axis - 1)
    return x


#: ONNX op type → handler of a node with at least one encrypted input.
STRUCTURAL = {
    "Gemm": gemm, "MatMul": matmul, "Conv": conv, "AveragePool": average_pool,
    "MaxPool": max_pool, "GlobalAveragePool": global_average_pool, "Flatten": flatten,
    "Reshape": reshape, "Transpose": transpose, "Concat": concat, "Squeeze": squeeze,
    "Unsqueeze": unsqueeze, "BatchNormalization": batch_normalization, "Pad": pad,
}
