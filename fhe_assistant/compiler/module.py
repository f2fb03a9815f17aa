"""``fhe.module`` / ``fhe.function``: several functions compiled together, sharing keys.

```python
@fhe.module()
class Counter:
    @fhe.function({"x": "encrypted"})
    def inc(x):
        return (x + 1) % 20

    @fhe.function({"x": "encrypted"})
    def dec(x):
        return (x - 1) % 20

counter = Counter.compile({"inc": range(20), "dec": range(20)})
x = counter.inc.run(counter.inc.encrypt(5))     # an output ...
counter.dec.decrypt(counter.dec.run(x))         # ... is another call's input: 5
```

Each function goes through the same pipeline as ``fhe.compiler`` (trace, fuse, lower,
bounds, plan); then :mod:`.module_parameters` gives linked inputs and outputs one encoding,
checks that composed noise does not grow and picks one parameter set for all the functions,
whose circuits share one key set. The composition policy (``composition = fhe.Wired(...)``
in the class body; ``fhe.AllComposable()`` by default) says which outputs may come back.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from contextlib import contextmanager

import numpy as np

from ..core.errors import FHEAssistantError, InputError
from ..lowered.parameter_assignment import ParameterAssignment
from .circuit import Circuit
from .compiler import Compiler
from .composition import AllComposable, CompositionPolicy, Input, Output, Wire, Wired
from .configuration import Configuration
from .module_parameters import CompositionError, joint_parameters
from .program import FHEProgram


class ModuleDebugArtifacts:
    """What a module's compilation produced, per function (Concrete's class of that name):
    ``functions[name]`` holds ``graph`` (the printed graph) and ``lowered`` (what runs)."""

    def __init__(self):
        self.functions: dict[str, dict[str, str]] = {}

    def record(self, circuits: dict) -> None:
        for name, circuit in circuits.items():
            self.functions[name] = {"graph": circuit.graph.format(), "lowered": circuit.lowered}


class ModuleError(FHEAssistantError, RuntimeError):
    """A module used in a way Concrete refuses with ``RuntimeError``."""


def _quoted(names: list[str]) -> str:
    quoted = [f"'{n}'" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


class FunctionDef:
    """A function of a module before compilation: callable in the clear."""

    def __init__(self, function: Callable, statuses: Mapping[str, str]):
        self.function, self.name = function, function.__name__
        names = list(inspect.signature(function).parameters)
        missing = [n for n in names if n not in statuses]
        unknown = [n for n in statuses if n not in names]
        if missing:
            raise InputError(f"Encryption statuses of parameter{'s' if len(missing) > 1 else ''} "
                             f"{_quoted(missing)} of function '{self.name}' are not provided")
        if unknown:
            raise InputError(f"Encryption statuses of {_quoted(unknown)} are provided but "
                             f"{'they are not a parameter' if len(unknown) > 1 else 'it is not a parameter'} "
                             f"of function '{self.name}'")
        self.compiler = Compiler(function, statuses)
        self.statuses = self.compiler.statuses
        self._recorder = None

    def __call__(self, *args, **kwargs):
        if kwargs:
            raise ModuleError(f"Calling function '{self.name}' with kwargs is not supported")
        result = self.function(*args)
        if self._recorder is not None:
            result = self._recorder.record(self, args, result)
        return result

    def __repr__(self) -> str:
        return f"FunctionDef(name={self.name})"


def function(parameter_encryption_statuses: Mapping[str, str]):
    """Decorator of a module's method: ``@fhe.function({"x": "encrypted"})``."""

    def decorate(function_: Callable) -> FunctionDef:
        return FunctionDef(function_, parameter_encryption_statuses)

    return decorate


class _WireRecorder:
    """Records, while a module's functions run in the clear, which call's outputs became
    which call's inputs (by identity of the values) and each function's inputs."""

    def __init__(self):
        self.produced: dict[int, tuple[str, int]] = {}
        self.wires: set[Wire] = set()
        self.inputsets: dict[str, list] = {}
        self._keep: list = []  # keep produced values alive so their ids stay unique

    def record(self, definition: FunctionDef, args, result):
        """Note the call; returns its results as fresh arrays (Python's small ints are shared
        objects, so only a fresh object identifies where a value came from)."""
        for position, arg in enumerate(args):
            source = self.produced.get(id(arg))
            if source is not None:
                self.wires.add(Wire(Output(source[0], source[1]),
                                    Input(definition.name, position)))
        self.inputsets.setdefault(definition.name, []).append(
            args[0] if len(args) == 1 else tuple(args))
        results = tuple(np.array(value) for value in
                        (result if isinstance(result, tuple) else (result,)))
        for position, value in enumerate(results):
            self.produced[id(value)] = (definition.name, position)
            self._keep.append(value)
        return results if isinstance(result, tuple) else results[0]


