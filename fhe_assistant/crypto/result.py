"""What :func:`crypto.optimizer.optimize` returns: the parameters, their cost and their noise."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .parameters import TFHEParameters
from .requirements import CircuitRequirements
from .wop_parameters import LookupMethod

#: the figures of ``as_dict``, after the parameters and the lookup count
_FIGURES = ("p_error", "global_p_error", "target_p_error", "complexity", "pbs_complexity",
            "ks_complexity", "seconds_per_pbs")


@dataclass(frozen=True, slots=True)
class NoiseBreakdown:
    """log2 σ (modular, units of the 2**64 modulus) of each noise term, for display.

    ``None`` where a term does not exist (no lookup in the circuit). ``bound`` is the
    largest σ the per-operation error target allows at this precision,
    2**(62−p)/κ(p_error); ``pre_pbs`` and ``output`` are what the circuit reaches.
    """

    fresh: float  # a client input, encrypted under the big key (dimension kN)
    keyswitch: float | None
    modulus_switch: float | None
    blind_rotation: float | None  # σ_BR: every lookup output
    fft: float | None  # the f64 FFT part of σ_BR (tfhe-notes §2.3)
    pre_pbs: float | None  # w·σ_in, keyswitch and modulus switch together
    output: float
    bound: float


@dataclass(frozen=True, slots=True)
class OptimizationResult:
    """The cheapest 128-bit-secure parameters that meet the circuit's error target.

    Attributes
    ----------
    parameters
        The chosen set. A circuit without lookups has ``lwe_dimension`` and every
        decomposition field set to 0: only the big key (k, N) is used.
    p_error
        Achieved failure probability of the worst single operation (a lookup's input or
        an output decryption); at most ``target_p_error``. Concrete reports the same.
    global_p_error
        Achieved probability that any lookup or output of one run fails:
        1 − Π(1 − p_op) over ``pbs_count`` lookups and ``output_count`` outputs.
    target_p_error
        The per-operation bound that was enforced (the given ``p_error``, or the
        global target split over lookups and outputs).
    complexity
        Concrete's cost-model total: pbs_count·(KS + PBS) + leveled ops·kN.
    pbs_complexity, ks_complexity
        Cost of one bootstrap and of one keyswitch.
    seconds_per_pbs
        Predicted single-thread time of one KS + PBS (``cost.predict_seconds``).
    noise
        log2 σ of each term (:class:`NoiseBreakdown`).
    requirements
        The request, kept so that a table of results explains itself.
    """

    parameters: TFHEParameters
    p_error: float
    global_p_error: float
    target_p_error: float
    complexity: float
    pbs_complexity: float
    ks_complexity: float
    seconds_per_pbs: float
    noise: NoiseBreakdown
    requirements: CircuitRequirements

    #: no lookup of a native result runs as WoP-PBS (see :mod:`crypto.wop_result`)
    wop_parameters = None
    method = LookupMethod.NATIVE

    def lookup_method(self, precision: int) -> LookupMethod:
        """Every lookup of a native result is a keyswitch + bootstrap."""
        return LookupMethod.NATIVE

    def as_dict(self) -> dict:
        """One flat row (parameters, figures, ``log2_std_*`` noise terms) for tables."""
        row = dict(self.parameters.as_dict())
        row["pbs_count"] = self.requirements.pbs_count
        row.update({name: getattr(self, name) for name in _FIGURES})
        row.update({f"log2_std_{name}": value for name, value in asdict(self.noise).items()})
        return row
