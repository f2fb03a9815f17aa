"""Choose WoP-PBS parameters: the cheapest 128-bit-secure set for a circuit's widest lookup.

The WoP counterpart of :func:`crypto.optimizer.optimize`: same requirements, same error
budget split (``global_p_error`` over every lookup and output), one parameter set for
the circuit. ``lookup_widths`` lists the input bits of the circuit's lookups (a lookup of
q bits costs q bit extractions, circuit bootstraps and CMux levels); by default every
lookup is as wide as ``message_bit_width``.

Examples
--------
>>> from fhe_assistant.crypto.requirements import CircuitRequirements
>>> from fhe_assistant.crypto.wop_optimizer import optimize_wop
>>> result = optimize_wop(CircuitRequirements(message_bit_width=12))
>>> result.wop_parameters.polynomial_size, result.p_error <= result.target_p_error
(512, True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from ..core.errors import CompilationError
from .cost import DEFAULT_CALIBRATION, CostCalibration
from .noise import fresh_variance, p_error_from_variance
from .requirements import DEFAULT_GLOBAL_P_ERROR, CircuitRequirements, target_p_error
from .wop_cost import wop_key_sizes, wop_lookup_complexity
from .wop_model import wop_lookup_p_error, wop_noise_report, wop_output_variance
from .wop_parameters import WopParameters, bit_bootstraps_fused
from .wop_result import WopOptimizationResult
from .wop_search import MAX_WOP_BIT_WIDTH, WopRequest, search_wop

#: Run time (×) the default search gives up for smaller keys, in steps of −15 % of key bytes
KEY_TRADE = 1.05
_KEY_STEP = 0.85
_KEY_STEPS = 4


def optimize_wop(
    requirements: CircuitRequirements,
    lookup_widths: Mapping[int, int] | None = None,
    p_error: float | None = None,
    global_p_error: float | None = DEFAULT_GLOBAL_P_ERROR,
    calibration: CostCalibration = DEFAULT_CALIBRATION,
    max_key_bytes: float | None = None,
) -> WopOptimizationResult:
    """The cheapest secure WoP parameters for ``requirements``.

    ``max_key_bytes`` bounds the evaluation keys (bootstrap + keyswitch + packing keyswitch
    keys, :func:`crypto.wop_cost.wop_key_sizes`). Without it, keys still count a little:
    among the sets at most ``KEY_TRADE`` times slower than the fastest, the one with the
    smallest keys wins (keys cost key-generation time, memory and transfer; at 12 bits
    3 % of run time buys 20 % smaller keys).

    Raises
    ------
    CompilationError
        A lookup wider than 16 bits, or no parameter set meets the target; the message
        gives the largest width that would fit.
    """
    widths = _widths(requirements, lookup_widths)
    target = target_p_error(requirements, p_error, global_p_error)
    widest = max(q for q, _ in widths)
    if widest > MAX_WOP_BIT_WIDTH:
        raise CompilationError(
            f"a {widest}-bit table lookup is wider than the {MAX_WOP_BIT_WIDTH} bits WoP-PBS "
            f"supports (Concrete's limit too)")
    choice = search_wop(_request(requirements, widths, target, calibration, max_key_bytes))
    if choice is not None and max_key_bytes is None:
        choice = _smaller_keys(choice, requirements, widths, target, calibration)
    if choice is None:
        largest = max_wop_bit_width(requirements, target, calibration, max_key_bytes)
        raise CompilationError(
            f"no 128-bit-secure WoP-PBS parameters give {widest}-bit table lookups with "
            f"p_error {target:.3g} per operation"
            + (f" and keys under {max_key_bytes / 2**20:.0f} MiB" if max_key_bytes else "")
            + (f": the largest feasible is {largest} bits" if largest else
               ": no width is feasible"))
    params = _parameters(choice, requirements.message_bit_width)
    return wop_result(params, requirements, widths, target, calibration)


def _parameters(choice, message_bit_width: int) -> WopParameters:
    return WopParameters(
        lwe_dimension=choice.lwe_dimension, glwe_dimension=choice.glwe_dimension,
        polynomial_size=choice.polynomial_size, decomposition_base_log=choice.br_base_log,
        decomposition_level_count=choice.br_level, ks_decomposition_base_log=choice.ks_base_log,
        ks_decomposition_level_count=choice.ks_level, pfpks_base_log=choice.pp_base_log,
        pfpks_level=choice.pp_level, cb_base_log=choice.cb_base_log, cb_level=choice.cb_level,
        message_bit_width=message_bit_width)


def _smaller_keys(choice, requirements, widths, target, calibration):
    """The set with the smallest keys among those within ``KEY_TRADE`` of ``choice``'s time."""
    best = choice
    size = wop_key_sizes(_parameters(choice, requirements.message_bit_width))["evaluation_keys"]
    for _ in range(_KEY_STEPS):
        size *= _KEY_STEP
        smaller = search_wop(_request(requirements, widths, target, calibration, size))
        if smaller is None or smaller.seconds > KEY_TRADE * choice.seconds:
            break
        best = smaller
        size = wop_key_sizes(_parameters(smaller, requirements.message_bit_width)
                             )["evaluation_keys"]
    return best


