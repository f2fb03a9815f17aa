"""Turning user inputsets and arguments into batched int64 arrays, with clear errors."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..core.dtypes import Integer
from ..core.errors import InputError
from ..core.values import ValueSpec


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


@dataclass(frozen=True)
class InputSlot:
    """What one parameter of a compiled program accepts.

    ``dtype`` is the widest integer the input holds without wrapping (for an encrypted
    input, its partition's precision: Concrete's assigned bit width); clear inputs are
    signless as in Concrete (an 8-bit clear input takes -128..255; a signed one its own
    range too). ``wraps=False`` checks
    shapes only (the exact simulation, where nothing wraps: ``dtype`` is then only shown).
    """

    name: str
    shape: tuple[int, ...]
    is_encrypted: bool
    dtype: Integer
    wraps: bool = True

    def type_text(self) -> str:
        return str(ValueSpec(self.dtype, self.shape, self.is_encrypted))

    @property
    def range(self) -> tuple[int, int] | None:
        if not self.wraps:
            return None
        if self.is_encrypted:
            return self.dtype.min, self.dtype.max
        return min(self.dtype.min, -(self.dtype.max // 2) - 1), self.dtype.max


def _unpack_tuple(args: Sequence, count: int) -> Sequence:
    """A single tuple holding one value per parameter (what ``quantize_inputs`` returns for
    several inputs) is taken as the arguments."""
    if len(args) == 1 and count > 1 and isinstance(args[0], tuple) and len(args[0]) == count:
        return args[0]
    return args


def _check_value(index: int, array: np.ndarray, slot: InputSlot, shape) -> None:
    """Concrete's refusal (``validate_input_args``): the same text, a ``ValueError``."""
    bounds = slot.range
    in_range = bounds is None or array.size == 0 or (
        bounds[0] <= array.min() and array.max() <= bounds[1])
    if tuple(array.shape) == tuple(shape) and in_range:
        return
    actual = (Integer.that_can_represent(array.min(), array.max()) if array.size
              else Integer(1, False))
    shown = str(ValueSpec(actual, tuple(array.shape), slot.is_encrypted))
    raise InputError(f"Expected argument {index} to be {slot.type_text()} but it's {shown}")


def _integer_arguments(args: Sequence, slots: Sequence[InputSlot]):
    """``(index, integer array, slot)`` per argument, once their count is right (each
    argument converted as it is reached, so the first bad one is the one named)."""
    args = _unpack_tuple(args, len(slots))
    if len(args) != len(slots):
        raise InputError(f"Expected {len(slots)} inputs but got {len(args)}")
    for index, (argument, slot) in enumerate(zip(args, slots)):
        yield index, _as_integer_array(argument, slot.name, "argument"), slot


def call_arguments(args: Sequence, slots: Sequence[InputSlot]) -> list[np.ndarray]:
    """The arguments of one call, checked as Concrete checks them, as batches of one.

    A wrong shape or a value beyond an input's bit width is refused, never taken for a
    batch or wrapped: batches go through :func:`batch_of_arguments`."""
    arrays = []
    for index, array, slot in _integer_arguments(args, slots):
        _check_value(index, array, slot, slot.shape)
        arrays.append(array[None])
    return arrays


def batch_of_arguments(args: Sequence, slots: Sequence[InputSlot]) -> list[np.ndarray]:
    """Arguments of a batched call: every argument has one leading axis of the same length
    (``circuit.simulate_batch``); each sample is checked as :func:`call_arguments` does."""
    arrays = []
    for index, array, slot in _integer_arguments(args, slots):
        if array.ndim != len(slot.shape) + 1:
            raise InputError(f"argument {index} ({slot.name!r}) of a batch has shape "
                             f"{array.shape}: expected (n, {', '.join(map(str, slot.shape))}) "
                             f"for n samples of {slot.type_text()}".replace(", )", ")"))
        _check_value(index, array, slot, (array.shape[0],) + tuple(slot.shape))
        arrays.append(array)
    if len({a.shape[0] for a in arrays}) > 1:
        raise InputError(f"the arguments of a batch hold different numbers of samples: "
                         f"{[a.shape[0] for a in arrays]}")
    return arrays
