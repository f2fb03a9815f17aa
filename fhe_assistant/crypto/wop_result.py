"""What the optimizer returns when a circuit's lookups run as WoP-PBS, and the method names.

When WoP is chosen, the whole circuit runs under one :class:`WopParameters` (Concrete does
the same): every table lookup is a WoP lookup, values at rest live under the big key
(k·N) encoded at ``message_bit_width`` bits. The shared keys (small key, bootstrapping
key, keyswitching key) are those of ``parameters`` = ``wop_parameters.ks_pbs()``, so code
that handles a KS-PBS key set handles them unchanged; the packing keyswitch keys are extra.

Every result type answers the same questions: ``wop_parameters`` (None for a native
result) and ``lookup_method(precision)``; see :mod:`crypto.result` and
:mod:`crypto.multi_result` for the native ones.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .cost import DEFAULT_CALIBRATION, CostCalibration
from .noise import fresh_variance, log2_std
from .parameters import TFHEParameters
from .requirements import CircuitRequirements
from .wop_cost import WopStepCounts, step_counts, wop_key_sizes, wop_lookup_complexity
from .wop_model import WopNoiseReport, wop_lookup_p_error, wop_output_variance
from .wop_parameters import LookupMethod, WopParameters, output_digit_count


@dataclass(frozen=True, slots=True)
class WopOptimizationResult:
    """The cheapest 128-bit-secure WoP-PBS parameters meeting a circuit's error target.

    Attributes
    ----------
    wop_parameters
        The one parameter set of the circuit.
    lookup_widths
        ``((q, count), …)``: input bits of the circuit's lookups (what the cost counts).
    p_error
        Worst single operation: a lookup of the widest q on its noisiest input, or an output.
    global_p_error, target_p_error
        Whole run, and the per-operation bound enforced (as :class:`OptimizationResult`).
    complexity, seconds
        Cost-model total of one run's lookups (+ leveled ops), and its single-thread seconds.
    output_variance
        Modular variance of a lookup's output (D digit bootstraps, :mod:`crypto.wop_model`).
    noise
        Each step's log2 σ for the widest lookup on its noisiest input.
    key_sizes
        :func:`crypto.wop_cost.wop_key_sizes`.
    native_seconds, native_refusal
        The native KS-PBS alternative: its predicted seconds, or why there is none.
    requirements
        The request.
    """

    wop_parameters: WopParameters
    lookup_widths: tuple[tuple[int, int], ...]
    p_error: float
    global_p_error: float
    target_p_error: float
    complexity: float
    seconds: float
    output_variance: float
    noise: WopNoiseReport
    key_sizes: dict
    requirements: CircuitRequirements
    native_seconds: float | None = None
    native_refusal: str | None = None
    calibration: CostCalibration = DEFAULT_CALIBRATION

    method = LookupMethod.WOP

    @property
    def parameters(self) -> TFHEParameters:
        """The shared KS-PBS keys' parameters (small key, BSK, KSK, big key)."""
        return self.wop_parameters.ks_pbs()

    def lookup_method(self, precision: int) -> LookupMethod:
        """Every lookup of a WoP circuit is a WoP lookup (one parameter set)."""
        return LookupMethod.WOP

    @property
    def widest_lookup(self) -> int:
        return max(q for q, _ in self.lookup_widths)

    def lookup_p_error(
        self,
        input_bit_width: int,
        fresh_norm2: float = 1.0,
        pbs_norm2: float = 0.0,
        input_precision: int | None = None,
    ) -> float:
        """Failure probability of one lookup of ``input_bit_width`` bits.

        ``fresh_norm2`` / ``pbs_norm2`` are the squared 2-norms with which fresh inputs and
        lookup outputs reach its input (as :class:`crypto.partitioned.NoiseConstraint`);
        ``input_precision`` is the p its input is encoded at (Δ = 2**(63 − p)), by default
        the circuit's ``message_bit_width`` (the largest, so the most pessimistic).
        """
        params = self.wop_parameters
        if input_precision is not None:
            params = dataclasses.replace(params, message_bit_width=int(input_precision))
        variance = fresh_norm2 * float(fresh_variance(params.big_lwe_dimension))
        if pbs_norm2:
            variance += pbs_norm2 * self.output_variance
        return wop_lookup_p_error(params, input_bit_width, variance)

    def lookup_output_log2_std(self, output_bit_width: int | None = None) -> float:
        """log2 σ (modular) of a lookup's output (D digit bootstraps; D from the output's
        width, by default ``message_bit_width``)."""
        return float(log2_std(wop_output_variance(self.wop_parameters, output_bit_width)))

    def lookup_seconds(self, input_bit_width: int) -> float:
        """Predicted single-thread seconds of one lookup of one ciphertext."""
        return wop_lookup_complexity(self.wop_parameters, input_bit_width).seconds(
            self.calibration
        )

    def lookup_complexity(self, input_bit_width: int) -> float:
        return wop_lookup_complexity(self.wop_parameters, input_bit_width).total

    def lookup_step_counts(self, input_bit_width: int) -> WopStepCounts:
        """Keyswitches, bootstraps, packing keyswitches, … of one lookup (for statistics)."""
        p = self.wop_parameters
        return step_counts(input_bit_width, p.glwe_dimension, p.polynomial_size, p.cb_level,
                           output_digit_count(p.message_bit_width))

    @property
    def seconds_per_pbs(self) -> float:
        """Predicted seconds of one lookup at the widest width (the native field's meaning)."""
        return self.lookup_seconds(self.widest_lookup)

    def as_dict(self) -> dict:
        """One flat row (parameters, figures, key sizes) for tables."""
        row = {"method": self.method.value, **self.wop_parameters.as_dict()}
        row["lookup_count"] = sum(count for _, count in self.lookup_widths)
        for name in ("p_error", "global_p_error", "target_p_error", "complexity", "seconds",
                     "native_seconds"):
            row[name] = getattr(self, name)
        row["log2_std_output"] = self.noise.output
        row["log2_std_worst_bit"] = self.noise.worst_bit_bootstrap_input
        row.update({f"bytes_{name}": value for name, value in self.key_sizes.items()})
        return row

    @staticmethod
    def key_sizes_of(params: WopParameters) -> dict:
        return wop_key_sizes(params)
