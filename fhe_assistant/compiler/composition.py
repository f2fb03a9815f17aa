"""Composition policies of a module (Concrete's ``fhe.AllComposable``, ``fhe.Wired`` …).

A policy says which encrypted outputs of a module's functions may be given back as inputs
(of the same or another function) without decrypting. Such an output and such an input
must be encoded alike (same precision and signedness, same keys) and the output's noise
must not grow from one call to the next; :mod:`.module_parameters` enforces both. Ports are
``(function name, index)`` pairs.
"""
from __future__ import annotations

from dataclasses import dataclass


def _name(function) -> str:
    """A function given as a ``FunctionDef``, a compiled ``FheFunction`` or its name."""
    return function if isinstance(function, str) else function.name


@dataclass(frozen=True, eq=False)
class _Port:
    """Port ``pos`` of ``func``; equal to the same kind of port of the same function name."""

    func: object
    pos: int

    @property
    def name(self) -> str:
        return _name(self.func)

    def ports(self, module) -> list[tuple[str, int]]:
        return [(self.name, self.pos)]

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and (self.name, self.pos) == (other.name, other.pos)

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.name, self.pos))


class Output(_Port):
    """Output ``index`` of ``function``."""


class Input(_Port):
    """Input ``index`` of ``function``."""


@dataclass(frozen=True)
class AllOutputs:
    """Every encrypted output of ``function``."""

    func: object

    def ports(self, module) -> list[tuple[str, int]]:
        name = _name(self.func)
        return [(name, i) for i in module.encrypted_outputs(name)]


@dataclass(frozen=True)
class AllInputs:
    """Every encrypted input of ``function``."""

    func: object

    def ports(self, module) -> list[tuple[str, int]]:
        name = _name(self.func)
        return [(name, i) for i in module.encrypted_inputs(name)]


@dataclass(frozen=True)
class Wire:
    """Outputs ``output`` may be given back as inputs ``input``."""

    output: object
    input: object


class CompositionPolicy:
    """Which (output, input) port pairs of a module are connected."""

    def links(self, module) -> list[tuple[tuple[str, int], tuple[str, int]]]:
        raise NotImplementedError


class AllComposable(CompositionPolicy):
    """Every encrypted output may feed every encrypted input (Concrete's default)."""

    def links(self, module):
        outputs = [(f, i) for f in module.function_names for i in module.encrypted_outputs(f)]
        inputs = [(f, i) for f in module.function_names for i in module.encrypted_inputs(f)]
        return [(o, i) for o in outputs for i in inputs]


class NotComposable(CompositionPolicy):
    """No output is given back: each function is a separate circuit sharing the keys."""

    def links(self, module):
        return []


class Wired(CompositionPolicy):
    """Only the given wires (``{fhe.Wire(fhe.Output(f, 0), fhe.Input(g, 0)), ...}``).

    Without wires, ``Module.wire_pipeline(inputset)`` records them from a run of the
    functions in the clear.
    """

    def __init__(self, wires=None):
        self.wires = set(wires or ())

    def links(self, module):
        links = []
        for wire in self.wires:
            for output in wire.output.ports(module):
                if output[1] not in module.encrypted_outputs(output[0]):
                    raise module.composition_error(
                        f"Output {output[1]} of {output[0]} is not encrypted")
                for input_ in wire.input.ports(module):
                    if input_[1] not in module.encrypted_inputs(input_[0]):
                        raise module.composition_error(
                            f"Input {input_[1]} of {input_[0]} is not encrypted")
                    links.append((output, input_))
        return links
