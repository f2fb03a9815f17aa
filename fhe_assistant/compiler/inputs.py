"""Turning user inputsets and arguments into batched int64 arrays, with clear errors."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from ..core.errors import InputError


def _as_integer_array(value, name: str, where: str) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype == object:
        raise InputError(f"{where}: {name!r} is not a numeric value ({type(value).__name__})")
    if array.dtype.kind == "b":
        return array.astype(np.int64)
    if array.dtype.kind == "f":
        if array.size and not np.all(np.isfinite(array)):
            raise InputError(f"{where}: {name!r} contains NaN or infinity; inputs must be integers")
        if array.size and not np.all(np.equal(np.mod(array, 1), 0)):
            bad = array[np.not_equal(np.mod(array, 1), 0)].flat[0]
            raise InputError(f"{where}: {name!r} contains the non-integer {bad}; FHE inputs are "
                             f"integers (quantize floats first, e.g. with fhe_assistant.quantize)")
        return array.astype(np.int64)
    if array.dtype.kind not in "iu":
        raise InputError(f"{where}: {name!r} has dtype {array.dtype}; inputs must be integers")
    if array.dtype == np.uint64 and array.size and array.max() > np.iinfo(np.int64).max:
        raise InputError(f"{where}: {name!r} exceeds the int64 range")
    return array.astype(np.int64, copy=False)


def stack_inputset(inputset, names: Sequence[str]) -> list[np.ndarray]:
    """One ``(samples, *shape)`` int64 array per parameter.

    A single-parameter inputset may be a numpy array (samples along axis 0: the fast path)
    or any iterable of values; with several parameters each sample is a tuple.
    """
    if isinstance(inputset, np.ndarray) and len(names) == 1:
        if inputset.ndim == 0 or len(inputset) == 0:
            raise InputError("the inputset is empty: give at least one sample")
        return [_as_integer_array(inputset, names[0], "inputset")]
    if not isinstance(inputset, Iterable):
        raise InputError(f"the inputset must be an iterable of samples, got "
                         f"{type(inputset).__name__}")
    samples = list(inputset)
    if not samples:
        raise InputError("the inputset is empty: give at least one sample")
    columns: list[list[np.ndarray]] = [[] for _ in names]
    for index, sample in enumerate(samples):
        if len(names) == 1:
            values = sample if isinstance(sample, tuple) and len(sample) == 1 else (sample,)
        else:
            if not isinstance(sample, (tuple, list)) or len(sample) != len(names):
                got = len(sample) if isinstance(sample, (tuple, list)) else 1
                raise InputError(f"inputset sample {index} has {got} value(s) but the function "
                                 f"takes {len(names)} ({', '.join(names)}): give tuples")
            values = sample
        for column, name, value in zip(columns, names, values):
            column.append(_as_integer_array(value, name, f"inputset sample {index}"))
    stacked = []
    for name, column in zip(names, columns):
        first = column[0].shape
        for index, value in enumerate(column):
            if value.shape != first:
                raise InputError(f"inputset sample {index} gives {name!r} the shape {value.shape} "
                                 f"but sample 0 gives {first}: all samples need the same shape")
        stacked.append(np.stack(column))
    return stacked


def batch_arguments(args: Sequence, names: Sequence[str], shapes: Sequence[tuple[int, ...]]
                    ) -> tuple[list[np.ndarray], bool]:
    """Arguments of one call as batches; a leading extra axis on every argument means a batch.

    A single tuple holding one value per parameter (what ``quantize_inputs`` returns for
    several inputs) is taken as the arguments."""
    if len(args) == 1 and len(names) > 1 and isinstance(args[0], tuple) \
            and len(args[0]) == len(names):
        args = args[0]
    if len(args) != len(names):
        raise InputError(f"expected {len(names)} argument(s) ({', '.join(names)}), "
                         f"got {len(args)}")
    arrays = [_as_integer_array(a, n, "argument") for a, n in zip(args, names)]
    batched = [a.ndim == len(s) + 1 and tuple(a.shape[1:]) == tuple(s)
               for a, s in zip(arrays, shapes)]
    single = [tuple(a.shape) == tuple(s) for a, s in zip(arrays, shapes)]
    if all(single):
        return [a[None] for a in arrays], False
    if all(batched) and len({a.shape[0] for a in arrays}) == 1:
        return arrays, True
    for array, name, shape in zip(arrays, names, shapes):
        if tuple(array.shape) != tuple(shape) and tuple(array.shape[1:]) != tuple(shape):
            raise InputError(f"argument {name!r} has shape {array.shape}; the circuit expects "
                             f"{shape} (or a batch of shape (n, {', '.join(map(str, shape))}))")
    raise InputError("mix of single and batched arguments: batch all of them or none")
