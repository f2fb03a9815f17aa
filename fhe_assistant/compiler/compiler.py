"""``fhe.compiler({...})`` and ``Compiler``: the entry point users decorate functions with."""
from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

from ..lowered.parameter_assignment import ParameterAssignment
from ..tracing.trace import validate_encryption_statuses
from .circuit import Circuit
from .configuration import Configuration
from .inputs import stack_inputset
from .module_parameters import joint_parameters, self_links
from .pipeline import analyze
from .program import FHEProgram


class Compiler:
    """Holds a function and its parameters' encryption statuses.

    Calling it runs the plain function; ``trace`` measures it on an inputset without
    requiring compatibility; ``compile`` also checks compatibility and picks parameters.
    Unlike Concrete, bounds come from the inputset of each call alone.
    """

    def __init__(self, function: Callable, parameter_encryption_statuses: Mapping[str, str]):
        self.function = function
        self.statuses = validate_encryption_statuses(function, parameter_encryption_statuses)
        functools.update_wrapper(self, function)

    def __call__(self, *args, **kwargs):
        return self.function(*args, **kwargs)

    def _configuration(self, configuration: Configuration | None, kwargs) -> Configuration:
        return (configuration or Configuration()).fork(**kwargs) if kwargs else \
            (configuration or Configuration())

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
                       configuration.verify_passes)

    def trace(self, inputset, configuration: Configuration | None = None, **kwargs) -> FHEProgram:
        """Trace and measure without raising on incompatibilities (to debug a program)."""
        configuration = self._configuration(configuration, kwargs)
        return FHEProgram(self._analyze(inputset, configuration), configuration)

    def compile(self, inputset, configuration: Configuration | None = None, **kwargs) -> Circuit:
        """Trace, measure, check compatibility and build the circuit."""
        configuration = self._configuration(configuration, kwargs)
        analysis = self._analyze(inputset, configuration)
        FHEProgram(analysis, configuration).check()
        choice = None
        if configuration.composable:  # outputs may come back as inputs (Concrete's option)
            analyses, result = joint_parameters({analysis.lowered.name: analysis},
                                                self_links(analysis), configuration)
            analysis = analyses[analysis.lowered.name]
            choice = (result, ParameterAssignment.single(analysis.plan, result))
        circuit = Circuit(analysis, configuration, choice)
        if configuration.show_graph:
            print(circuit)
        return circuit


def compiler(parameter_encryption_statuses: Mapping[str, str]):
    """Decorator: ``@fhe.compiler({"x": "encrypted"})``."""

    def decorate(function: Callable) -> Compiler:
        return Compiler(function, parameter_encryption_statuses)

    return decorate
