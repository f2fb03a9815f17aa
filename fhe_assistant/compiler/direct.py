"""``fhe.circuit``: a circuit defined directly by its parameters' types, without inputset.

```python
@fhe.circuit({"x": "encrypted"})
def circuit(x: fhe.uint4):
    return fhe.univariate(lambda v: v**2 % 16, outputs=fhe.uint4)(x)
```

Concrete takes every type from the program text in a direct definition. Here the program is
traced like any other (``direct`` tracing refuses what a direct definition cannot say:
``astype(np.int64)``, ``round(x)``, lookups without ``outputs=``), measured on an inputset
drawn from the declared input types (every value when there are few, else both ends of each
range and random values), then each node gets its declared type
(:mod:`analysis.direct_types`) widened where the values reachable from the declared inputs
need more, so that the circuit computes exactly on every declared input. The printed graph
shows no bounds, as Concrete's direct circuits.
"""
from __future__ import annotations

import inspect
import itertools
from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from ..analysis.direct_types import at_least, declared_dtypes
from ..core.dtypes import Float
from ..core.dtypes import Integer as CoreInteger
from ..core.errors import CompilationError, InputError
from ..ir.rewrite import retyped
from ..lowered.fhe_plan import build_plan
from ..tracing.trace import validate_encryption_statuses
from ..tracing.typing import ScalarAnnotation
from ..values import ValueDescription
from .circuit import Circuit
from .configuration import Configuration
from .inputs import stack_inputset
from .pipeline import analyze, rounding_options
from .program import FHEProgram

#: Inputs with at most this many combined values are measured on all of them.
EXHAUSTIVE_LIMIT = 4096
#: Otherwise: both ends of every range, then this many random samples.
RANDOM_SAMPLES = 512


def parameter_types(function, statuses: Mapping[str, str]) -> list[tuple[str, object, tuple]]:
    """``(name, fhe dtype, shape)`` of each parameter, from its annotation."""
    try:
        hints = inspect.get_annotations(function, eval_str=True)
    except Exception:  # noqa: BLE001 - an annotation that does not evaluate: reported below
        hints = getattr(function, "__annotations__", {})
    result = []
    for name in inspect.signature(function).parameters:
        annotation = hints.get(name, inspect.Parameter.empty)
        if isinstance(annotation, type) and issubclass(annotation, ScalarAnnotation):
            dtype, shape = annotation.dtype, ()
        elif isinstance(annotation, ValueDescription):
            dtype, shape = annotation.dtype, tuple(annotation.shape)
        else:
            raise InputError(f"Annotation {annotation} for argument '{name}' "
                             f"is not valid (please use an fhe type such as `fhe.uint4` or "
                             f"'fhe.tensor[fhe.uint4, 3, 2]')")
        if name not in statuses:
            raise InputError(f"Encryption status of parameter '{name}' of function "
                             f"'{function.__name__}' is not provided")
        result.append((name, dtype, shape))
    return result


def _core(dtype):
    if hasattr(dtype, "is_signed"):
        return CoreInteger(int(dtype.bit_width), bool(dtype.is_signed))
    return Float(int(dtype.bit_width))


def declared_inputset(types, seed: int = 0) -> list[tuple]:
    """Samples covering the declared input types: all combinations when there are few,
    else all-minimum, all-maximum and random samples."""
    rng = np.random.default_rng(seed)
    ranges = []
    for _, dtype, shape in types:
        if not hasattr(dtype, "is_signed"):
            raise InputError("direct circuits take integer parameters (fhe.uintN, fhe.intN)")
        ranges.append((int(dtype.min()), int(dtype.max()), shape))
    sizes = [(high - low + 1) ** max(int(np.prod(shape)), 1) for low, high, shape in ranges]
    if int(np.prod(sizes, dtype=object)) <= EXHAUSTIVE_LIMIT:
        axes = []
        for low, high, shape in ranges:
            count = max(int(np.prod(shape)), 1)
            values = itertools.product(range(low, high + 1), repeat=count)
            axes.append([np.array(v, dtype=np.int64).reshape(shape) for v in values])
        return [tuple(sample) for sample in itertools.product(*axes)]
    samples = [tuple(np.full(shape, low, dtype=np.int64) for low, _, shape in ranges),
               tuple(np.full(shape, high, dtype=np.int64) for _, high, shape in ranges)]
    for _ in range(RANDOM_SAMPLES):
        samples.append(tuple(rng.integers(low, high + 1, size=shape, dtype=np.int64)
                             for low, high, shape in ranges))
    return samples


