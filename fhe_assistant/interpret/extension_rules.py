"""Clear rules of Concrete's extensions: bit extraction, truncation, assignment, run-time indexing.

Same contract as ``rules.py``: operands and results are batched (``(batch, *shape)``), the
rule is the executable specification that encrypted runs reproduce. Importing this module
registers the rules in ``RULES``.
"""
from __future__ import annotations

import numpy as np

from ..core.errors import EvaluationError
from ..ir.ops import OpKind
from .batching import broadcast_batch
from .rules import rule

#: Highest bit ``fhe.bits`` reads when a slice has no stop (as Concrete).
MAX_EXTRACTABLE_BIT = 63


def extract_bits(x: np.ndarray, bits) -> np.ndarray:
    """``fhe.bits(x)[bits]``: bit ``bits`` of ``x``, or the bits of a slice packed from bit 0.

    Negative values are read in two's complement; a slice without a stop is refused on them
    (it would need every bit up to the 63rd).
    """
    x = np.asarray(x, dtype=np.int64)
    if isinstance(bits, (int, np.integer)):
        return (x >> np.int64(bits)) & 1
    step = bits.step or 1
    if bits.stop is None and step > 0 and np.any(x < 0):
        raise ValueError(f"Extracting bits without an upper bound (stop is None) isn't supported "
                         f"on signed values (e.g., {x.min()})")
    start = bits.start or 0
    stop = bits.stop if bits.stop is not None else (MAX_EXTRACTABLE_BIT if step > 0 else -1)
    result = np.zeros_like(x)
    for position, bit in enumerate(range(start, stop, step)):
        if bit > MAX_EXTRACTABLE_BIT:
            break
        result += ((x >> np.int64(bit)) & 1) << np.int64(position)
    return result


@rule(OpKind.EXTRACT_BITS)
def _extract_bits(node, args):
    return extract_bits(args[0], node.attrs["bits"])


def truncate_bits(x: np.ndarray, lsbs_to_remove: int) -> np.ndarray:
    """Set the ``lsbs_to_remove`` lowest bits to zero (round toward minus infinity)."""
    if lsbs_to_remove == 0:
        return x
    return (x >> np.int64(lsbs_to_remove)) << np.int64(lsbs_to_remove)


@rule(OpKind.TRUNCATE_BIT_PATTERN)
def _truncate_bit_pattern(node, args):
    return truncate_bits(args[0], node.attrs["lsbs_to_remove"])


def _samples_last(value: np.ndarray, batch: int) -> np.ndarray:
    """The batch axis moved last (where numpy indexing leaves it in place), broadcast."""
    if value.shape[0] != batch:
        value = np.broadcast_to(value, (batch,) + value.shape[1:])
    return np.moveaxis(value, 0, -1)


@rule(OpKind.ASSIGN)
def _assign(node, args):
    """``x[index] = value`` on a copy of ``x`` (the value broadcasts to the selection)."""
    target, value = broadcast_batch(args)
    out = np.moveaxis(target, 0, -1).copy()
    out[tuple(node.attrs["index"])] = np.moveaxis(value, 0, -1)
    return np.moveaxis(out, -1, 0)


def resolve_index(index: tuple, runtime: list) -> tuple:
    """Replace the run-time positions (``RuntimeIndex(k)``) by the k-th clear index value."""
    def value(e):
        array = np.asarray(runtime[e.position], dtype=np.int64)
        return int(array) if array.ndim == 0 else array

    return tuple(value(e) if isinstance(e, RuntimeIndex) else e for e in index)


class RuntimeIndex:
    """Marks the place in an index filled by a clear run-time operand (``DYNAMIC_*`` ops)."""

    __slots__ = ("position",)

    def __init__(self, position: int):
        self.position = position

    def __eq__(self, other):
        return isinstance(other, RuntimeIndex) and other.position == self.position

    def __hash__(self):
        return hash(("RuntimeIndex", self.position))

    def __repr__(self) -> str:
        return f"i{self.position}"


