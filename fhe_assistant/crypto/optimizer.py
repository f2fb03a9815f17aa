"""Choose TFHE parameters: the cheapest 128-bit-secure set that meets a circuit's error target.

This is Concrete's "solo key" optimizer (tfhe-notes §3.5) over the CPU search space
k ∈ [1, 6], N ∈ [2**8, 2**17], n ∈ [512, 2047], with the §3.4 noise model and the §3.5
cost model. For one table lookup on a fresh input at p_error = 1e-5 it returns exactly
the sets concrete-python 2.11 chose for 2–8 bits (tfhe-notes §3.1).

Examples
--------
>>> from fhe_assistant.crypto.optimizer import optimize
>>> from fhe_assistant.crypto.requirements import CircuitRequirements
>>> result = optimize(CircuitRequirements(message_bit_width=4), p_error=1e-5)
>>> p = result.parameters
>>> (p.lwe_dimension, p.glwe_dimension, p.polynomial_size, p.decomposition_base_log,
...  p.ks_decomposition_base_log)
(822, 2, 1024, 23, 5)
"""

from __future__ import annotations

import math

import numpy as np

from ..core.errors import CompilationError
from .cost import DEFAULT_CALIBRATION, CostCalibration, CostKind, predict_seconds
from .noise import (
    blind_rotation_variance,
    external_product_variance_terms,
    fresh_variance,
    keyswitch_variance,
    log2_std,
    max_variance_for_p_error,
    modulus_switch_variance,
    p_error_from_variance,
)
from .noise import (
    global_p_error as global_p_error_of,
)
from .parameters import TFHEParameters
from .requirements import DEFAULT_GLOBAL_P_ERROR, CircuitRequirements, target_p_error
from .result import NoiseBreakdown, OptimizationResult
from .search import (
    Choice,
    NoiseShape,
    min_peak_variance_pbs,
    min_variance_leveled,
    search_leveled,
    search_pbs,
)

_MAX_BIT_WIDTH = 60


def optimize(
    requirements: CircuitRequirements,
    p_error: float | None = None,
    global_p_error: float | None = DEFAULT_GLOBAL_P_ERROR,
    calibration: CostCalibration = DEFAULT_CALIBRATION,
) -> OptimizationResult:
    """The cheapest secure parameters for ``requirements``.

    Parameters
    ----------
    requirements
        The circuit's precision, lookup count and 2-norms.
    p_error
        Per-operation failure bound; when given, ``global_p_error`` is ignored.
    global_p_error
        Failure bound for a whole run, split evenly over lookups and outputs
        (1 − (1 − global)**(1/count)); used when ``p_error`` is None.
    calibration
        Rates that turn complexities into the predicted ``seconds_per_pbs``.

    Raises
    ------
    CompilationError
        No parameter set of the search space meets the target; the message gives the
        largest precision that would.
    """
    target = target_p_error(requirements, p_error, global_p_error)
    max_variance = float(max_variance_for_p_error(target, requirements.message_bit_width))
    if requirements.pbs_count == 0:
        return _optimize_leveled(requirements, target, max_variance, p_error is None)
    shape = _noise_shape(requirements)
    choice = search_pbs(shape, max_variance, requirements.pbs_count, requirements.leveled_op_count)
    if choice is None:
        raise _unsatisfiable(requirements, target, p_error is None)
    return _pbs_result(requirements, target, max_variance, choice, calibration)


def max_message_bit_width(
    requirements: CircuitRequirements,
    p_error: float | None = None,
    global_p_error: float | None = DEFAULT_GLOBAL_P_ERROR,
) -> int:
    """The highest precision p for which :func:`optimize` would succeed (0 if none).

    Everything else in ``requirements`` (norms, counts, chaining) is kept. Noise does not
    depend on p, only the bound 2**(62−p)/κ does, so one pass over the search space
    finding the lowest reachable peak noise answers for every p.
    """
    target = target_p_error(requirements, p_error, global_p_error)
    return _max_bit_width(_min_peak_variance(requirements), target)


