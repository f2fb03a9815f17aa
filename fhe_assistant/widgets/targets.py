"""What the explorer looks at: a program, a decorated function and its inputset, or a
function of tuning knobs (``n_bits``, rounding…) that builds a program for each setting.

A *target* turns a setting (``{"n_bits": 4}``) into a ``Built`` record: the traced program,
the inputset it was measured on, and optionally an accuracy and the plain function.
"""
from __future__ import annotations

import inspect as _inspect
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..compiler import Circuit, Compiler, FHEProgram


@dataclass(frozen=True, slots=True)
class Knob:
    """One slider: an integer setting passed to the build function by name."""

    name: str
    minimum: int
    maximum: int
    default: int
    step: int = 1
    description: str = ""

    def clamp(self, value: int) -> int:
        return max(self.minimum, min(self.maximum, int(value)))


@dataclass(eq=False)
class Built:
    """One setting's program and what goes with it."""

    program: FHEProgram
    inputset: Any = None
    accuracy: float | None = None
    function: Callable | None = None          # the plain function (clear outputs)
    samples: Any = None                        # inputs offered to the run panel
    extra: dict = field(default_factory=dict)


class Target(ABC):
    """Base: no knobs; subclasses implement ``build``."""

    knobs: tuple[Knob, ...] = ()
    name: str = "program"

    def warnings(self, built: Built) -> tuple[str, ...]:
        """Warnings about the values of ``built`` (degenerate quantization...): none here."""
        return ()

    def defaults(self) -> dict[str, int]:
        return {knob.name: knob.default for knob in self.knobs}

    @abstractmethod
    def build(self, settings: Mapping[str, int]) -> Built:
        """The program (and what the views need) at these knob settings."""

    # -- the sweep plotted against the first knob (models sweep all widths at once) -----------
    @property
    def sweep_name(self) -> str | None:
        return self.knobs[0].name if self.knobs else None

    def sweep_values(self) -> range:
        knob = self.knob(self.sweep_name)
        return range(knob.minimum, knob.maximum + 1, knob.step)

    def sweep_setting(self, settings: Mapping[str, int], value: int) -> dict[str, int]:
        return {**settings, self.sweep_name: int(value)}

    def sweep_position(self, settings: Mapping[str, int]) -> int | None:
        return settings.get(self.sweep_name)

    def knob(self, name: str) -> Knob:
        for knob in self.knobs:
            if knob.name == name:
                return knob
        raise KeyError(f"no knob named {name!r}; knobs: {[k.name for k in self.knobs]}")


class ProgramTarget(Target):
    """A program or circuit that is already traced (``fhe.explore(circuit)``)."""

    def __init__(self, program: FHEProgram, inputset=None, function: Callable | None = None):
        self.program, self.inputset, self.function = program, inputset, function

    def build(self, settings) -> Built:
        return Built(self.program, self.inputset, function=self.function,
                     samples=self.inputset)


class CompilerTarget(Target):
    """A decorated function and its inputset (``fhe.explore(f, inputset)``)."""

    def __init__(self, compiler: Compiler, inputset, configuration=None):
        self.compiler, self.inputset, self.configuration = compiler, inputset, configuration
        self.name = getattr(compiler.function, "__name__", "program")

    def build(self, settings) -> Built:
        program = self.compiler.trace(self.inputset, self.configuration)
        return Built(program, self.inputset, function=self.compiler.function,
                     samples=self.inputset)


def infer_knobs(function: Callable, ranges: Mapping[str, Any] | None = None) -> tuple[Knob, ...]:
    """Knobs from ``ranges`` (``{"n_bits": (2, 8)}`` or ``(2, 8, 4)`` or a ``Knob``), else from
    the function's integer keyword defaults (``def build(n_bits=4, rounding=0)``)."""
    knobs = []
    signature = _inspect.signature(function)
    defaults = {name: p.default for name, p in signature.parameters.items()
                if isinstance(p.default, int) and not isinstance(p.default, bool)}
    if ranges:
        for name, spec in ranges.items():
            if isinstance(spec, Knob):
                knobs.append(spec)
                continue
            values = tuple(int(v) for v in spec)
            if len(values) not in (2, 3):
                raise ValueError(f"slider {name!r}: give (min, max) or (min, max, default)")
            low, high = values[:2]
            default = values[2] if len(values) == 3 else defaults.get(name, low)
            knobs.append(Knob(name, low, high, max(low, min(high, default))))
        return tuple(knobs)
    for name, default in defaults.items():
        low = 0 if default == 0 else 1
        knobs.append(Knob(name, low, max(8, 2 * default), default))
    if not knobs:
        raise ValueError("give sliders={'n_bits': (2, 8)} or integer keyword defaults "
                         "(def build(n_bits=4)) so the explorer knows what to tune")
    return tuple(knobs)


def as_built(result, inputset=None) -> Built:
    """Accept what a build function returns: a program; ``(program, inputset)``;
    ``(compiler, inputset)``; a mapping with ``program`` and optional ``inputset``,
    ``accuracy``, ``function``, ``samples``; or a ``Built``."""
    if isinstance(result, Built):
        return result
    if isinstance(result, FHEProgram):
        return Built(result, inputset, samples=inputset)
    if isinstance(result, Mapping):
        known = {k: result[k] for k in ("program", "inputset", "accuracy", "function", "samples")
                 if k in result}
        built = as_built(known.pop("program"), known.pop("inputset", inputset))
        for key, value in known.items():
            setattr(built, key, value)
        if built.samples is None:
            built.samples = built.inputset
        return built
    if isinstance(result, tuple) and len(result) == 2:
        first, second = result
        if isinstance(first, Compiler):
            return Built(first.trace(second), second, function=first.function, samples=second)
        if isinstance(first, FHEProgram):
            return Built(first, second, samples=second)
    raise TypeError(f"the build function returned {type(result).__name__}; return an "
                    f"FHEProgram (compiler.trace(inputset)), (program, inputset), "
                    f"(compiler, inputset) or a dict with 'program'")


class FunctionTarget(Target):
    """A user's function of knobs returning a program (``fhe.explore(build, sliders=…)``).

    ``accuracy(program, **settings)``, when given, is called after each build; a build
    that returns its own ``accuracy`` (in a dict) takes precedence.
    """

    def __init__(self, function: Callable, knobs: tuple[Knob, ...],
                 accuracy: Callable | None = None, inputset=None):
        self.function, self.knobs = function, knobs
        self.accuracy, self.inputset = accuracy, inputset
        self.name = getattr(function, "__name__", "program")

    def build(self, settings) -> Built:
        built = as_built(self.function(**settings), self.inputset)
        start = time.perf_counter()
        if built.accuracy is None and self.accuracy is not None:
            built.accuracy = float(self.accuracy(built.program, **settings))
        elif callable(built.accuracy):
            built.accuracy = float(built.accuracy(built.program))
        built.extra["seconds_accuracy"] = time.perf_counter() - start
        return built


def compile_built(built: Built) -> Circuit:
    """The circuit of a compatible program: choose parameters (raises if incompatible)."""
    program = built.program
    if isinstance(program, Circuit):
        return program
    program.check()
    return Circuit(program.analysis, program.configuration)
