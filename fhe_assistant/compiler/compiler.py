"""``fhe.compiler({...})`` and ``Compiler``: the entry point users decorate functions with."""
from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

from ..core.errors import InputError
from ..lowered.parameter_assignment import ParameterAssignment
from ..tracing.trace import validate_encryption_statuses
from .circuit import Circuit
from .configuration import Configuration
from .inputs import stack_inputset
from .module_parameters import joint_parameters, self_links
from .pipeline import analyze, rounding_options
from .processors import run_processors
from .program import FHEProgram

#: Plain calls recorded as an inputset at most (a function also called in a long loop must
#: not keep every argument alive).
MAX_RECORDED_CALLS = 10_000


class Compiler:
    """Holds a function and its parameters' encryption statuses.

    Calling it runs the plain function; ``trace`` measures it on an inputset without
    requiring compatibility; ``compile`` also checks compatibility and picks parameters.
    Unlike Concrete, bounds come from the inputset of each call alone. As in Concrete,
    the arguments of plain calls are kept: ``compile()`` without an inputset uses them
    (``reset()`` forgets them).
    """

    def __init__(self, function: Callable, parameter_encryption_statuses: Mapping[str, str]):
        self.function = function
        self.statuses = validate_encryption_statuses(function, parameter_encryption_statuses)
        self.inputset: list = []
        functools.update_wrapper(self, function)

    def __call__(self, *args, **kwargs):
        if not kwargs and len(args) == len(self.statuses) and \
                len(self.inputset) < MAX_RECORDED_CALLS:
            self.inputset.append(args[0] if len(args) == 1 else tuple(args))
        return self.function(*args, **kwargs)

    @staticmethod
    def assemble(function: Callable, parameter_values, configuration=None, artifacts=None,
                 **kwargs) -> Circuit:
        """A direct circuit from ``{name: ValueDescription}`` (see ``fhe.circuit``)."""
        from .direct import assemble

        return assemble(function, parameter_values, configuration, artifacts, **kwargs)

    def reset(self) -> None:
        """Forget the arguments recorded from plain calls."""
        self.inputset = []

    def _recorded(self, inputset):
        if inputset is not None:
            return inputset
        if not self.inputset:
            raise InputError(f"{self.function.__name__}: compile needs an inputset (or calls "
                             f"of the function first, whose arguments are used as one)")
        return list(self.inputset)

    def _configuration(self, configuration: Configuration | None, kwargs) -> Configuration:
        """``compile(inputset, configuration, **options)``: the options change a copy; an
        unknown option name is refused with the list of known ones."""
        if configuration is None:
            return Configuration(**kwargs)
        return configuration.fork(**kwargs) if kwargs else configuration

    def _analyze(self, inputset, configuration: Configuration):
        if configuration.auto_adjust_rounders or configuration.auto_adjust_truncators:
            from ..extensions.auto_adjust import AutoRounder, AutoTruncator

            inputset = list(inputset)
            for kind, wanted in ((AutoRounder, configuration.auto_adjust_rounders),
                                 (AutoTruncator, configuration.auto_adjust_truncators)):
                if wanted:
                    kind.adjust(self.function, inputset)
        batches = stack_inputset(inputset, list(self.statuses))
        return analyze(self.function, self.statuses, batches,
                       configuration.maximum_tlu_bit_width, configuration.fuse_lookup_chains,
                       configuration.verify_passes, **rounding_options(configuration))

    def trace(self, inputset=None, configuration: Configuration | None = None,
              **kwargs) -> FHEProgram:
        """Trace and measure without raising on incompatibilities (to debug a program)."""
        inputset = self._recorded(inputset)
        configuration = self._configuration(configuration, kwargs)
        return FHEProgram(self._analyze(inputset, configuration), configuration)

    def compile(self, inputset=None, configuration: Configuration | None = None,
                **kwargs) -> Circuit:
        """Trace, measure, check compatibility and build the circuit."""
        inputset = self._recorded(inputset)
        configuration = self._configuration(configuration, kwargs)
        analysis = self._analyze(inputset, configuration)
        program = FHEProgram(analysis, configuration)
        run_processors(configuration, program.graph, after_assignment=False)
        program.check()
        choice = None
        if configuration.composable:  # outputs may come back as inputs (Concrete's option)
            analyses, result = joint_parameters({analysis.lowered.name: analysis},
                                                self_links(analysis), configuration)
            analysis = analyses[analysis.lowered.name]
            choice = (result, ParameterAssignment.single(analysis.plan, result))
        circuit = Circuit(analysis, configuration, choice)
        run_processors(configuration, circuit.graph, after_assignment=True)
        if configuration.show_graph:
            print(circuit)
        return circuit


def compiler(parameter_encryption_statuses: Mapping[str, str]):
    """Decorator: ``@fhe.compiler({"x": "encrypted"})``."""

    def decorate(function: Callable) -> Compiler:
        return Compiler(function, parameter_encryption_statuses)

    return decorate