class _Ports:
    """What composition policies ask about a module being compiled."""

    def __init__(self, analyses: dict):
        self.analyses = analyses
        self.function_names = list(analyses)

    def encrypted_inputs(self, name: str) -> list[int]:
        graph = self.analyses[name].lowered
        return [k for k, i in enumerate(graph.inputs) if graph[i].is_encrypted]

    def encrypted_outputs(self, name: str) -> list[int]:
        graph = self.analyses[name].lowered
        return [k for k, o in enumerate(graph.outputs) if graph[o].is_encrypted]

    @staticmethod
    def composition_error(message: str) -> CompositionError:
        return CompositionError(f"Invalid composition rule encountered: {message}")


class ModuleDefinition:
    """What ``@fhe.module()`` makes of a class: its functions and composition policy."""

    def __init__(self, cls: type):
        self.name = cls.__name__
        self.functions = {name: value for name, value in vars(cls).items()
                          if isinstance(value, FunctionDef)}
        if not self.functions:
            raise ModuleError("Tried to define an @fhe.module without any @fhe.function")
        composition = vars(cls).get("composition", AllComposable())
        if not isinstance(composition, CompositionPolicy):
            raise InputError(f"the composition of module {self.name} must be a "
                             f"fhe.CompositionPolicy (fhe.AllComposable(), fhe.Wired(...)), "
                             f"got {type(composition).__name__}")
        self.composition = composition
        self._recorded_inputsets: dict[str, list] = {}

    def __getattr__(self, name: str):
        functions = self.__dict__.get("functions", {})
        if name in functions:
            return functions[name]
        raise AttributeError(f"No attribute {name}")

    @contextmanager
    def wire_pipeline(self, inputset):
        """Run the functions in the clear inside the block: the outputs that become inputs
        are recorded as ``Wired`` wires, each function's inputs as its inputset."""
        recorder = _WireRecorder()
        for definition in self.functions.values():
            definition._recorder = recorder
        try:
            yield iter(inputset)
        finally:
            for definition in self.functions.values():
                definition._recorder = None
        if isinstance(self.composition, Wired):
            self.composition.wires |= recorder.wires
        self._recorded_inputsets = recorder.inputsets

    def _inputset(self, name: str, inputset) -> list:
        definition = self.functions[name]
        samples = list(inputset)
        if not samples:
            raise ModuleError(f"Compiling function '{name}' without an inputset is not supported")
        count = len(definition.statuses)
        for index, sample in enumerate(samples):
            size = len(sample) if isinstance(sample, tuple) else 1
            if size != count:
                got = f"a tuple of {size} values" if isinstance(sample, tuple) else \
                    "a single value"
                raise InputError(f"Input #{index} of your inputset is not well formed "
                                 f"(expected {'a tuple of ' + str(count) + ' values' if count > 1 else 'a single value'} "
                                 f"got {got})")
        return samples

    def compile(self, inputsets: Mapping | None = None, configuration: Configuration | None = None,
                module_artifacts: ModuleDebugArtifacts | None = None, **kwargs) -> FheModule:
        """Compile every function; ``inputsets``: ``{function name: inputset}`` (default:
        those recorded by ``wire_pipeline``); ``module_artifacts`` collects each function's
        graph and lowered program."""
        configuration = configuration or Configuration()
        configuration = configuration.fork(**kwargs) if kwargs else configuration
        inputsets = dict(inputsets if inputsets is not None else self._recorded_inputsets)
        analyses = {}
        for name, definition in self.functions.items():
            if name not in inputsets:
                raise ModuleError(f"Compiling function '{name}' without an inputset is not "
                                  f"supported")
            analysis = definition.compiler._analyze(self._inputset(name, inputsets[name]),
                                                    configuration)
            FHEProgram(analysis, configuration).check()
            analyses[name] = analysis
        links = self.composition.links(_Ports(analyses))
        analyses, result = joint_parameters(analyses, links, configuration)
        circuits = {name: Circuit(analysis, configuration,
                                  (result, ParameterAssignment.single(analysis.plan, result)))
                    for name, analysis in analyses.items()}
        if module_artifacts is not None:
            module_artifacts.record(circuits)
        return FheModule(self.name, circuits, configuration, result,
                         {name: d.function for name, d in self.functions.items()})


def module():
    """Class decorator: ``@fhe.module()`` over a class of ``@fhe.function`` methods."""

    def decorate(cls: type) -> ModuleDefinition:
        return ModuleDefinition(cls)

    return decorate


