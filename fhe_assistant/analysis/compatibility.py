"""The FHE compatibility check: every node that prevents compilation, why, and what to do."""
from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from ..core.dtypes import Integer
from ..core.errors import CompilationError, InputError
from ..crypto.method_choice import optimize_circuit
from ..crypto.optimizer import optimize
from ..crypto.requirements import CircuitRequirements
from ..crypto.wop_search import MAX_WOP_BIT_WIDTH
from ..ir.graph import Graph
from ..ir.node import Node
from ..ir.ops import OpKind
from ..lowered.fhe_plan import FHEPlan


@dataclass(frozen=True, slots=True)
class CompatibilityIssue:
    node_id: int
    kind: str            # "tlu-too-wide" | "unsupported-op" | "encrypted-float" | "non-integer"
    message: str
    suggestion: str
    location: str = ""
    code: str = ""
    bit_width: int | None = None
    limit: int | None = None

    def __str__(self) -> str:
        where = f" at {self.location}" if self.location else ""
        code = f"\n      {self.code}" if self.code else ""
        return f"%{self.node_id}{where}: {self.message}{code}\n      fix: {self.suggestion}"


@dataclass(frozen=True, slots=True)
class CompatibilityReport:
    issues: tuple[CompatibilityIssue, ...]
    maximum_tlu_bit_width: int

    @property
    def is_compatible(self) -> bool:
        return not self.issues

    def __str__(self) -> str:
        if self.is_compatible:
            return "FHE-compatible"
        return "not FHE-compatible:\n  - " + "\n  - ".join(str(i) for i in self.issues)

    def to_dataframe(self):
        import pandas as pd

        return pd.DataFrame([{"node": f"%{i.node_id}", "kind": i.kind, "message": i.message,
                              "suggestion": i.suggestion, "location": i.location,
                              "bit_width": i.bit_width, "limit": i.limit} for i in self.issues])


def _where(node: Node) -> tuple[str, str]:
    if node.location is None:
        return "", ""
    return str(node.location), node.location.code


def _issue(node: Node, kind: str, message: str, suggestion: str, **extra) -> CompatibilityIssue:
    location, code = _where(node)
    return CompatibilityIssue(node.id, kind, message, suggestion, location, code, **extra)


def _source_node(original: Graph | None, lowered_to_original: dict[int, int], node: Node,
                 users: dict[int, list[int]] | None = None) -> Node:
    """Issues name the user's node (before lowering) when there is one.

    A node the lowering added (the ``square_quarter`` lookups of ``x * y``) has none of its
    own: it stands for the user's op whose result it feeds, found by following its users.
    """
    if original is None:
        return node
    stack, seen = [node.id], set()
    while stack:
        current = stack.pop(0)
        if current in lowered_to_original:
            return original[lowered_to_original[current]]
        if current in seen or users is None:
            continue
        seen.add(current)
        stack.extend(users.get(current, ()))
    return node


def _described(node: Node) -> str:
    """How an issue names a node: the op the user wrote, in words."""
    if node.op is OpKind.TLU:
        ops = " → ".join(node.attrs.get("source_ops", ())) or "float ops"
        return f"the table lookup computing {ops} (%{node.id})"
    if node.op is OpKind.LOOKUP_TABLE:
        return f"the table lookup (%{node.id})"
    return f"{node.label} (%{node.id})"


_quantized_program: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "fhe_quantized_program", default=False)


@contextmanager
def checking_quantized_program() -> Iterator[None]:
    """Hints inside the block speak of n_bits: the program was made by ``fhe.quantize`` or
    a built-in model (not written as integer numpy by the user)."""
    token = _quantized_program.set(True)
    try:
        yield
    finally:
        _quantized_program.reset(token)


def is_quantized_program(graph: Graph) -> bool:
    """True inside :func:`checking_quantized_program`, or for a quantizer's own graph
    (named ``<function>_quantized``)."""
    return _quantized_program.get() or (getattr(graph, "name", "") or "").endswith("_quantized")


@lru_cache(maxsize=32)
def lookup_seconds(bit_width: int) -> float | None:
    """Predicted seconds of one table lookup at ``bit_width`` with the cheapest secure
    parameters, native or WoP-PBS (None: no secure parameters reach that width)."""
    try:
        if bit_width > MAX_WOP_BIT_WIDTH:  # native only (it stops near 10 bits anyway)
            return optimize(CircuitRequirements(message_bit_width=bit_width)).seconds_per_pbs
        return optimize_circuit(CircuitRequirements(message_bit_width=bit_width)).seconds_per_pbs
    except (CompilationError, InputError):
        return None


def _seconds(value: float) -> str:
    return f"{value * 1e3:.0f} ms" if value < 1 else f"{value:.1f} s"


