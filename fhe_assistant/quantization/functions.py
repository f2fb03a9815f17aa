"""``quantize(fn, n_bits)``: a user's float numpy function as an integer FHE program.

>>> import numpy as np
>>> W = np.array([[0.5, -1.0], [2.0, 0.25]])
>>> def model(x):
...     return np.maximum(x @ W + 0.1, 0) @ np.array([1.0, -2.0])
>>> qf = quantize(model, n_bits=6, rounding_threshold_bits=5)
>>> X = np.random.default_rng(0).normal(size=(200, 2))
>>> circuit = qf.compile(X)                  # calibrate, quantize, compile
>>> y = qf(X[:5], fhe="simulate")            # floats in, floats out
>>> bool(np.allclose(y, qf.float_function(X[:5]), atol=0.3))
True
"""
from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable

import numpy as np

from ..analysis.compatibility import checking_quantized_program
from ..compiler import Compiler, Configuration
from ..core.errors import InputError, OutOfRangeWarning
from ..tracing.trace import parameter_names, trace
from .builder import evaluate, is_leveled, replay
from .n_bits import NBits
from .post_training import QuantizationOptions, QuantizedProgram, evaluate_float, quantize_graph

FHE_MODES = ("disable", "simulate", "execute")


def check_fhe_mode(fhe: str) -> str:
    if fhe not in FHE_MODES:
        raise InputError(f"fhe={fhe!r}: use 'disable' (quantized, in the clear), 'simulate' "
                         f"(the compiled circuit on clear integers) or 'execute' (encrypted)")
    return fhe


def as_float_batch(value, sample_shape: tuple[int, ...] | None, name: str) -> np.ndarray:
    """A ``(samples, *sample_shape)`` float array, or an error naming what is wrong."""
    array = np.asarray(value)
    if array.dtype == object or array.dtype.kind not in "biuf":
        raise InputError(f"{name} must be numeric, got dtype {array.dtype}")
    array = array.astype(np.float64)
    if sample_shape is not None:
        if array.shape == tuple(sample_shape):
            array = array[None]
        if array.shape[1:] != tuple(sample_shape):
            expected = ", ".join(map(str, sample_shape))
            raise InputError(f"{name} has shape {array.shape}; expected (n_samples, {expected})"
                             + (f": {sample_shape[-1]} features, got "
                                f"{array.shape[-1] if array.ndim else 0}"
                                if len(sample_shape) == 1 else ""))
    if array.ndim == 0 or array.shape[0] == 0:
        raise InputError(f"{name} is empty: give at least one sample")
    bad = ~np.isfinite(array)
    if bad.any():
        where = np.argwhere(bad)[0]
        raise InputError(f"{name} contains NaN or infinity (first at index {tuple(where)}); "
                         f"impute or drop those values first")
    return array


def run_circuit(circuit, program: QuantizedProgram, inputs: list[np.ndarray], fhe: str,
                quiet: bool = False) -> list[np.ndarray]:
    """Integer outputs of ``program`` on quantized ``inputs`` in one of the three modes."""
    if fhe == "disable":
        return evaluate(program.graph, inputs)
    if circuit is None:
        raise InputError(f"fhe={fhe!r} needs a compiled circuit: call compile(X) first "
                         f"(fhe='disable' runs the quantized model without one)")
    if fhe == "execute" and not circuit.keys_generated:
        raise InputError("fhe='execute' needs keys: call keygen() first (circuit.keygen(); in "
                         "tests, Configuration(insecure_key_cache_location=...) caches them)")
    with warnings.catch_warnings():
        if quiet:
            warnings.simplefilter("ignore", OutOfRangeWarning)
        if fhe == "simulate":
            result = circuit.simulate_batch(*inputs)
        else:
            result = circuit.encrypt_run_decrypt_batch(*inputs)
    results = list(result) if isinstance(result, tuple) else [result]
    return [np.asarray(r).reshape((inputs[0].shape[0],) + program.graph[o].spec.shape)
            for r, o in zip(results, program.graph.outputs)]


