"""A lowered graph and its FHE plan as data: JSON for the structure, arrays in sections.

Node attributes are encoded with a small tagged vocabulary — nothing callable survives::

    null, true/false, int, str, [list]        as themselves
    {"$float": "0x1.8p+1"}                    float (exact, hex)
    {"$tuple": [...]}, {"$dict": {...}}, {"$intdict": [[k, v], ...]}
    {"$slice": [start, stop, step]}, {"$ellipsis": true}
    {"$dtype": "int64"} / {"$scalar_type": "int64"}   numpy dtype / scalar type
    {"$array": "a3"}                          an array in section "a3"
    {"$ufunc": "sin"}                         a numpy ufunc, by its name in ``numpy``
    {"$bounds": [min, max]}, {"$graph": {...}} a measured range, a fused subgraph
    {"$dropped": "label"}                     a function replaced by precomputed tables

Functions (``fhe.univariate`` callables, non-numpy ufuncs) cannot be data: on a *static*
table lookup (its table depends on nothing but the encrypted operand) they are dropped,
since the server reads the precomputed tables; anywhere else saving fails and names the
node.
"""
from __future__ import annotations

from dataclasses import fields, replace

import numpy as np

from ..core.bounds import Bounds
from ..core.dtypes import Float, Integer
from ..core.errors import EvaluationError
from ..core.values import ValueSpec
from ..ir.graph import Graph
from ..ir.node import Node
from ..ir.ops import OpKind
from ..ir.printer import node_reference as describe
from ..lowered.fhe_plan import FHEPlan, TableLookupPlan
from .errors import SerializationError

_SIMPLE_DTYPES = frozenset(
    ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
     "float16", "float32", "float64"])
_OPS = {op.value: op for op in OpKind}


class _NotData(Exception):
    """An attribute value that has no data encoding (a function, an object…)."""


class Tabulated:
    """Stands in for a function whose table lookup ships as precomputed tables."""

    def __init__(self, name: str):
        self.__name__ = name

    def __call__(self, *args, **kwargs):
        raise EvaluationError(f"{self.__name__}: the server program holds only this lookup's "
                              f"precomputed tables, not its function")

    def __repr__(self) -> str:
        return f"<tabulated {self.__name__}>"


class ArrayTable:
    """Collects arrays into named sections while encoding; resolves them while decoding."""

    def __init__(self, arrays: dict[str, np.ndarray] | None = None):
        self.arrays: dict[str, np.ndarray] = dict(arrays or {})

    def add(self, array: np.ndarray) -> str:
        name = f"a{len(self.arrays)}"
        self.arrays[name] = array
        return name

    def get(self, name, what: str) -> np.ndarray:
        if not isinstance(name, str) or name not in self.arrays:
            raise SerializationError(f"corrupted {what}: reference to a missing array")
        return self.arrays[name]


# -- attribute values ----------------------------------------------------------------------
def encode_value(value, arrays: ArrayTable):
    if value is None or isinstance(value, (bool, str, np.bool_)):
        return bool(value) if isinstance(value, np.bool_) else value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return {"$float": float(value).hex()}
    if value is Ellipsis:
        return {"$ellipsis": True}
    if isinstance(value, tuple):
        return {"$tuple": [encode_value(v, arrays) for v in value]}
    if isinstance(value, list):
        return [encode_value(v, arrays) for v in value]
    if isinstance(value, slice):
        return {"$slice": [encode_value(v, arrays) for v in (value.start, value.stop, value.step)]}
    if isinstance(value, np.dtype) and value.name in _SIMPLE_DTYPES:
        return {"$dtype": value.name}
    if isinstance(value, type) and issubclass(value, np.generic) \
            and np.dtype(value).name in _SIMPLE_DTYPES:
        return {"$scalar_type": np.dtype(value).name}
    if isinstance(value, np.ndarray) and value.dtype.name in _SIMPLE_DTYPES:
        return {"$array": arrays.add(value)}
    if isinstance(value, np.ufunc) and getattr(np, value.__name__, None) is value:
        return {"$ufunc": value.__name__}
    if isinstance(value, Bounds):
        return {"$bounds": [encode_value(value.min, arrays), encode_value(value.max, arrays)]}
    if isinstance(value, Graph):
        return {"$graph": _encode_nodes(value, arrays, droppable=None)}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"$dict": {k: encode_value(v, arrays) for k, v in value.items()}}
    if isinstance(value, dict) and all(isinstance(k, int) for k in value):
        return {"$intdict": [[k, encode_value(v, arrays)] for k, v in value.items()]}
    raise _NotData(type(value).__name__)


def _scalar(value, what: str):
    if value is None or isinstance(value, int):
        return value
    decoded = decode_value(value, ArrayTable(), what)
    if not isinstance(decoded, float):
        raise SerializationError(f"corrupted {what}: malformed number")
    return decoded