def width_limit_hint(width: int, limit: int) -> str:
    """What lifting the lookup width limit would allow, and what it costs."""
    wider, current = lookup_seconds(width), lookup_seconds(limit)
    at_limit = f" ({limit} bits: ≈{_seconds(current)})" if current is not None else ""
    if wider is not None:
        return (f"or allow it with Configuration(maximum_tlu_bit_width={width}): "
                f"≈{_seconds(wider)} per {width}-bit lookup{at_limit}, and larger keys")
    widest = next((w for w in range(width - 1, limit, -1) if lookup_seconds(w) is not None),
                  None)
    if widest is None:
        largest = next((w for w in range(min(width - 1, limit), 0, -1)
                        if lookup_seconds(w) is not None), None)
        if largest is None:
            return f"no secure parameters give {width}-bit lookups here"
        beyond = (f" (WoP-PBS, as Concrete, stops at {MAX_WOP_BIT_WIDTH} bits)"
                  if width > MAX_WOP_BIT_WIDTH else "")
        return (f"no secure parameters give {width}-bit lookups{beyond}: the largest feasible "
                f"is {largest} bits, ≈{_seconds(lookup_seconds(largest))} per lookup")
    return (f"no secure parameters give {width}-bit lookups (Configuration("
            f"maximum_tlu_bit_width=…) goes up to {widest}: ≈{_seconds(lookup_seconds(widest))}"
            f" per lookup{at_limit})")


def _too_wide_suggestion(shown: Node, width: int, limit: int, quantized: bool,
                         direct: bool = True) -> str:
    removable = width - limit
    if shown.op is OpKind.ROUND_BIT_PATTERN:  # an approximate rounding read as a lookup
        removed = shown.attrs.get("lsbs_to_remove", 0)
        return (f"this rounding keeps {width} bits: remove {removable} more "
                f"(fhe.round_bit_pattern(x, lsbs_to_remove={removed + removable}))")
    if quantized:
        first = (f"lower n_bits (or rounding_threshold_bits={limit}, which rounds each "
                 f"accumulator before its lookup)")
    elif not direct:
        first = (f"narrow the ranges of its operands in the inputset (the lookups read their "
                 f"sum and difference), or round each operand first: "
                 f"fhe.round_bit_pattern(x, lsbs_to_remove={removable})")
    else:
        first = (f"narrow the inputset's range, or round the lookup's input first: "
                 f"fhe.round_bit_pattern(x, lsbs_to_remove={removable})")
    return f"{first}; {width_limit_hint(width, limit)}"


def check_compatibility(graph: Graph, plan: FHEPlan, maximum_tlu_bit_width: int,
                        original: Graph | None = None,
                        lowered_to_original: dict[int, int] | None = None,
                        unfusable: list[tuple[Node, str]] = (),
                        unsupported: list[tuple[Node, str]] = ()) -> CompatibilityReport:
    """Check a lowered graph (bit widths assigned) against what the backend can run.

    The passes report what they could not do, and this check turns it into advice:
    ``unfusable`` lists float regions fusion had to leave alone (their last node, why),
    ``unsupported`` the encrypted nodes no lowering can run (the node, why).
    """
    lowered_to_original = lowered_to_original or {}
    issues: list[CompatibilityIssue] = [
        _issue(node, "unfusable-float", message,
               "compute each float part from a single encrypted value and cast it to int "
               "(each then becomes one table lookup), or quantize the function")
        for node, message in unfusable]
    for node, why in unsupported:
        issues.append(_issue(_source_node(original, lowered_to_original, node), "unsupported-op",
                             why, "compute one side in the clear, or rewrite with supported ops "
                             "(a table lookup of one value, + - and multiplication)"))
    for output in graph.outputs:
        node = graph[output]
        if node.is_encrypted and node.spec.is_float:
            issues.append(_issue(_source_node(original, lowered_to_original, node),
                                 "encrypted-float",
                                 f"the result {node.label} is a float: FHE returns integers",
                                 "end the float computation with .astype(np.int64) (it then "
                                 "becomes one table lookup), or quantize the function"))
    users = graph.users()
    quantized = is_quantized_program(original if original is not None else graph)
    too_wide: dict[int, tuple[int, Node, Node]] = {}    # shown node id -> widest lookup
    for lookup in plan.lookups.values():
        node = graph[lookup.node_id]
        operand = graph[lookup.operand_id]
        if lookup.effective_precision <= maximum_tlu_bit_width or node.spec.is_float \
                or operand.spec.is_float:
            continue  # floats are reported above
        shown = _source_node(original, lowered_to_original, node, users)
        known = too_wide.get(shown.id)
        if known is None or known[0] < lookup.effective_precision:
            too_wide[shown.id] = (lookup.effective_precision, node, shown)
    for width, node, shown in too_wide.values():
        operand = graph[plan.lookups[node.id].operand_id]
        dtype = operand.spec.dtype
        operand_id = lowered_to_original.get(operand.id, operand.id)
        detail = (f" (its input %{operand_id} is {dtype}; values it is added to share that "
                  f"precision)" if isinstance(dtype, Integer) and dtype.bit_width != width
                  and operand.id in lowered_to_original else "")
        direct = node.id in lowered_to_original or original is None
        if direct:
            what = _described(shown)
            if shown.op not in (OpKind.TLU, OpKind.LOOKUP_TABLE):
                what += " runs as a table lookup that"
            message = (f"{what} reads a {width}-bit value, more than the "
                       f"{maximum_tlu_bit_width}-bit limit{detail}")
        else:
            message = (f"{_described(shown)} of two encrypted values runs as table lookups "
                       f"(internally: {node.label}) of {width}-bit values, more than the "
                       f"{maximum_tlu_bit_width}-bit limit")
        issues.append(_issue(
            shown, "tlu-too-wide", message,
            _too_wide_suggestion(shown, width, maximum_tlu_bit_width, quantized, direct),
            bit_width=width, limit=maximum_tlu_bit_width))
    return CompatibilityReport(tuple(issues), maximum_tlu_bit_width)
