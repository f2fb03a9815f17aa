"""Trace a Python function into a Graph."""
from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from ..core.dtypes import UNMEASURED_INTEGER, Float, Integer
from ..core.errors import InputError, TracingError
from ..core.location import SourceLocation, notebook_cell
from ..core.values import ValueSpec
from ..ir.graph import Graph
from ..ir.ops import OpKind
from .context import ACTIVE_CONTEXTS, TraceContext, spec_of_array
from .tracer import Tracer, as_operand

ENCRYPTION_STATUSES = ("encrypted", "clear")


def function_location(function: Callable) -> SourceLocation | None:
    try:
        filename = inspect.getsourcefile(function) or "<unknown>"
        return SourceLocation(filename, inspect.getsourcelines(function)[1], function.__name__,
                              cell=notebook_cell(filename))
    except (OSError, TypeError):
        return None


def parameter_names(function: Callable) -> list[str]:
    parameters = inspect.signature(function).parameters.values()
    for parameter in parameters:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise InputError(f"{function.__name__} takes *args/**kwargs: FHE functions need named "
                             f"parameters, one per input")
    return [p.name for p in parameters]


def validate_encryption_statuses(function: Callable, statuses: Mapping[str, str]) -> dict[str, str]:
    """The status dict must name exactly the function's parameters, each encrypted or clear."""
    names = parameter_names(function)
    if not isinstance(statuses, Mapping):
        raise InputError(f"the encryption statuses must be a dict such as "
                         f"{{{', '.join(repr(n) + ': ' + repr('encrypted') for n in names)}}}, "
                         f"got {type(statuses).__name__}")
    missing = [n for n in names if n not in statuses]
    unknown = [n for n in statuses if n not in names]
    problems = []
    if missing:
        problems.append(f"missing encryption status for {', '.join(map(repr, missing))}")
    if unknown:
        problems.append(f"{', '.join(map(repr, unknown))} "
                        f"{'is not a parameter' if len(unknown) == 1 else 'are not parameters'} "
                        f"of {function.__name__}{inspect.signature(function)}")
    for name, status in statuses.items():
        if not isinstance(status, str) or status.lower() not in ENCRYPTION_STATUSES:
            problems.append(f"status of {name!r} is {status!r}; use 'encrypted' or 'clear'")
    if problems:
        raise InputError("invalid encryption statuses: " + "; ".join(problems))
    return {name: statuses[name].lower() for name in names}


def trace(function: Callable, statuses: Mapping[str, str], samples: Sequence[np.ndarray],
          direct: bool = False) -> Graph:
    """Run ``function`` on tracers shaped like ``samples`` (one per parameter, in order);
    ``direct``: a direct circuit definition (``fhe.circuit``, see ``TraceContext.direct``)."""
    inputs = []
    for name, sample in zip(statuses, samples):
        sample = np.asarray(sample)
        spec = spec_of_array(sample, statuses[name] == "encrypted")
        described = spec.with_dtype(Integer.that_can_represent(sample.min(), sample.max())) \
            if sample.dtype.kind in "iub" and sample.size and not direct else None
        inputs.append((name, spec, described))
    return _trace(function, inputs, direct)


def trace_described(function: Callable, parameters: Mapping[str, object], *_, **__) -> Graph:
    """Concrete's ``Tracer.trace(function, {"x": EncryptedTensor(UnsignedInteger(7), (3, 2))})``:
    the parameters given as value descriptions (anything with ``to_spec()``, or ``ValueSpec``)
    instead of samples. Concrete's ``is_direct``/``location``/``scope`` have no use here."""
    inputs = []
    for name in parameter_names(function):
        if name not in parameters:
            raise InputError(f"Tracer.trace needs a value description for {name!r}")
        described = parameters[name]
        described = described.to_spec() if hasattr(described, "to_spec") else described
        inputs.append((name, described.with_dtype(
            Float(64) if described.is_float else UNMEASURED_INTEGER), described))
    return _trace(function, inputs)


def _trace(function: Callable, inputs: list[tuple[str, ValueSpec, ValueSpec | None]],
           direct: bool = False) -> Graph:
    """Run ``function`` on one tracer per ``(name, traced spec, Concrete's description)``."""
    context = TraceContext(direct)
    location = function_location(function)
    arguments = []
    for index, (name, spec, described) in enumerate(inputs):
        node = context.add_node(OpKind.INPUT, [], {"name": name, "index": index}, location, spec)
        if described is not None:
            context.described[node.id] = described
        arguments.append(Tracer(context, node.id))
    ACTIVE_CONTEXTS.append(context)
    try:
        result = function(*arguments)
    finally:
        ACTIVE_CONTEXTS.remove(context)
    results = result if isinstance(result, tuple) else (result,)
    graph = context.graph
    for value in results:
        if isinstance(value, Tracer):
            graph.outputs.append(value._node_id)
            continue
        if value is None or not isinstance(value, (int, float, np.generic, np.ndarray, list)):
            raise TracingError(f"{function.__name__} returns {type(value).__name__} {value!r}: "
                               f"an FHE function returns numpy values computed from its "
                               f"parameters (one, or a tuple of them)", location,
                               hint="add the missing return statement" if value is None else
                               "return the traced arrays themselves")
        graph.outputs.append(as_operand(context, value))
    if not any(graph[o].is_encrypted for o in graph.outputs):
        raise TracingError(f"{function.__name__} returns no encrypted value: there is nothing "
                           f"to compute under FHE", location,
                           hint="make sure the result depends on an encrypted parameter")
    graph.name = function.__name__
    return graph


Tracer.trace = staticmethod(trace_described)