def _runtime_values(node, indices: list[np.ndarray]) -> list[np.ndarray]:
    for value in indices:
        if value.dtype.kind not in "iu":
            raise EvaluationError(f"%{node.id} = {node.op.value}: run-time indices are "
                                  f"integers, got {value.dtype}")
    return indices


def _per_sample(node, moved: np.ndarray, indices: list[np.ndarray], apply) -> np.ndarray:
    """Apply ``apply(sample_array, index)`` per sample, or once when indices are shared."""
    index = node.attrs["index"]
    if all(i.shape[0] == 1 for i in indices):
        return apply(moved, resolve_index(index, [i[0] for i in indices]), None)
    batch = max(i.shape[0] for i in indices)
    results = [apply(moved, resolve_index(index, [i[min(s, i.shape[0] - 1)] for i in indices]), s)
               for s in range(batch)]
    return np.stack(results, axis=-1)


@rule(OpKind.DYNAMIC_INDEX)
def _dynamic_index(node, args):
    """``x[index]`` where some index entries are clear values known at run time."""
    x, indices = args[0], _runtime_values(node, args[1:])
    moved = np.moveaxis(x, 0, -1)

    def apply(array, index, sample):
        if sample is None:
            return array[index]
        return array[..., min(sample, array.shape[-1] - 1)][index]

    result = _per_sample(node, moved, indices, apply)
    return np.moveaxis(result, -1, 0)


@rule(OpKind.DYNAMIC_ASSIGN)
def _dynamic_assign(node, args):
    """``x[index] = value`` where some index entries are clear values known at run time."""
    batch = max(a.shape[0] for a in args)
    target = _samples_last(args[0], max(args[0].shape[0], args[1].shape[0]))
    value = _samples_last(args[1], target.shape[-1])
    indices = _runtime_values(node, args[2:])

    def apply(array, index, sample):
        if sample is None:
            out = array.copy()
            out[index] = value
            return out
        out = array[..., min(sample, array.shape[-1] - 1)].copy()
        out[index] = value[..., min(sample, value.shape[-1] - 1)]
        return out

    if batch > target.shape[-1] and all(i.shape[0] == 1 for i in indices):
        target = _samples_last(args[0], batch)
    result = _per_sample(node, target, indices, apply)
    return np.moveaxis(result, -1, 0)


@rule(OpKind.DYNAMIC_TLU)
def _dynamic_tlu(node, args):
    """``table[x]`` per sample: the table is a clear 1-D value known at run time."""
    table, index = broadcast_batch(args)
    size = table.shape[1]
    if index.size and (index.min() < -size or index.max() >= size):
        raise EvaluationError(f"%{node.id} = dynamic_tlu: indices {int(index.min())}.."
                              f"{int(index.max())} are outside a table of {size} entries")
    flat = index.reshape(index.shape[0], -1)
    return np.take_along_axis(table, np.mod(flat, size), axis=1).reshape(index.shape)


@rule(OpKind.MULTIVARIATE)
def _multivariate(node, args):
    """``function(*values)`` on each sample's values, broadcast against each other.

    The function sees one sample's arrays in their own shapes, as in Concrete (which
    tabulates it one combination of input values at a time), so functions that index or
    assign positions (``result[0] -= z``) mean the same as in numpy; one call per sample.
    """
    function = node.attrs["function"]
    shape = np.broadcast_shapes(*(v.shape[1:] for v in args))
    batch = max(v.shape[0] for v in args)
    results = []
    with np.errstate(all="ignore"):
        for sample in range(batch):
            values = [v[sample] if v.shape[0] > 1 else v[0] for v in args]
            try:
                result = np.asarray(function(*values))
            except ValueError as error:  # `v if flag else 0`: a function of scalars
                if "truth value" not in str(error):
                    raise
                result = np.asarray(np.vectorize(function, otypes=[np.int64])(*values))
            results.append(np.broadcast_to(result, shape))
    result = np.stack(results)
    return result.astype(np.int64) if result.dtype.kind in "bu" else result