def extreme_samples(program: QuantizedProgram) -> np.ndarray | None:
    """For a leveled one-input program: inputs reaching each output's min and max.

    Such a program is affine in its input, so the corners of the input box that maximize
    and minimize each output element are known; adding them to the inputset sizes every
    accumulator for any input the quantizer can produce (no overflow, ever).
    """
    graph = program.graph
    if len(graph.inputs) != 1 or not is_leveled(graph):
        return None
    params = program.input_quantizers[0]
    shape = graph[graph.inputs[0]].spec.shape
    size = int(np.prod(shape, dtype=np.int64))
    if size > 4096:
        return None
    probes = np.concatenate([np.zeros((1, size), np.int64), np.eye(size, dtype=np.int64)])
    samples = []
    for output in evaluate(graph, [probes.reshape((-1,) + shape)]):
        flat = output.reshape(size + 1, -1)
        slopes = flat[1:] - flat[:1]                      # (inputs, outputs)
        for column in range(min(slopes.shape[1], 256)):
            positive = slopes[:, column] > 0
            samples.append(np.where(positive, params.qmax, params.qmin))
            samples.append(np.where(positive, params.qmin, params.qmax))
    return np.stack(samples).reshape((-1,) + shape) if samples else None


class QuantizedFunction:
    """A float function, its quantized integer program, and (after ``compile``) a circuit.

    Parameters
    ----------
    function
        A numpy function of one sample per parameter (as for ``fhe.compiler``), on floats.
    n_bits
        ``int`` or ``{"inputs": …, "weights": …, "outputs": …}``.
    rounding_threshold_bits
        Width that table-lookup inputs are rounded to (``round_bit_pattern``).
    rounding_method
        ``"approximate"`` (default) or ``"exact"`` (see :class:`QuantizationOptions`).
    per_channel, clear_outputs
        See :class:`~fhe_assistant.quantization.post_training.QuantizationOptions`.
    """

    def __init__(self, function: Callable, n_bits=8, *, rounding_threshold_bits: int | None = None,
                 per_channel: bool = True, clear_outputs: bool = True,
                 rounding_method: str = "approximate"):
        self.function = function
        self.names = parameter_names(function)
        self.options = QuantizationOptions(NBits.parse(n_bits), rounding_threshold_bits,
                                           per_channel, clear_outputs,
                                           rounding_method=rounding_method)
        self.program: QuantizedProgram | None = None
        self.circuit = None
        self._shapes: list[tuple[int, ...]] | None = None
        self.__doc__ = inspect.getdoc(function)

    @classmethod
    def from_program(cls, program: QuantizedProgram, name: str = "quantized"
                     ) -> QuantizedFunction:
        """Wrap an integer program built by hand (trees, custom layers) with the same API."""
        names = program.graph.input_names

        def function(*args):  # pragma: no cover - never traced: the program exists already
            raise InputError(f"{name} was built from an integer program; re-quantize the model")

        function.__name__ = name
        function.__signature__ = inspect.Signature(
            [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names])
        quantized = cls(function, program.options.n_bits,
                        rounding_threshold_bits=program.options.rounding_threshold_bits,
                        rounding_method=program.options.rounding_method)
        quantized.program = program
        quantized._shapes = [program.graph[i].spec.shape for i in program.graph.inputs]
        return quantized

    # -- quantization -------------------------------------------------------------------------
    def _batches(self, inputs, what: str) -> list[np.ndarray]:
        if len(inputs) != len(self.names):
            raise InputError(f"{getattr(self.function, '__name__', 'function')} takes "
                             f"{len(self.names)} input(s) ({', '.join(self.names)}), got "
                             f"{len(inputs)}")
        shapes = self._shapes or [None] * len(inputs)
        batches = [as_float_batch(x, s, f"{what} {n!r}")
                   for x, s, n in zip(inputs, shapes, self.names)]
        if len({b.shape[0] for b in batches}) != 1:
            raise InputError(f"{what}: every input needs the same number of samples")
        return batches

    def calibrate(self, *inputs) -> QuantizedFunction:
        """Trace the function, calibrate every quantizer on these samples, build the program."""
        self._shapes = None
        batches = self._batches(inputs, "calibration data")
        statuses = {name: "encrypted" for name in self.names}
        float_graph = trace(self.function, statuses, [b[0] for b in batches])
        self.program = quantize_graph(float_graph, batches, self.options)
        self._shapes = [b.shape[1:] for b in batches]
        self.circuit = None
        return self

    @property
    def is_calibrated(self) -> bool:
        return self.program is not None

    def _require_program(self) -> QuantizedProgram:
        if self.program is None:
            raise InputError("the function is not calibrated yet: call calibrate(X) or "
                             "compile(X) first")
        return self.program

    def quantize_inputs(self, *inputs):
        """Integer inputs for the circuit: one array per input (a tuple when there are
        several), batched: ready for ``circuit.simulate_batch`` /
        ``encrypt_run_decrypt_batch`` as they are."""
        quantized = self._require_program().quantize_inputs(self._batches(inputs, "input"))
        return quantized[0] if len(quantized) == 1 else tuple(quantized)

    def dequantize_outputs(self, *outputs):
        """Float outputs from the circuit's integer outputs (a tuple when there are several,
        as the circuit returns them); shapes are kept as they are."""
        if len(outputs) == 1 and isinstance(outputs[0], tuple):
            outputs = outputs[0]
        decoded = self._require_program().decode(outputs)
        return decoded[0] if len(decoded) == 1 else tuple(decoded)

    # -- compilation --------------------------------------------------------------------------
    def compiler(self) -> Compiler:
        program = self._require_program()
        function = replay(program.graph, getattr(self.function, "__name__", "quantized"))
        return Compiler(function, {name: "encrypted" for name in program.graph.input_names})

    def inputset(self, *inputs) -> list:
        program = self._require_program()
        quantized = program.quantize_inputs(self._batches(inputs, "inputset"))
        extremes = extreme_samples(program)
        if extremes is not None:
            quantized = [np.concatenate([quantized[0], extremes])]
        return quantized[0] if len(quantized) == 1 else list(zip(*quantized))

    def compile(self, *inputs, configuration: Configuration | None = None, **kwargs):
        """Calibrate on ``inputs`` (unless done already) and compile the integer program."""
        if not inputs:
            raise InputError("compile needs samples: compile(X)")
        if self.program is None:
            self.calibrate(*inputs)
        with checking_quantized_program():      # hints then speak of n_bits
            self.circuit = self.compiler().compile(self.inputset(*inputs), configuration,
                                                   **kwargs)
        return self.circuit

    def trace(self, *inputs, configuration: Configuration | None = None, **kwargs):
        """Like ``compile`` but returns the measured program even if it is not FHE-compatible."""
        if self.program is None:
            self.calibrate(*inputs)
        with checking_quantized_program():
            return self.compiler().trace(self.inputset(*inputs), configuration, **kwargs)

    def keygen(self, force: bool = False, seed: int | None = None) -> None:
        if self.circuit is None:
            raise InputError("keygen needs a compiled circuit: call compile(X) first")
        self.circuit.keygen(force=force, seed=seed)

    # -- running ------------------------------------------------------------------------------
    def __call__(self, *inputs, fhe: str = "disable"):
        """Float outputs for float inputs (batches): quantize, run, dequantize."""
        check_fhe_mode(fhe)
        program = self._require_program()
        quantized = program.quantize_inputs(self._batches(inputs, "input"))
        outputs = program.decode(run_circuit(self.circuit, program, quantized, fhe))
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    def float_function(self, *inputs):
        """The original float function on batches (via its traced graph)."""
        program = self._require_program()
        outputs = evaluate_float(program.float_graph, self._batches(inputs, "input"))
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    @property
    def graph(self):
        """The integer program (what gets compiled)."""
        return self._require_program().graph

    @property
    def lookups(self):
        return self._require_program().lookups

    def __repr__(self) -> str:
        name = getattr(self.function, "__name__", "function")
        state = "compiled" if self.circuit is not None else \
            "calibrated" if self.program is not None else "not calibrated"
        return f"QuantizedFunction({name}, n_bits={self.options.n_bits}, {state})"


def quantize(function: Callable | None = None, n_bits=8, **options):
    """Turn a float numpy function into a :class:`QuantizedFunction` (also a decorator).

    ``fhe_assistant.quantize(fn, n_bits=6, rounding_threshold_bits=6)`` or
    ``@fhe_assistant.quantize(n_bits=6)``.
    """
    if function is None:
        return lambda f: QuantizedFunction(f, n_bits, **options)
    return QuantizedFunction(function, n_bits, **options)