def decode_value(data, arrays: ArrayTable, what: str):
    if data is None or isinstance(data, (bool, int, str)):
        return data
    if isinstance(data, list):
        return [decode_value(v, arrays, what) for v in data]
    if not isinstance(data, dict) or len(data) != 1:
        raise SerializationError(f"corrupted {what}: malformed attribute")
    (tag, body), = data.items()
    try:
        if tag == "$float":
            return float.fromhex(body)
        if tag == "$ellipsis":
            return Ellipsis
        if tag == "$tuple":
            return tuple(decode_value(v, arrays, what) for v in body)
        if tag == "$slice":
            start, stop, step = (_scalar(v, what) for v in body)
            return slice(start, stop, step)
        if tag in ("$dtype", "$scalar_type") and body in _SIMPLE_DTYPES:
            return np.dtype(body) if tag == "$dtype" else np.dtype(body).type
        if tag == "$array":
            return arrays.get(body, what)
        if tag == "$ufunc" and isinstance(getattr(np, body, None), np.ufunc):
            return getattr(np, body)
        if tag == "$bounds":
            low, high = (_scalar(v, what) for v in body)
            return Bounds(low, high)
        if tag == "$graph":
            return decode_graph(body, arrays, what)
        if tag == "$dict":
            return {str(k): decode_value(v, arrays, what) for k, v in body.items()}
        if tag == "$intdict":
            return {int(k): decode_value(v, arrays, what) for k, v in body}
        if tag == "$dropped":
            return Tabulated(str(body))
    except SerializationError:
        raise
    except (TypeError, ValueError, AttributeError, OverflowError):
        pass
    raise SerializationError(f"corrupted {what}: malformed attribute {tag!r}")


# -- specs and nodes -----------------------------------------------------------------------
def _encode_spec(spec: ValueSpec) -> dict:
    dtype = spec.dtype
    encoded = ({"int": [dtype.bit_width, dtype.is_signed]} if isinstance(dtype, Integer)
               else {"float": dtype.bit_width})
    return {**encoded, "shape": list(spec.shape), "encrypted": spec.is_encrypted}


def _decode_spec(data, what: str) -> ValueSpec:
    try:
        if "int" in data:
            bit_width, signed = data["int"]
            if not isinstance(bit_width, int) or not isinstance(signed, bool):
                raise TypeError
            dtype = Integer(bit_width, signed)
        else:
            dtype = Float(int(data["float"]))
        if not all(isinstance(d, int) and not isinstance(d, bool) for d in data["shape"]):
            raise TypeError  # a float (1e400 → inf) or a bool is no dimension
        shape = tuple(data["shape"])
        if any(d < 0 for d in shape) or not isinstance(data["encrypted"], bool):
            raise ValueError
        return ValueSpec(dtype, shape, data["encrypted"])
    except (KeyError, TypeError, ValueError, OverflowError):
        raise SerializationError(f"corrupted {what}: malformed value spec") from None


def _encode_attrs(node: Node, arrays: ArrayTable, droppable: bool | None) -> dict:
    """``droppable`` None: inside a subgraph, let the enclosing node decide."""
    encoded = {}
    for key, value in node.attrs.items():
        try:
            encoded[key] = encode_value(value, arrays)
        except _NotData as error:
            if droppable is None:
                raise
            if not droppable:
                raise SerializationError(
                    f"cannot save {describe(node)}: its attribute {key!r} is a "
                    f"{error.args[0]}, which is code, not data. Only table lookups whose "
                    f"table depends on nothing but the encrypted value can be saved "
                    f"(they ship as precomputed tables)") from None
            encoded[key] = {"$dropped": node.label}
    return encoded


def encode_graph(graph: Graph, arrays: ArrayTable, droppable) -> dict:
    """``droppable(node)``: may this node's non-data attributes be dropped?"""
    return _encode_nodes(graph, arrays, droppable)


def _encode_nodes(graph: Graph, arrays: ArrayTable, droppable) -> dict:
    return {"name": graph.name, "inputs": list(graph.inputs), "outputs": list(graph.outputs),
            "nodes": [{"op": node.op.value, "operands": list(node.operands),
                       "spec": _encode_spec(node.spec),
                       "attrs": _encode_attrs(node, arrays,
                                              None if droppable is None else droppable(node))}
                      for node in graph.nodes]}


def decode_graph(data, arrays: ArrayTable, what: str) -> Graph:
    try:
        nodes, inputs, outputs = data["nodes"], data["inputs"], data["outputs"]
        graph = Graph(name=str(data.get("name", "main")))
        for index, entry in enumerate(nodes):
            op = _OPS.get(entry["op"])
            operands = entry["operands"]
            if op is None or not all(isinstance(o, int) and 0 <= o < index for o in operands):
                raise SerializationError(f"corrupted {what}: node {index} is malformed")
            attrs = entry["attrs"]
            if not isinstance(attrs, dict):
                raise SerializationError(f"corrupted {what}: node {index} is malformed")
            graph.add(op, operands, _decode_spec(entry["spec"], what),
                      {str(k): decode_value(v, arrays, what) for k, v in attrs.items()})
        ids = range(len(graph.nodes))
        if sorted(inputs) != sorted(graph.inputs) or not outputs \
                or not all(isinstance(o, int) and o in ids for o in outputs):
            raise SerializationError(f"corrupted {what}: graph inputs or outputs are malformed")
    except (KeyError, TypeError):
        raise SerializationError(f"corrupted {what}: malformed graph") from None
    graph.inputs, graph.outputs = list(inputs), list(outputs)
    return graph