class RuntimeState:
    """Whether the encrypted (or simulated) execution was prepared (Concrete's lazy runtimes;
    here nothing needs building, the flag records first use)."""

    def __init__(self, initialized: bool = False):
        self.initialized = initialized


def _resolved(values):
    return tuple(v.result() if isinstance(v, Future) else v for v in values)


class FheFunction:
    """One compiled function of a module: ``encrypt``, ``run``, ``decrypt``, ``simulate``."""

    def __init__(self, name: str, circuit: Circuit, module_: FheModule, function_: Callable):
        self.name, self.circuit, self._module = name, circuit, module_
        self.function = function_

    graph = property(lambda self: self.circuit.graph)
    statistics = property(lambda self: self.circuit.statistics)
    execution_runtime = property(lambda self: self._module.execution_runtime)
    simulation_runtime = property(lambda self: self._module.simulation_runtime)

    @property
    def _simulated(self) -> bool:
        return bool(self.circuit.configuration.simulate_encrypt_run_decrypt)

    def __call__(self, *args):
        """The function itself on clear values."""
        return self.function(*args)

    def encrypt(self, *args):
        if self._simulated:
            self.simulation_runtime.initialized = True
            return args[0] if len(args) == 1 else args
        self.execution_runtime.initialized = True
        return self.circuit.encrypt(*args)

    def run(self, *values):
        if self.circuit.configuration.auto_schedule_run:
            return self.run_async(*values)
        return self.run_sync(*values)

    def run_sync(self, *values):
        values = _resolved(values)
        if self._simulated:
            return self.circuit.simulate(*values)
        self.execution_runtime.initialized = True
        return self.circuit.run(*values)

    def run_async(self, *values) -> Future:
        """The run's result as a completed ``concurrent.futures.Future``."""
        future: Future = Future()
        future.set_result(self.run_sync(*values))
        return future

    def decrypt(self, *values):
        values = _resolved(values)
        if self._simulated:
            return values[0] if len(values) == 1 else values
        return self.circuit.decrypt(*values)

    def encrypt_run_decrypt(self, *args):
        self.execution_runtime.initialized = True
        return self.circuit.encrypt_run_decrypt(*args)

    def simulate(self, *args):
        self.simulation_runtime.initialized = True
        return self.circuit.simulate(*args)

    def __str__(self) -> str:
        return self.circuit.graph.format()

    def __repr__(self) -> str:
        return f"FheFunction(name={self.name})"


class FheModule:
    """A compiled module: one ``FheFunction`` per function, one key set for all."""

    def __init__(self, name: str, circuits: dict[str, Circuit], configuration: Configuration,
                 optimization, functions: dict[str, Callable]):
        self.name, self.circuits, self.configuration = name, circuits, configuration
        self.optimization = optimization
        self.functions = {n: FheFunction(n, c, self, functions[n]) for n, c in circuits.items()}
        self.execution_runtime = RuntimeState(bool(configuration.fhe_execution))
        self.simulation_runtime = RuntimeState(bool(configuration.fhe_simulation))
        first = next(iter(circuits.values()))
        for circuit in circuits.values():
            if circuit is not first:
                circuit.client.keys = first.client.keys

    def __getattr__(self, name: str):
        functions = self.__dict__.get("functions", {})
        if name in functions:
            return functions[name]
        raise AttributeError(f"No attribute {name}")

    @property
    def keys(self):
        """The module's key set (``fhe_assistant.deploy.Keys``), shared by its functions."""
        return next(iter(self.circuits.values())).client.keys

    @keys.setter
    def keys(self, keys) -> None:
        for circuit in self.circuits.values():
            circuit.client.keys = keys

    def keygen(self, force: bool = False, seed: int | None = None) -> None:
        """Generate the module's keys once for all its functions."""
        next(iter(self.circuits.values())).keygen(force=force, seed=seed)

    @property
    def mlir(self) -> str:
        """Every function's lowered program (this backend has no MLIR)."""
        return "\n\n".join(f"// {name}\n{circuit.lowered}"
                           for name, circuit in self.circuits.items())

    @property
    def complexity(self) -> float:
        """The optimizer's cost estimate of one call of each function."""
        return float(self.optimization.complexity)

    @property
    def parameters(self):
        return next(iter(self.circuits.values())).parameters

    def cleanup(self) -> None:
        """Concrete removes compilation artifacts; here there are none to remove."""

    def __repr__(self) -> str:
        return f"FheModule({self.name}: {', '.join(self.functions)})"
