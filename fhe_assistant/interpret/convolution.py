"""Convolution on batches (ONNX ``Conv`` / ``fhe.conv`` semantics), exact on integers.

One function serves the clear rule and the encrypted executor: it only pads with zeros,
slices, and multiplies-and-adds with ``einsum``, so on ``uint64`` ciphertexts (coefficient
axis first, in place of the batch axis) it computes the same linear map modulo ``2**64``.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def conv_output_shape(spatial: Sequence[int], kernel: Sequence[int], strides: Sequence[int],
                      pads: Sequence[int], dilations: Sequence[int]) -> tuple[int, ...]:
    """Spatial output shape; ``pads`` is ONNX's ``(begin_0, …, begin_d, end_0, …, end_d)``."""
    d = len(kernel)
    return tuple((spatial[i] + pads[i] + pads[i + d] - dilations[i] * (kernel[i] - 1) - 1)
                 // strides[i] + 1 for i in range(d))


def conv_attributes(kernel_rank: int, strides=None, pads=None, dilations=None, groups=1
                    ) -> dict:
    """Complete, validated attributes of a ``kernel_rank``-D convolution."""
    strides = tuple(int(s) for s in (strides or (1,) * kernel_rank))
    dilations = tuple(int(s) for s in (dilations or (1,) * kernel_rank))
    pads = tuple(int(p) for p in (pads or (0,) * (2 * kernel_rank)))
    if len(strides) != kernel_rank or len(dilations) != kernel_rank \
            or len(pads) != 2 * kernel_rank:
        raise ValueError(f"a {kernel_rank}-D convolution needs {kernel_rank} strides and "
                         f"dilations and {2 * kernel_rank} pads, got {strides}, {dilations}, "
                         f"{pads}")
    if min(strides + dilations) < 1 or min(pads, default=0) < 0 or int(groups) < 1:
        raise ValueError("strides, dilations and groups must be >= 1, pads >= 0")
    return {"strides": strides, "pads": pads, "dilations": dilations, "groups": int(groups)}


def conv_batched(x: np.ndarray, weight: np.ndarray, strides, pads, dilations, groups: int
                 ) -> np.ndarray:
    """``x``: ``(batch, [N,] C, *spatial)``; ``weight``: ``(M, C / groups, *kernel)`` (a
    batch of one in front is accepted); result ``(batch, [N,] M, *out)``."""
    d = len(strides)
    if weight.ndim == d + 3:           # a clear operand batched by the interpreter
        weight = weight[0]
    if x.ndim > d + 2:                 # leading axes (a batch inside the sample: ``fhe.conv``)
        leading = x.shape[:x.ndim - d - 1]
        flat = conv_batched(x.reshape((-1,) + x.shape[x.ndim - d - 1:]), weight, strides, pads,
                            dilations, groups)
        return flat.reshape(leading + flat.shape[1:])
    batch, channels = x.shape[:2]
    out_channels, kernel = weight.shape[0], weight.shape[2:]
    if x.ndim != d + 2 or channels != weight.shape[1] * groups or out_channels % groups:
        raise ValueError(f"conv of input {x.shape[1:]} with weight {weight.shape} and "
                         f"groups={groups}: the input needs {d + 1} axes (channels first) and "
                         f"weight.shape[1] * groups input channels")
    padded = np.pad(x, [(0, 0), (0, 0)] + [(pads[i], pads[i + d]) for i in range(d)])
    out = conv_output_shape(x.shape[2:], kernel, strides, pads, dilations)
    if min(out) < 1:
        raise ValueError(f"the kernel {tuple(kernel)} (dilations {tuple(dilations)}) is larger "
                         f"than the padded input {padded.shape[2:]}")
    columns = []
    for offsets in np.ndindex(*kernel):
        window = tuple(slice(o * dilations[i], o * dilations[i] + strides[i] * (out[i] - 1) + 1,
                             strides[i]) for i, o in enumerate(offsets))
        columns.append(padded[(slice(None), slice(None)) + window])
    patches = np.stack(columns, axis=2)                     # (batch, C, K, *out)
    per_group = channels // groups
    patches = patches.reshape((batch, groups, per_group, len(columns)) + out)
    grouped = weight.reshape(groups, out_channels // groups, per_group, len(columns))
    if patches.dtype != grouped.dtype:
        common = np.result_type(patches, grouped)
        patches, grouped = patches.astype(common), grouped.astype(common)
    result = np.einsum("bgck...,gmck->bgm...", patches, grouped)
    return result.reshape((batch, out_channels) + out)
