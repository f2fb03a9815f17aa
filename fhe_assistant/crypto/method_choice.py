"""Native KS-PBS or WoP-PBS for a circuit's lookups: the optimizer's top-level choice.

Concrete's optimizer prices a native bootstrap with a large polynomial and the WoP-PBS
(ePrint 2022/704) and keeps the cheaper; so does :func:`optimize_circuit`:

* the native search (one set, or one per partition with MULTI) is tried first; its
  solution is usable only when its keys fit ``max_native_key_bytes`` (a native 10-bit set
  needs 11 GiB of keys, a 9-bit one 3.2 GiB);
* the WoP search (one set for the whole circuit, as Concrete) is tried when the native
  one fails, is refused for its key size, or the widest lookup has more than
  ``WOP_CANDIDATE_BITS`` bits (below that a native lookup is several times cheaper, so the
  WoP search would only cost compile time);
* the cheaper prediction in seconds wins (:mod:`crypto.cost`, :mod:`crypto.wop_cost`);
* when WoP finds nothing either, a native set above the key limit is still used (Concrete
  compiles such circuits too, e.g. 8-bit lookups after large dot products): big keys are
  better than a refusal of a program that runs.

When neither fits, the :class:`CompilationError` says what was asked, the largest lookup
width each method can give, and what to change; the compiler adds the node at fault.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from ..core.errors import CompilationError
from .cost import DEFAULT_CALIBRATION, CostCalibration, CostKind, predict_seconds
from .multi_optimizer import optimize_multi
from .multi_result import MultiOptimizationResult
from .optimizer import max_message_bit_width, optimize
from .partitioned import PartitionedRequirements
from .requirements import DEFAULT_GLOBAL_P_ERROR, CircuitRequirements, target_p_error
from .result import OptimizationResult
from .wop_cost import native_key_bytes
from .wop_optimizer import max_wop_bit_width, optimize_wop
from .wop_result import WopOptimizationResult
from .wop_search import MAX_WOP_BIT_WIDTH

#: Native key sets above this many bytes are not used (WoP is then tried instead).
DEFAULT_MAX_NATIVE_KEY_BYTES = 2 * 2**30
#: Widest lookup from which the WoP search runs even when a native set fits.
WOP_CANDIDATE_BITS = 8

Result = OptimizationResult | MultiOptimizationResult | WopOptimizationResult


def optimize_circuit(
    requirements: CircuitRequirements,
    partitioned: PartitionedRequirements | None = None,
    lookup_widths: Mapping[int, int] | None = None,
    p_error: float | None = None,
    global_p_error: float | None = DEFAULT_GLOBAL_P_ERROR,
    calibration: CostCalibration = DEFAULT_CALIBRATION,
    max_native_key_bytes: int = DEFAULT_MAX_NATIVE_KEY_BYTES,
    max_wop_key_bytes: int | None = None,
) -> Result:
    """The cheapest secure parameters over both lookup methods.

    Parameters
    ----------
    requirements
        The single-set summary of the circuit (what MONO and WoP optimize).
    partitioned
        The MULTI summary, when the circuit has several lookup precisions; the native
        search then uses :func:`optimize_multi`.
    lookup_widths
        ``{input bits: lookup count}`` of the circuit's lookups, for the WoP cost (default:
        every lookup at ``requirements.message_bit_width``).
    max_native_key_bytes
        Largest native key set (bootstrap + keyswitch keys, as the backend holds them).
    max_wop_key_bytes
        Largest WoP key set (with the packing keyswitch keys); None: the fastest set.
    """
    native, native_refusal, oversized = _native(requirements, partitioned, p_error,
                                                global_p_error, calibration,
                                                max_native_key_bytes)
    widest = max(lookup_widths) if lookup_widths else requirements.message_bit_width
    wop, wop_refusal = None, None
    if requirements.pbs_count and (native is None or widest > WOP_CANDIDATE_BITS):
        # a WoP read of a folded rounding extracts every bit of its partition, which can be
        # wider than any lookup's noise precision: the noise must then meet that width's
        # bound (the norms stay, so the bound only gets stricter)
        wop_requirements = (requirements if widest <= requirements.message_bit_width else
                            dataclasses.replace(requirements, message_bit_width=widest))
        try:
            wop = optimize_wop(wop_requirements, lookup_widths, p_error, global_p_error,
                               calibration, max_wop_key_bytes)
        except CompilationError as error:
            wop_refusal = str(error)
    if native is None and wop is None and oversized is not None:
        return oversized
    if native is None and wop is None:
        raise _refusal(requirements, p_error, global_p_error, native_refusal, wop_refusal,
                       max_native_key_bytes, calibration, max_wop_key_bytes)
    if wop is None:
        return native
    native_seconds = None if native is None else native_run_seconds(native, calibration)
    wop = dataclasses.replace(wop, native_seconds=native_seconds, native_refusal=native_refusal)
    return wop if native_seconds is None or wop.seconds < native_seconds else native


def native_run_seconds(result: OptimizationResult | MultiOptimizationResult,
                       calibration: CostCalibration = DEFAULT_CALIBRATION) -> float:
    """Predicted single-thread seconds of one run's keyswitches and bootstraps."""
    if isinstance(result, MultiOptimizationResult):
        return result.predicted_seconds
    return result.requirements.pbs_count * result.seconds_per_pbs + float(predict_seconds(
        result.requirements.leveled_op_count * result.parameters.big_lwe_dimension,
        CostKind.LEVELED, calibration))