def _noise_shape(requirements: CircuitRequirements) -> NoiseShape:
    return NoiseShape(
        norm2_into_pbs=float(requirements.max_norm2_into_pbs),
        norm2_into_output=float(requirements.max_norm2_into_output),
        chained=requirements.chained,
        output_from_pbs=requirements.output_noise_from_pbs,
    )


def _min_peak_variance(requirements: CircuitRequirements) -> float:
    if requirements.pbs_count == 0:
        return min_variance_leveled(float(requirements.max_norm2_into_output))
    return min_peak_variance_pbs(_noise_shape(requirements))


def _max_bit_width(min_peak: float, target: float) -> int:
    widths = np.arange(1, _MAX_BIT_WIDTH + 1)
    feasible = widths[min_peak <= max_variance_for_p_error(target, widths)]
    return int(feasible.max()) if feasible.size else 0


def _combined_p_error(p_pbs: float, pbs_count: int, p_out: float, output_count: int) -> float:
    """1 − (1 − p_pbs)**pbs_count · (1 − p_out)**output_count, accurate for tiny p."""
    return float(-math.expm1(pbs_count * math.log1p(-p_pbs) + output_count * math.log1p(-p_out)))


def _pbs_result(
    requirements: CircuitRequirements,
    target: float,
    max_variance: float,
    choice: Choice,
    calibration: CostCalibration,
) -> OptimizationResult:
    p = requirements.message_bit_width
    params = TFHEParameters(
        lwe_dimension=choice.lwe_dimension,
        glwe_dimension=choice.glwe_dimension,
        polynomial_size=choice.polynomial_size,
        decomposition_base_log=choice.decomposition_base_log,
        decomposition_level_count=choice.decomposition_level_count,
        ks_decomposition_base_log=choice.ks_decomposition_base_log,
        ks_decomposition_level_count=choice.ks_decomposition_level_count,
        message_bit_width=p,
    )
    n, k, big_n = params.lwe_dimension, params.glwe_dimension, params.polynomial_size
    p_pbs = float(p_error_from_variance(choice.pre_pbs_variance, p))
    p_out = float(p_error_from_variance(choice.output_variance, p))
    pbs_gadget = (params.decomposition_base_log, params.decomposition_level_count)
    ks_gadget = (params.ks_decomposition_base_log, params.ks_decomposition_level_count)
    fft = n * external_product_variance_terms(k, big_n, *pbs_gadget).fft
    noise = NoiseBreakdown(
        fresh=float(log2_std(fresh_variance(k * big_n))),
        keyswitch=float(
            log2_std(keyswitch_variance(k * big_n, n, *ks_gadget))
        ),
        modulus_switch=float(log2_std(modulus_switch_variance(n, big_n))),
        blind_rotation=float(
            log2_std(blind_rotation_variance(n, k, big_n, *pbs_gadget))
        ),
        fft=float(log2_std(fft)),
        pre_pbs=float(log2_std(choice.pre_pbs_variance)),
        output=float(log2_std(choice.output_variance)),
        bound=float(log2_std(max_variance)),
    )
    seconds = predict_seconds(choice.pbs_complexity, CostKind.PBS, calibration) + predict_seconds(
        choice.ks_complexity, CostKind.KEYSWITCH, calibration
    )
    complexity = (
        requirements.pbs_count * (choice.pbs_complexity + choice.ks_complexity)
        + requirements.leveled_op_count * params.big_lwe_dimension
    )
    return OptimizationResult(
        parameters=params,
        p_error=max(p_pbs, p_out),
        global_p_error=_combined_p_error(
            p_pbs, requirements.pbs_count, p_out, requirements.output_count
        ),
        target_p_error=target,
        complexity=float(complexity),
        pbs_complexity=choice.pbs_complexity,
        ks_complexity=choice.ks_complexity,
        seconds_per_pbs=float(seconds),
        noise=noise,
        requirements=requirements,
    )


