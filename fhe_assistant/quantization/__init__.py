"""Quantization: float values and float programs to small integers that FHE can compute on.

- :class:`UniformQuantizer`, :class:`QuantizedArray`: uniform affine quantizers (symmetric or
  not, signed or not, per tensor or per channel) calibrated on data.
- :class:`NBits`: separate widths for inputs, weights and outputs.
- :func:`quantize`: a float numpy function to a :class:`QuantizedFunction` (integer program,
  input quantizers, output dequantization, ``compile``, ``fhe="simulate"``…).
- ``rules.QUANTIZATION_RULES``: how each ``OpKind`` is quantized, one function per op over an
  explicit ``state.QuantizationState``; ``post_training.quantize_graph`` walks a graph with it.
"""
from .affine import QValue
from .builder import rounding_lsbs
from .functions import FHE_MODES, QuantizedFunction, quantize
from .n_bits import NBits
from .post_training import LookupRecord, QuantizationOptions, QuantizedProgram, quantize_graph
from .quantizers import QuantizationParameters, QuantizedArray, UniformQuantizer, integer_range

__all__ = [
    "FHE_MODES",
    "LookupRecord",
    "NBits",
    "QValue",
    "QuantizationOptions",
    "QuantizationParameters",
    "QuantizedArray",
    "QuantizedFunction",
    "QuantizedProgram",
    "UniformQuantizer",
    "integer_range",
    "quantize",
    "quantize_graph",
    "rounding_lsbs",
]
