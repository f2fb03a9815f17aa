"""Trace a Python function into a Graph."""
from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from ..core.errors import InputError, TracingError
from ..core.location import SourceLocation, notebook_cell
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
    context = TraceContext(direct)
    names = list(statuses)
    location = function_location(function)
    arguments = []
    for index, (name, sample) in enumerate(zip(names, samples)):
        spec = spec_of_array(np.asarray(sample), statuses[name] == "encrypted")
        node = context.add_node(OpKind.INPUT, [], {"name": name, "index": index}, location, spec)
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