def wop_result(
    params: WopParameters,
    requirements: CircuitRequirements,
    widths: tuple[tuple[int, int], ...],
    target: float,
    calibration: CostCalibration = DEFAULT_CALIBRATION,
) -> WopOptimizationResult:
    """Price and check ``params`` for ``requirements`` (any set, not only the search's)."""
    widest = max(q for q, _ in widths)
    fresh = float(fresh_variance(params.big_lwe_dimension))
    output = wop_output_variance(params)
    source = fresh if not requirements.chained else max(fresh, output)
    source *= requirements.max_norm2_into_pbs**2
    lookup_errors = {q: wop_lookup_p_error(params, q, source) for q, _ in widths}
    out_source = max(fresh, output) if requirements.output_noise_from_pbs else fresh
    p_out = float(p_error_from_variance(
        requirements.max_norm2_into_output**2 * out_source, requirements.message_bit_width))
    log_ok = sum(count * math.log1p(-lookup_errors[q]) for q, count in widths)
    log_ok += requirements.output_count * math.log1p(-p_out)
    complexity = sum(count * wop_lookup_complexity(params, q).total for q, count in widths)
    seconds = sum(count * wop_lookup_complexity(params, q).seconds(calibration)
                  for q, count in widths)
    leveled = requirements.leveled_op_count * params.big_lwe_dimension
    return WopOptimizationResult(
        wop_parameters=params,
        lookup_widths=widths,
        p_error=max(max(lookup_errors.values()), p_out),
        global_p_error=float(-math.expm1(log_ok)),
        target_p_error=target,
        complexity=float(complexity + leveled),
        seconds=float(seconds + leveled / calibration.leveled_ops_per_second),
        output_variance=output,
        noise=wop_noise_report(params, widest, source),
        key_sizes=wop_key_sizes(params),
        requirements=requirements,
        calibration=calibration,
    )


def max_wop_bit_width(
    requirements: CircuitRequirements,
    target: float,
    calibration: CostCalibration = DEFAULT_CALIBRATION,
    max_key_bytes: float | None = None,
) -> int:
    """The widest lookup (≤ 16 bits) WoP-PBS can give these requirements at ``target``."""
    for width in range(MAX_WOP_BIT_WIDTH, 0, -1):
        shaped = _with_width(requirements, width)
        widths = ((width, max(1, requirements.pbs_count)),)
        if search_wop(_request(shaped, widths, target, calibration, max_key_bytes)) is not None:
            return width
    return 0


def _widths(requirements: CircuitRequirements, lookup_widths) -> tuple[tuple[int, int], ...]:
    if lookup_widths:
        widths = tuple(sorted((int(q), int(c)) for q, c in dict(lookup_widths).items() if c))
    else:
        widths = ((requirements.message_bit_width, max(1, requirements.pbs_count)),)
    for q, _ in widths:
        if not 1 <= q <= requirements.message_bit_width:
            raise CompilationError(
                f"a {q}-bit lookup does not fit {requirements.message_bit_width}-bit values")
    return widths


def _with_width(requirements: CircuitRequirements, width: int) -> CircuitRequirements:
    fields = {name: getattr(requirements, name) for name in requirements.__dataclass_fields__}
    fields["message_bit_width"] = width
    return CircuitRequirements(**fields)


def _request(requirements: CircuitRequirements, widths, target: float,
             calibration: CostCalibration, max_key_bytes: float | None = None) -> WopRequest:
    return WopRequest(
        message_bit_width=requirements.message_bit_width,
        lookup_widths=tuple(widths),
        norm2_sq_into_lookup=max(requirements.max_norm2_into_pbs**2, 1e-24),
        chained=requirements.chained,
        norm2_sq_into_output=max(requirements.max_norm2_into_output**2, 1e-24),
        outputs_from_lookup=requirements.output_noise_from_pbs,
        p_error=float(target),
        leveled_op_count=requirements.leveled_op_count,
        pbs_rate=calibration.pbs_ops_per_second,
        ks_rate=calibration.ks_ops_per_second,
        leveled_rate=calibration.leveled_ops_per_second,
        max_key_bytes=float("inf") if max_key_bytes is None else float(max_key_bytes),
        fused_bit_bootstraps=bit_bootstraps_fused(),
    )