def native_key_set_bytes(result: OptimizationResult | MultiOptimizationResult) -> int:
    """Bootstrap + keyswitch key bytes of a native result (Fourier BSK, 32-bit KSK)."""
    if isinstance(result, MultiOptimizationResult):
        key_set = result.key_set()
        total = sum(native_key_bytes(p.lwe_dimension, p.glwe_dimension, p.polynomial_size,
                                     p.decomposition_level_count, 0) for p in key_set.partitions)
        for ks in key_set.keyswitches:
            shape = key_set.keyswitch_shape(ks.source, ks.target)
            total += 4 * shape.big_lwe_dimension * ks.level * (shape.lwe_dimension + 1)
        return total
    p = result.parameters
    if not p.lwe_dimension:
        return 0
    return native_key_bytes(p.lwe_dimension, p.glwe_dimension, p.polynomial_size,
                            p.decomposition_level_count, p.ks_decomposition_level_count)


def _native(requirements, partitioned, p_error, global_p_error, calibration, max_bytes):
    """(result, None, None), or (None, why not, the result whose keys exceed ``max_bytes``)."""
    try:
        if partitioned is not None and partitioned.partition_count > 1:
            result = optimize_multi(partitioned, p_error=p_error, global_p_error=global_p_error,
                                    calibration=calibration)
        else:
            result = optimize(requirements, p_error=p_error, global_p_error=global_p_error,
                              calibration=calibration)
    except CompilationError as error:
        return None, str(error), None
    size = native_key_set_bytes(result)
    if size > max_bytes:
        return None, (f"its keys would take {size / 2**30:.1f} GiB, above the "
                      f"{max_bytes / 2**30:.1f} GiB limit for native lookups"), result
    return result, None, None


def _native_max_width(requirements: CircuitRequirements, target: float, max_bytes: int,
                      calibration: CostCalibration) -> int:
    """The widest native lookup whose keys fit ``max_bytes`` (everything else kept)."""
    width = max_message_bit_width(requirements, p_error=target)
    while width > 0:
        fields = {name: getattr(requirements, name)
                  for name in requirements.__dataclass_fields__}
        fields["message_bit_width"] = width
        try:
            result = optimize(CircuitRequirements(**fields), p_error=target,
                              calibration=calibration)
        except CompilationError:
            width -= 1
            continue
        if native_key_set_bytes(result) <= max_bytes:
            return width
        width -= 1
    return 0


def _refusal(requirements, p_error, global_p_error, native_refusal, wop_refusal, max_bytes,
             calibration, max_wop_bytes=None) -> CompilationError:
    """What was asked, the widest lookup each method gives, and what to change."""
    p = requirements.message_bit_width
    target = target_p_error(requirements, p_error, global_p_error)
    native_width = _native_max_width(requirements, target, max_bytes, calibration)
    wop_width = max_wop_bit_width(requirements, target, calibration, max_wop_bytes)
    largest = max(native_width, wop_width)
    message = (f"no 128-bit-secure parameters give {p}-bit table lookups at p_error "
               f"{target:.3g} per lookup and output")
    conditions = []
    if requirements.max_norm2_into_pbs != 1.0:
        conditions.append(f"a 2-norm of {requirements.max_norm2_into_pbs:g} into lookups")
    if requirements.chained:
        conditions.append("lookup inputs that come from other lookups")
    if conditions:
        message += " with " + " and ".join(conditions)
    message += (f": the largest feasible is {largest} bits (native KS-PBS up to {native_width} "
                f"bits with keys under {max_bytes / 2**30:.0f} GiB, WoP-PBS up to {wop_width} "
                f"bits; WoP-PBS stops at {MAX_WOP_BIT_WIDTH}).")
    if p > MAX_WOP_BIT_WIDTH:
        message += f" No method evaluates lookups wider than {MAX_WOP_BIT_WIDTH} bits."
    message += (" Reduce the precision (round_bit_pattern or truncate before the lookup),"
                " use smaller weights, or accept a larger p_error / global_p_error.")
    return CompilationError(message, [m for m in (native_refusal, wop_refusal) if m])
