"""The result of post-training quantization: an integer program and how to use it."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core.errors import InputError
from ..interpret.rules import RULES
from ..ir.graph import Graph
from .affine import QValue
from .n_bits import NBits
from .quantizers import QuantizationParameters

ROUNDING_METHODS = ("exact", "approximate")


@dataclass(frozen=True)
class QuantizationOptions:
    """How a float program is quantized.

    Attributes
    ----------
    n_bits
        Widths of inputs, weights and table-lookup outputs (activations).
    rounding_threshold_bits
        Round each table lookup's input (an accumulator) to this many bits with
        ``round_bit_pattern``; ``None`` keeps it exact (and possibly too wide for FHE).
    rounding_method
        ``"approximate"`` (the default) or ``"exact"`` (Concrete ML's
        ``rounding_threshold_bits={"method": …}``). Approximate: the lookup reads the top
        bits of the unrounded accumulator in its bootstrap, and may be one step off near a
        tie (noise bound of one bit less: ``crypto.requirements.lookup_noise_bit_width``).
        Exact: the low bits are first cleared one bootstrap each
        (:mod:`transforms.exact_rounding`), whose noise bound is the accumulator's full
        width: dearer parameters and one more PBS per removed bit, often no parameters at
        all for 14-bit-and-wider accumulators. Concrete ML defaults to exact; here a
        rounding threshold is an accuracy/speed knob, so approximate is the default.
    per_channel
        One scale per feature / output channel where the program allows it.
    clear_outputs
        Run trailing elementwise chains (sigmoid, softmax's exp …) after decryption.
    accumulator_margin
        Headroom of rounded accumulators: weights are scaled so that the calibration data
        reach at most ``1 / margin`` of the accumulator's precision, and samples up to
        ``margin`` times more extreme do not wrap around (at most ``log2(margin)`` bits of
        resolution spent).
    """

    n_bits: NBits = field(default_factory=NBits)
    rounding_threshold_bits: int | None = None
    per_channel: bool = True
    clear_outputs: bool = True
    accumulator_margin: float = 1.5
    rounding_method: str = "approximate"

    def __post_init__(self) -> None:
        if self.rounding_method not in ROUNDING_METHODS:
            raise InputError(f"rounding method must be one of {ROUNDING_METHODS}, got "
                             f"{self.rounding_method!r}")


@dataclass(frozen=True)
class LookupRecord:
    """One table lookup the quantizer created (for reports and views)."""

    name: str
    float_nodes: tuple[int, ...]
    accumulator_bit_width: int
    lsbs_removed: int
    output_bit_width: int
    element_count: int
    input_step: float = 0.0   # float value of one step of the (rounded) input, largest channel

    @property
    def input_bit_width(self) -> int:
        return self.accumulator_bit_width - self.lsbs_removed


@dataclass
class OutputDecoder:
    """Turns a decrypted output back into floats, finishing clear trailing ops."""

    value: QValue
    clear_nodes: tuple[int, ...] = ()
    clear_input: int | None = None
    float_graph: Graph | None = None
    constants: dict | None = None

    def __call__(self, q: np.ndarray) -> np.ndarray:
        x = self.value.dequantize(q)
        if not self.clear_nodes:
            return x
        return run_chain(self.float_graph, self.constants, self.clear_input, self.clear_nodes, x)


@dataclass
class QuantizedProgram:
    """The result: integer graph, input quantizers and output decoders."""

    float_graph: Graph
    graph: Graph
    input_quantizers: list[QuantizationParameters]
    decoders: list[OutputDecoder]
    lookups: list[LookupRecord]
    options: QuantizationOptions

    def quantize_inputs(self, inputs) -> list[np.ndarray]:
        return [p.quantize(x) for p, x in zip(self.input_quantizers, inputs)]

    def decode(self, outputs) -> list[np.ndarray]:
        return [decoder(q) for decoder, q in zip(self.decoders, outputs)]

    @property
    def lookup_count(self) -> int:
        """Table lookups per sample (one PBS per element)."""
        return sum(record.element_count for record in self.lookups)


def run_chain(graph: Graph, constants: dict, input_id: int, nodes, x: np.ndarray
              ) -> np.ndarray:
    """Evaluate a chain of float nodes (batched) from the value of ``input_id``."""
    values = {input_id: np.asarray(x, dtype=np.float64)}
    with np.errstate(all="ignore"):
        for node_id in nodes:
            node = graph[node_id]
            operands = [values[o] if o in values else constants[o] for o in node.operands]
            values[node_id] = RULES[node.op](node, operands)
    return np.asarray(values[nodes[-1]], dtype=np.float64)