def _optimize_leveled(
    requirements: CircuitRequirements, target: float, max_variance: float, from_global: bool
) -> OptimizationResult:
    """No lookups: only the big key matters; take the smallest kN whose noise fits the outputs."""
    p = requirements.message_bit_width
    norm = float(requirements.max_norm2_into_output)
    found = search_leveled(norm, max_variance)
    if found is None:
        raise _unsatisfiable(requirements, target, from_global)
    k, big_n = found
    big_dim = k * big_n
    fresh = float(fresh_variance(big_dim))
    output_variance = norm**2 * fresh
    p_out = float(p_error_from_variance(output_variance, p))
    params = TFHEParameters(
        lwe_dimension=0,
        glwe_dimension=k,
        polynomial_size=big_n,
        decomposition_base_log=0,
        decomposition_level_count=0,
        ks_decomposition_base_log=0,
        ks_decomposition_level_count=0,
        message_bit_width=p,
    )
    # Concrete prices a lookup-free circuit by its leveled ops, or by kN when it has none.
    complexity = (
        requirements.leveled_op_count * big_dim if requirements.leveled_op_count else big_dim
    )
    return OptimizationResult(
        parameters=params,
        p_error=p_out,
        global_p_error=_combined_p_error(0.0, 0, p_out, requirements.output_count),
        target_p_error=target,
        complexity=float(complexity),
        pbs_complexity=0.0,
        ks_complexity=0.0,
        seconds_per_pbs=0.0,
        noise=NoiseBreakdown(
            fresh=float(log2_std(fresh)),
            keyswitch=None,
            modulus_switch=None,
            blind_rotation=None,
            fft=None,
            pre_pbs=None,
            output=float(log2_std(output_variance)),
            bound=float(log2_std(max_variance)),
        ),
        requirements=requirements,
    )


def _unsatisfiable(
    requirements: CircuitRequirements, target: float, from_global: bool
) -> CompilationError:
    """Say what was asked, what limits it, and what the search space can do instead."""
    p = requirements.message_bit_width
    has_pbs = requirements.pbs_count > 0
    min_peak = _min_peak_variance(requirements)
    max_width = _max_bit_width(min_peak, target)
    best_p_error = float(p_error_from_variance(min_peak, p))
    what = (
        f"{p}-bit table lookups"
        if has_pbs
        else f"{p}-bit outputs of a circuit without table lookups"
    )
    budget = _budget_text(requirements, target, from_global)
    message = f"no 128-bit-secure parameters give {what} with {budget}"
    conditions = []
    if has_pbs and requirements.max_norm2_into_pbs != 1.0:
        conditions.append(f"a 2-norm of {requirements.max_norm2_into_pbs:g} into lookups")
    if requirements.chained:
        conditions.append("lookup inputs that come from other lookups")
    if requirements.max_norm2_into_output != 1.0:
        conditions.append(f"a 2-norm of {requirements.max_norm2_into_output:g} into outputs")
    if conditions:
        message += ", " + " and ".join(conditions)
    if max_width:
        message += f": the largest feasible is {max_width} bits"
    else:
        message += ": no precision is feasible"
    message += f", and at {p} bits the lowest reachable p_error is {best_p_error:.2g}."
    if (
        max(requirements.max_norm2_into_pbs if has_pbs else 1.0, requirements.max_norm2_into_output)
        > 1.0
    ):
        unit = CircuitRequirements(
            message_bit_width=p,
            pbs_count=requirements.pbs_count,
            pbs_input_from_pbs=requirements.pbs_input_from_pbs,
            outputs_from_pbs=requirements.outputs_from_pbs,
            output_count=requirements.output_count,
        )
        unit_width = _max_bit_width(_min_peak_variance(unit), target)
        message += f" With 2-norms of 1 the limit would be {unit_width} bits."
    message += (
        " Reduce the precision (round or truncate before the lookup), use smaller weights,"
        " or accept a larger p_error."
    )
    return CompilationError(message)


def _budget_text(requirements: CircuitRequirements, target: float, from_global: bool) -> str:
    if not from_global:
        return f"p_error {target:.3g}"
    global_error = float(global_p_error_of(target, requirements.decryption_count))
    parts = [(requirements.pbs_count, "lookup"), (requirements.output_count, "output")]
    counted = " + ".join(
        f"{count} {name}{'s' if count != 1 else ''}" for count, name in parts if count
    )
    return (
        f"global p_error {global_error:.3g} ({target:.3g} for each of {counted or '1 operation'})"
    )