def _with_declared_types(analysis, types, maximum_tlu_bit_width: int):
    declared = declared_dtypes(analysis.fused, [_core(dtype) for _, dtype, _ in types])
    fused_types = {i: at_least(analysis.fused[i].spec.dtype, d) for i, d in declared.items()}
    fused = retyped(analysis.fused, fused_types)
    lowered_types = {analysis.fused_to_lowered[i]: t for i, t in fused_types.items()
                     if i in analysis.fused_to_lowered}
    lowered_types = {i: at_least(analysis.lowered[i].spec.dtype, t)
                     for i, t in lowered_types.items()}
    lowered = retyped(analysis.lowered, lowered_types)
    plan = build_plan(lowered, analysis.lowered_bounds)
    if plan.max_lookup_precision > maximum_tlu_bit_width:
        raise CompilationError(f"the declared types make a {plan.max_lookup_precision}-bit "
                               f"table lookup, more than the {maximum_tlu_bit_width}-bit limit")
    return replace(analysis, fused=fused, lowered=lowered, plan=plan)


def compile_direct(function, statuses: Mapping[str, str],
                   configuration: Configuration | None = None, types=None,
                   **kwargs) -> Circuit:
    """The circuit of ``function`` from its parameters' annotations (no inputset);
    ``types``: ``(name, fhe dtype, shape)`` per parameter instead of the annotations."""
    configuration = configuration or Configuration()
    configuration = configuration.fork(**kwargs) if kwargs else configuration
    types = types if types is not None else parameter_types(function, statuses)
    statuses = validate_encryption_statuses(function, statuses)
    inputset = declared_inputset(types)
    batches = stack_inputset(inputset, [name for name, _, _ in types])
    analysis = analyze(function, statuses, batches, configuration.maximum_tlu_bit_width,
                       configuration.fuse_lookup_chains, configuration.verify_passes,
                       direct=True, **rounding_options(configuration))
    analysis = _with_declared_types(analysis, types, configuration.maximum_tlu_bit_width)
    FHEProgram(analysis, configuration).check()
    circuit = Circuit(analysis, configuration)
    circuit.graph.is_direct = True
    return circuit


def circuit(parameter_encryption_statuses: Mapping[str, str],
            configuration: Configuration | None = None, **kwargs):
    """Decorator: ``@fhe.circuit({"x": "encrypted"})`` over a function whose parameters are
    annotated with fhe types; gives the compiled ``Circuit``."""

    def decorate(function) -> Circuit:
        return compile_direct(function, parameter_encryption_statuses, configuration,
                              **kwargs)

    return decorate


def assemble(function, parameter_values: Mapping[str, ValueDescription],
             configuration: Configuration | None = None, artifacts=None,
             **kwargs) -> Circuit:
    """Concrete's ``Compiler.assemble``: a direct circuit whose parameters are given as
    ``ValueDescription``s (type, shape and encryption status) instead of annotations."""
    names = list(inspect.signature(function).parameters)
    missing = [n for n in names if n not in parameter_values]
    if missing:
        raise InputError(f"no ValueDescription for parameter(s) {', '.join(missing)} of "
                         f"{function.__name__}")
    for name in names:
        if not isinstance(parameter_values[name], ValueDescription):
            raise InputError(f"parameter {name!r} of {function.__name__} must be described by "
                             f"a ValueDescription, got {parameter_values[name]!r}")
    statuses = {n: "encrypted" if parameter_values[n].is_encrypted else "clear" for n in names}
    types = [(n, parameter_values[n].dtype, tuple(parameter_values[n].shape)) for n in names]
    return compile_direct(function, statuses, configuration, types, **kwargs)
