"""``quantization_report``: what each ``n_bits`` (and pruning level) costs and gives.

The fitted float model is re-quantized for every setting (no refit), each integer program
is traced and compiled on the calibration data, and test samples run through it as one
batch in the clear and in FHE simulation. A row per setting:

| column                  | meaning                                                       |
|-------------------------|---------------------------------------------------------------|
| ``float``               | the float model's accuracy / R² (after pruning, if any)       |
| ``quantized``           | the integer model on clear integers (``fhe="disable"``)       |
| ``simulated``           | the compiled circuit, FHE-faithful (``fhe="simulate"``)       |
| ``max_bit_width``       | widest encrypted integer (the accumulators)                   |
| ``lookup_bit_width``    | bootstrap precision (widest table-lookup input after rounding) |
| ``tlu_count``           | table lookups (bootstraps) per sample                          |
| ``fhe_compatible``      | compiles (lookups fit, parameters exist)                       |
| ``predicted_latency_ms``| ``tlu_count × seconds per KS+PBS`` of the chosen parameters    |
| ``problem``             | why it does not compile, if it does not                        |
"""
from __future__ import annotations

import time

import numpy as np

from ..compiler import Circuit
from ..core.errors import CompilationError, InputError
from ..quantization.functions import run_circuit
from ..quantization.n_bits import NBits


def _settings(values, default) -> list:
    if values is None:
        return [default]
    if isinstance(values, (int, float, np.integer, np.floating)) or values is None:
        return [values]
    return list(values)


def _compile(quantized, calibration, configuration):
    """The circuit, or None and the reason (tracing never raises on incompatibility)."""
    program = quantized.trace(calibration, configuration=configuration)
    if not program.is_compatible:
        issues = program.compatibility.issues
        return program, None, str(issues[0]).splitlines()[0] if issues else "not compatible"
    try:
        circuit = Circuit(program.analysis, program.configuration)
    except CompilationError as error:
        return program, None, str(error).splitlines()[0]
    quantized.circuit = circuit
    return program, circuit, ""


def quantization_report(model, X, y, n_bits=range(2, 9), *, pruning=(0.0,),
                        rounding_threshold_bits=None, calibration=None, simulate: bool = True,
                        configuration=None):
    """A DataFrame with one row per (pruning, n_bits, rounding_threshold_bits) setting.

    Parameters
    ----------
    model : FHEModel
        A fitted built-in model (its float model is re-quantized, not retrained). Typed by
        name only: :mod:`.base` calls this module, so this module does not import it.
    X, y
        Evaluation samples and targets (accuracy for classifiers, R² for regressors).
    n_bits
        Widths to try (each an int or a dict, as the model's ``n_bits``).
    pruning
        Fractions of weights pruned by magnitude (layered models).
    rounding_threshold_bits
        Values to try (MLPs); ``None`` keeps the model's.
    calibration
        Samples that calibrate the quantizers and form the inputset; defaults to the data
        the model was calibrated on (its training set after ``fit``).
    simulate
        Also run the circuits in FHE simulation (``simulated`` column).
    """
    import pandas as pd

    start = time.perf_counter()
    model._require_fitted()
    X = model._check_X(X, "X")
    y = np.asarray(y)
    if calibration is None:
        calibration = getattr(model, "_calibration_X", None)
        if calibration is None:
            raise InputError("quantization_report needs calibration data: pass "
                             "calibration=X_train (the model was imported without it)")
    else:
        calibration = model._check_X(calibration, "calibration")
    has_rounding = hasattr(model, "rounding_threshold_bits")
    roundings = _settings(rounding_threshold_bits,
                          model.rounding_threshold_bits if has_rounding else None)
    prunings = _settings(pruning, 0.0)
    if any(p for p in prunings) and not hasattr(model, "float_layers_"):
        raise InputError(f"{type(model).__name__} cannot be pruned by magnitude")
    rows = []
    for fraction in prunings:
        float_metric = None
        for width in _settings(n_bits, 8):
            for rounding in roundings:
                overrides = {"pruning": (float(fraction), None)}
                if has_rounding:
                    overrides["rounding_threshold_bits"] = rounding
                bits = NBits.parse(width, model.default_n_bits)
                quantized = model._quantize(calibration, bits, **overrides)
                if float_metric is None:
                    float_metric = model._metric(
                        y, model._predictions(model._float_outputs(X, quantized)))
                program = quantized.program
                integers = program.quantize_inputs([X])
                clear = program.decode(run_circuit(None, program, integers, "disable"))[0]
                traced, circuit, problem = _compile(quantized, calibration, configuration)
                row = {"n_bits": width if isinstance(width, int) else str(bits),
                       "pruning": float(fraction),
                       "rounding_threshold_bits": rounding,
                       "float": float_metric,
                       "quantized": model._metric(y, model._predictions(clear)),
                       "simulated": np.nan,
                       "max_bit_width": traced.graph.maximum_integer_bit_width(is_encrypted_filter=True),
                       "lookup_bit_width": traced.analysis.plan.max_lookup_precision,
                       "tlu_count": traced.analysis.plan.pbs_count,
                       "fhe_compatible": circuit is not None,
                       "predicted_latency_ms": np.nan,
                       "problem": problem}
                if circuit is not None:
                    row["predicted_latency_ms"] = 1e3 * circuit.analysis.plan.pbs_count * \
                        circuit.optimization.seconds_per_pbs
                    if simulate:
                        outputs = run_circuit(circuit, program, integers, "simulate", quiet=True)
                        row["simulated"] = model._metric(
                            y, model._predictions(program.decode(outputs)[0]))
                rows.append(row)
    frame = pd.DataFrame(rows)
    if not has_rounding:
        frame = frame.drop(columns="rounding_threshold_bits")
    if len(prunings) == 1 and not prunings[0]:
        frame = frame.drop(columns="pruning")
    frame.attrs["metric"] = "accuracy" if model._metric is not None and \
        _is_classifier(model) else "r2"
    frame.attrs["seconds"] = time.perf_counter() - start
    return frame


def _is_classifier(model) -> bool:
    from sklearn.base import is_classifier

    return is_classifier(model)
