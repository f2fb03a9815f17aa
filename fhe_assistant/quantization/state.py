"""What post-training quantization knows while it rewrites a float graph, in one object.

Every quantization rule (``rules.QUANTIZATION_RULES``) takes a :class:`QuantizationState`
and a float node and returns the node's quantized form; the state is the only thing rules
share: the float graph being read, the options, the integer program being built (with its
values on the calibration batch) and the quantized values found so far.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core.errors import InputError
from ..ir.graph import Graph
from ..ir.node import Node
from ..ir.ops import ELEMENTWISE_OPS, OpKind
from ..ir.printer import node_error
from .affine import QValue
from .builder import IntegerProgramBuilder
from .n_bits import NBits
from .program import LookupRecord, QuantizationOptions
from .quantizers import QuantizationParameters


@dataclass
class Region:
    """Float nodes waiting to become one lookup, and the value they start from."""

    input_id: int
    nodes: list[int]


@dataclass(eq=False)
class QuantizationState:
    """The float graph, the options, and everything built from them so far.

    Attributes
    ----------
    float_graph, options, calibration
        What is quantized, how, and the calibration batches (one per input).
    extra_lsbs
        Bits to round away beyond what a lookup's own values need, keyed by lookup key
        (set by :func:`~fhe_assistant.quantization.post_training.quantize_graph` when a
        partition turned out wider than planned).
    builder
        The integer program under construction, evaluated on the calibration batch.
    constants
        Float node id → batched value of every clear node (folded as the walk goes).
    qvalues
        Float node id → its quantized value (an integer node plus an affine map).
    pending
        Float node id → the chain of elementwise nodes that will become one lookup when
        a value is needed (see ``lookups.quantized_value``).
    input_quantizers, lookups, lookup_keys
        Results: the client-side quantizer of each input, a record per lookup, and the
        integer lookup node → its key in ``extra_lsbs``.
    """

    float_graph: Graph
    options: QuantizationOptions
    calibration: list[np.ndarray]
    extra_lsbs: dict = field(default_factory=dict)
    builder: IntegerProgramBuilder = field(default_factory=IntegerProgramBuilder)
    constants: dict[int, np.ndarray] = field(default_factory=dict)
    qvalues: dict[int, QValue] = field(default_factory=dict)
    pending: dict[int, Region] = field(default_factory=dict)
    input_quantizers: list[QuantizationParameters] = field(default_factory=list)
    lookups: list[LookupRecord] = field(default_factory=list)
    lookup_keys: dict[int, object] = field(default_factory=dict)
    users: dict[int, list[int]] = field(init=False)
    _channel_memo: dict[int, bool] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.users = self.float_graph.users()

    @property
    def n_bits(self) -> NBits:
        return self.options.n_bits

    def encrypted_operands(self, node: Node) -> list[int]:
        """Ids of the operands of ``node`` that depend on an input."""
        return [o for o in node.operands if self.float_graph[o].is_encrypted]

    def is_divide_by_constant(self, node: Node) -> bool:
        """``x / c``: only the affine map of ``x`` changes."""
        return (node.op is OpKind.UFUNC and node.attrs["ufunc"] is np.true_divide
                and self.float_graph[node.operands[0]].is_encrypted
                and not self.float_graph[node.operands[1]].is_encrypted)

    def constant_operand(self, node: Node, encrypted: int) -> np.ndarray:
        """One sample of the clear operand of a binary ``node`` whose other one is ``encrypted``."""
        other = next(o for o in node.operands if o != encrypted)
        return self.constants[other][0]

    def channel_ok(self, node_id: int) -> bool:
        """May this value carry one scale per index of its last axis?"""
        if node_id in self._channel_memo:
            return self._channel_memo[node_id]
        self._channel_memo[node_id] = False  # cycles cannot happen; this guards recursion
        graph, ok = self.float_graph, True
        shape = graph[node_id].spec.shape
        for user_id in self.users[node_id]:
            user = graph[user_id]
            encrypted = self.encrypted_operands(user)
            if user.op is OpKind.MATMUL and len(encrypted) == 1:
                left = user.operands[0] == node_id
                ok &= left or len(shape) == 1
            elif user.op in (OpKind.ADD, OpKind.SUBTRACT, OpKind.MULTIPLY, OpKind.NEGATIVE) \
                    and len(encrypted) == 1 or self.is_divide_by_constant(user):
                ok &= self.channel_ok(user_id)
            elif (user.op in ELEMENTWISE_OPS) and len(encrypted) == 1:
                ok &= True  # a table lookup: per-element maps are free
            else:
                ok = False
        self._channel_memo[node_id] = ok
        return ok


def unsupported(state: QuantizationState, node: Node) -> InputError:
    """The error for a node no rule can quantize: it carries the node, names its source line
    and says what is supported."""
    count = len(state.encrypted_operands(node))
    return node_error(InputError, node, f"cannot be quantized: {node.label} on {count} "
                      f"encrypted operand(s) is not supported; supported: linear ops with "
                      f"constants, matmul/dot with constant weights, sums, shape ops, + and * "
                      f"between encrypted values, and elementwise functions of one encrypted "
                      f"value", with_code=True)