# -- the plan ------------------------------------------------------------------------------
#: a lookup's row: every field but ``reads_bit``, which ``"bit_reads"`` lists apart (format
#: version 4), and the slip window, which ``"slip_windows"`` lists apart (version 5), so that
#: plans without them keep the rows older readers know
_LOOKUP_FIELDS = [f.name for f in fields(TableLookupPlan)
                  if f.name not in ("reads_bit", "slip_low", "slip_high")]
#: the widest partition a plan may name: accumulators read by a folded rounding exceed the
#: 16-bit lookup limit (their lookups read the top bits), but must leave room in 64 bits
_MAX_PARTITION_PRECISION = 48


def has_bit_reads(plan: FHEPlan) -> bool:
    return any(lookup.reads_bit is not None for lookup in plan.lookups.values())


def has_slip_windows(plan: FHEPlan) -> bool:
    return any(lookup.slip_low is not None for lookup in plan.lookups.values())


def encode_plan(plan: FHEPlan) -> dict:
    encoded = {"partition_of": [[k, v] for k, v in plan.partition_of.items()],
               "precision_of_partition": [[k, v] for k, v in plan.precision_of_partition.items()],
               "lookups": [[getattr(lookup, name) for name in _LOOKUP_FIELDS]
                           for lookup in plan.lookups.values()],
               "folded_roundings": sorted(plan.folded_roundings)}
    if has_bit_reads(plan):
        encoded["bit_reads"] = [[lookup.node_id, lookup.reads_bit]
                                for lookup in plan.lookups.values()
                                if lookup.reads_bit is not None]
    if has_slip_windows(plan):
        encoded["slip_windows"] = [[lookup.node_id, lookup.slip_low, lookup.slip_high]
                                   for lookup in plan.lookups.values()
                                   if lookup.slip_low is not None]
    return encoded


def decode_plan(data, graph: Graph, what: str) -> FHEPlan:
    """Rebuild the plan, checking it against ``graph`` (ids, precisions, lookup shapes)."""
    plan = FHEPlan()
    try:
        plan.partition_of = {int(k): int(v) for k, v in data["partition_of"]}
        plan.precision_of_partition = {int(k): int(v) for k, v in data["precision_of_partition"]}
        for row in data["lookups"]:
            if len(row) != len(_LOOKUP_FIELDS) or not all(isinstance(v, int) for v in row):
                raise TypeError
            lookup = TableLookupPlan(**dict(zip(_LOOKUP_FIELDS, row)))
            plan.lookups[lookup.node_id] = lookup
        for node_id, bit in data.get("bit_reads", []):
            if not (isinstance(node_id, int) and isinstance(bit, int)) \
                    or node_id not in plan.lookups:
                raise TypeError
            plan.lookups[node_id] = replace(plan.lookups[node_id], reads_bit=bit)
        for node_id, low, high in data.get("slip_windows", []):
            if not all(isinstance(v, int) for v in (node_id, low, high)) \
                    or node_id not in plan.lookups:
                raise TypeError
            plan.lookups[node_id] = replace(plan.lookups[node_id], slip_low=low, slip_high=high)
        plan.folded_roundings = {int(i) for i in data["folded_roundings"]}
    except (KeyError, TypeError, ValueError, OverflowError):
        raise SerializationError(f"corrupted {what}: malformed FHE plan") from None
    count = len(graph.nodes)
    encrypted = {node.id for node in graph.nodes if node.is_encrypted}
    if set(plan.partition_of) != encrypted or not all(
            p in plan.precision_of_partition for p in plan.partition_of.values()) or not all(
            1 <= p <= _MAX_PARTITION_PRECISION for p in plan.precision_of_partition.values()):
        raise SerializationError(f"corrupted {what}: the plan does not match the graph")
    for lookup in plan.lookups.values():
        ids = (lookup.node_id, lookup.operand_id, lookup.read_id)
        if not all(0 <= i < count and i in encrypted for i in ids) \
                or lookup.operand_id not in graph[lookup.node_id].operands \
                or not 0 <= lookup.lsbs_removed < lookup.input_precision \
                or lookup.input_precision > _MAX_PARTITION_PRECISION \
                or not 1 <= lookup.effective_precision <= 16 \
                or not 1 <= lookup.output_precision <= _MAX_PARTITION_PRECISION \
                or (lookup.reads_bit is not None
                    and not 0 <= lookup.reads_bit < lookup.input_precision) \
                or (lookup.slip_low is not None
                    and not (lookup.lsbs_removed > 0 and lookup.slip_low <= lookup.slip_high
                             and lookup.slip_high - lookup.slip_low + 3
                             <= 1 << lookup.effective_precision)) \
                or lookup.element_count != graph[lookup.node_id].spec.size:
            raise SerializationError(f"corrupted {what}: lookup %{lookup.node_id} does not "
                                     f"match the graph")
    if not all(0 <= i < count for i in plan.folded_roundings):
        raise SerializationError(f"corrupted {what}: the plan does not match the graph")
    return plan
