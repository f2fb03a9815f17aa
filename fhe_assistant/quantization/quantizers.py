"""Uniform affine quantization: ``q = clip(round(x / scale + zero_point), qmin, qmax)``.

Dequantization is ``x ≈ (q - zero_point) * scale``. Quantizers are symmetric (zero point 0,
range ``±max|x|``) or asymmetric (``[min, max]`` mapped onto the whole integer range),
signed or unsigned, per tensor or per channel (one scale and zero point per index of
``channel_axis``), and calibrated from data or from an explicit range.

The zero point is an integer by default (the usual convention, needed when two quantized
values are multiplied); ``integer_zero_point=False`` keeps the exact real offset, so that a
range that does not contain 0 (tree thresholds, for instance) loses no resolution.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import InputError


def integer_range(n_bits: int, is_signed: bool) -> tuple[int, int]:
    """``(qmin, qmax)`` of an ``n_bits`` integer."""
    if is_signed:
        return -(1 << (n_bits - 1)), (1 << (n_bits - 1)) - 1
    return 0, (1 << n_bits) - 1


#: ``qmin`` / ``qmax`` of anything with ``n_bits`` and ``is_signed`` (quantizers, parameters).
_QMIN = property(lambda self: integer_range(self.n_bits, self.is_signed)[0],
                 doc="Smallest integer of the range.")
_QMAX = property(lambda self: integer_range(self.n_bits, self.is_signed)[1],
                 doc="Largest integer of the range.")


def _squeeze_leading(array: np.ndarray) -> np.ndarray:
    """Drop leading unit axes so that per-channel parameters broadcast against one sample."""
    while array.ndim > 1 and array.shape[0] == 1:
        array = array[0]
    if array.ndim == 1 and array.shape[0] == 1:
        array = array.reshape(())
    return array


@dataclass(frozen=True, eq=False)
class QuantizationParameters:
    """Scale and zero point (scalars or per-channel arrays) of an ``n_bits`` integer range."""

    scale: np.ndarray
    zero_point: np.ndarray
    n_bits: int
    is_signed: bool

    qmin = _QMIN
    qmax = _QMAX

    @property
    def is_per_channel(self) -> bool:
        return np.ndim(self.scale) > 0

    def quantize(self, values) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64)
        q = np.rint(values / self.scale + self.zero_point)
        return np.clip(q, self.qmin, self.qmax).astype(np.int64)

    def dequantize(self, qvalues) -> np.ndarray:
        return (np.asarray(qvalues, dtype=np.float64) - self.zero_point) * self.scale


class UniformQuantizer:
    """A uniform affine quantizer, calibrated on data (``calibrate``) or a range.

    Parameters
    ----------
    n_bits
        Width of the quantized integers.
    is_signed
        Integers in ``[-2**(n-1), 2**(n-1) - 1]`` instead of ``[0, 2**n - 1]``.
    is_symmetric
        Zero point 0 and a range symmetric around 0 (``-qmax..qmax`` when signed).
    channel_axis
        Axis of the calibration data that gets its own scale and zero point (``-1``: per
        feature of a ``(samples, features)`` array; for weights ``(in, out)``, ``-1`` is per
        output column). ``None``: one scale for the whole tensor.
    integer_zero_point
        Round the zero point (asymmetric quantizers only).

    Examples
    --------
    >>> q = UniformQuantizer(4).calibrate(np.array([-1.0, 0.0, 2.0]))
    >>> q.quantize([-1.0, 2.0]).tolist()
    [0, 15]
    """

    def __init__(self, n_bits: int = 8, *, is_signed: bool = False, is_symmetric: bool = False,
                 channel_axis: int | None = None, integer_zero_point: bool = True):
        if not 1 <= int(n_bits) <= 32:
            raise InputError(f"n_bits must be in 1..32, got {n_bits}")
        if is_symmetric and is_signed and n_bits < 2:
            raise InputError("a signed symmetric quantizer needs n_bits >= 2")
        self.n_bits = int(n_bits)
        self.is_signed = bool(is_signed)
        self.is_symmetric = bool(is_symmetric)
        self.channel_axis = channel_axis
        self.integer_zero_point = bool(integer_zero_point)
        self.parameters: QuantizationParameters | None = None

    # -- calibration -----------------------------------------------------------------------
    def _reduce(self, values: np.ndarray, function) -> np.ndarray:
        if self.channel_axis is None:
            return np.asarray(function(values))
        axis = self.channel_axis % values.ndim
        others = tuple(a for a in range(values.ndim) if a != axis)
        return _squeeze_leading(function(values, axis=others, keepdims=True))

    def calibrate(self, values) -> UniformQuantizer:
        """Scale and zero point from the range of ``values`` (per channel if asked)."""
        values = np.asarray(values, dtype=np.float64)
        if values.size == 0:
            raise InputError("cannot calibrate a quantizer on an empty array")
        if not np.all(np.isfinite(values)):
            raise InputError("cannot calibrate a quantizer on values with NaN or infinity")
        return self.calibrate_range(self._reduce(values, np.min), self._reduce(values, np.max))

    def calibrate_range(self, low, high) -> UniformQuantizer:
        """Scale and zero point that map ``[low, high]`` (scalars or arrays) onto the integers."""
        low = np.asarray(low, dtype=np.float64)
        high = np.asarray(high, dtype=np.float64)
        qmin, qmax = integer_range(self.n_bits, self.is_signed)
        if self.is_symmetric:
            if not self.is_signed and np.any(low < 0):
                raise InputError("an unsigned symmetric quantizer needs non-negative values; "
                                 "use is_signed=True")
            reach = np.maximum(np.abs(low), np.abs(high))
            scale = np.where(reach > 0, reach / max(qmax, 1), 1.0)
            zero_point = np.zeros_like(scale)
        else:
            width = high - low
            degenerate = width <= 0
            scale = np.where(degenerate, np.where(low != 0, np.abs(low), 1.0),
                             width / max(qmax - qmin, 1))
            zero_point = qmin - low / scale
            if self.integer_zero_point:
                zero_point = np.rint(zero_point)
        self.parameters = QuantizationParameters(scale.astype(np.float64),
                                                 np.asarray(zero_point, dtype=np.float64),
                                                 self.n_bits, self.is_signed)
        return self

    # -- use -------------------------------------------------------------------------------
    @property
    def is_calibrated(self) -> bool:
        return self.parameters is not None

    def _require(self) -> QuantizationParameters:
        if self.parameters is None:
            raise InputError("the quantizer is not calibrated: call calibrate(values) first")
        return self.parameters

    @property
    def scale(self) -> np.ndarray:
        return self._require().scale

    @property
    def zero_point(self) -> np.ndarray:
        return self._require().zero_point

    qmin = _QMIN
    qmax = _QMAX

    def quantize(self, values) -> np.ndarray:
        """Floats to ``int64`` integers in ``[qmin, qmax]`` (values outside are clipped)."""
        return self._require().quantize(values)

    def dequantize(self, qvalues) -> np.ndarray:
        return self._require().dequantize(qvalues)

    def __repr__(self) -> str:
        kind = ("symmetric" if self.is_symmetric else "asymmetric") + \
            (" signed" if self.is_signed else " unsigned")
        where = "per tensor" if self.channel_axis is None else \
            f"per channel (axis {self.channel_axis})"
        state = "" if self.is_calibrated else ", not calibrated"
        return f"UniformQuantizer({self.n_bits} bits, {kind}, {where}{state})"


class QuantizedArray:
    """Float values together with their quantized integers and the quantizer that made them.

    >>> w = QuantizedArray(3, np.array([-0.5, 0.25, 1.0]), is_signed=True, is_symmetric=True)
    >>> w.qvalues.tolist()
    [-2, 1, 3]
    >>> np.round(w.dequant(), 3).tolist()
    [-0.667, 0.333, 1.0]
    """

    def __init__(self, n_bits: int, values, *, quantizer: UniformQuantizer | None = None,
                 **options):
        self.values = np.asarray(values, dtype=np.float64)
        if quantizer is None:
            quantizer = UniformQuantizer(n_bits, **options).calibrate(self.values)
        elif not quantizer.is_calibrated:
            quantizer.calibrate(self.values)
        self.quantizer = quantizer
        self.n_bits = quantizer.n_bits
        self.qvalues = quantizer.quantize(self.values)

    @property
    def scale(self) -> np.ndarray:
        return self.quantizer.scale

    @property
    def zero_point(self) -> np.ndarray:
        return self.quantizer.zero_point

    def quant(self) -> np.ndarray:
        return self.qvalues

    def dequant(self) -> np.ndarray:
        return self.quantizer.dequantize(self.qvalues)

    def update_values(self, values) -> np.ndarray:
        """New floats, same quantizer (no recalibration); returns the new integers."""
        self.values = np.asarray(values, dtype=np.float64)
        self.qvalues = self.quantizer.quantize(self.values)
        return self.qvalues

    def update_quantized_values(self, qvalues) -> np.ndarray:
        self.qvalues = np.asarray(qvalues, dtype=np.int64)
        self.values = self.dequant()
        return self.values

    @property
    def max_abs_error(self) -> float:
        return float(np.max(np.abs(self.dequant() - self.values))) if self.values.size else 0.0

    def __repr__(self) -> str:
        return f"QuantizedArray(shape={self.values.shape}, {self.quantizer!r})"
