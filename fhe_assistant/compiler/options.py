"""Concrete's configuration enums and options, with Concrete's names and values.

Programs written for ``concrete.fhe`` pass these to ``Configuration``; each option below says
what it does here. Options that steer Concrete's MLIR compiler or its runtime (parallelism,
GPU, artifact dumps, compiler debug modes) have no meaning for this backend: they are accepted
so that such programs run unchanged, and ignored.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import Enum


class _ParsableEnum(str, Enum):
    """``parse`` accepts a member or its value, case-insensitive (as Concrete does)."""

    @classmethod
    def parse(cls, value):
        if isinstance(value, cls):
            return value
        if not isinstance(value, str):
            raise TypeError(f"{value} cannot be parsed to a {cls.__name__}")
        for member in cls:
            if value.lower() == member.value:
                return member
        raise ValueError(f"'{value}' is not a valid '{cls.__name__}' "
                         f"({', '.join(member.value for member in cls)})")

    def __str__(self) -> str:
        return self.name


class SecurityLevel(int, Enum):
    """Bits of security of the chosen parameters (this backend targets 128)."""

    SECURITY_128_BITS = 128
    SECURITY_132_BITS = 132


class ParameterSelectionStrategy(_ParsableEnum):
    """Concrete's optimizer strategies; here one parameter set serves the whole circuit."""

    V0 = "v0"
    MONO = "mono"
    MULTI = "multi"


class MultiParameterStrategy(_ParsableEnum):
    PRECISION = "precision"
    PRECISION_AND_NORM2 = "precision_and_norm2"


class Exactness(Enum):
    """Exact or approximate rounding (``round_bit_pattern(..., exactness=...)``)."""

    APPROXIMATE = "approximate"
    EXACT = "exact"


@dataclass
class ApproximateRoundingConfig:
    """Concrete's knobs for approximate rounding (accepted; rounding here is always exact)."""

    logical_clipping: bool = True
    approximate_clipping_start_precision: int = 5
    reduce_precision_after_approximate_clipping: bool = True
    symetrize_deltas: bool = True


class ComparisonStrategy(_ParsableEnum):
    """How an encrypted × encrypted comparison becomes table lookups."""

    ONE_TLU_PROMOTED = "one-tlu-promoted"
    THREE_TLU_CASTED = "three-tlu-casted"
    TWO_TLU_BIGGER_PROMOTED_SMALLER_CASTED = "two-tlu-bigger-promoted-smaller-casted"
    TWO_TLU_BIGGER_CASTED_SMALLER_PROMOTED = "two-tlu-bigger-casted-smaller-promoted"
    THREE_TLU_BIGGER_CLIPPED_SMALLER_CASTED = "three-tlu-bigger-clipped-smaller-casted"
    TWO_TLU_BIGGER_CLIPPED_SMALLER_PROMOTED = "two-tlu-bigger-clipped-smaller-promoted"
    CHUNKED = "chunked"


class BitwiseStrategy(_ParsableEnum):
    """How an encrypted × encrypted bitwise op or shift becomes table lookups."""

    ONE_TLU_PROMOTED = "one-tlu-promoted"
    THREE_TLU_CASTED = "three-tlu-casted"
    TWO_TLU_BIGGER_PROMOTED_SMALLER_CASTED = "two-tlu-bigger-promoted-smaller-casted"
    TWO_TLU_BIGGER_CASTED_SMALLER_PROMOTED = "two-tlu-bigger-casted-smaller-promoted"
    CHUNKED = "chunked"


class MultivariateStrategy(_ParsableEnum):
    """How ``fhe.multivariate`` packs its encrypted operands into one lookup."""

    PROMOTED = "promoted"
    CASTED = "casted"


class MinMaxStrategy(_ParsableEnum):
    """How encrypted × encrypted ``np.minimum``/``np.maximum`` become table lookups."""

    ONE_TLU_PROMOTED = "one-tlu-promoted"
    THREE_TLU_CASTED = "three-tlu-casted"
    CHUNKED = "chunked"


#: Options that steer Concrete's MLIR compiler, runtime or tooling: accepted, no effect here.
IGNORED_OPTIONS = (
    "verbose", "show_bit_width_constraints", "show_bit_width_assignments", "show_assigned_graph",
    "show_mlir", "show_optimizer", "show_statistics", "dump_artifacts_on_unexpected_failures",
    "loop_parallelize", "dataflow_parallelize", "auto_parallelize", "compress_evaluation_keys",
    "compress_input_ciphertexts", "single_precision", "parameter_selection_strategy",
    "multi_parameter_strategy", "show_progress", "progress_title", "progress_tag",
    "compiler_debug_mode", "compiler_verbose_mode", "use_gpu", "additional_pre_processors",
    "additional_post_processors", "approximate_rounding_config",
    "optimize_tlu_based_on_measured_bounds", "enable_tlu_fusing", "print_tlu_fusing",
    "optimize_tlu_based_on_original_bit_width", "range_restriction", "keyset_restriction",
    "auto_schedule_run", "security_level", "optim_lsbs_with_lut", "composable",
    "relu_on_bits_threshold", "relu_on_bits_chunk_size", "if_then_else_chunk_size",
    "shifts_with_promotion",
    "fhe_simulation", "fhe_execution", "simulate_encrypt_run_decrypt",
    "detect_overflow_in_simulation",
)

_PREFERENCES = {
    "comparison_strategy_preference": ComparisonStrategy,
    "bitwise_strategy_preference": BitwiseStrategy,
    "multivariate_strategy_preference": MultivariateStrategy,
    "min_max_strategy_preference": MinMaxStrategy,
}


@dataclass(frozen=True)
class ConcreteOptions:
    """The options of ``concrete.fhe.Configuration`` that ``Configuration`` shares.

    Those with an effect here: ``enable_unsafe_features`` and ``use_insecure_key_cache`` (the
    key cache needs both, as in Concrete), the four ``*_strategy_preference`` lists (validated
    and kept; the lowering picks the first strategy it implements), ``rounding_exactness``
    (the default of ``round_bit_pattern``), ``auto_adjust_rounders`` and ``auto_adjust_truncators``
    (``AutoRounder.adjust`` before tracing), ``dynamic_indexing_check_out_of_bounds`` and
    ``dynamic_assignment_check_out_of_bounds``. Every name in ``IGNORED_OPTIONS`` is accepted
    and has no effect.
    """

    verbose: bool = False
    show_bit_width_constraints: bool | None = None
    show_bit_width_assignments: bool | None = None
    show_assigned_graph: bool | None = None
    show_mlir: bool | None = None
    show_optimizer: bool | None = None
    show_statistics: bool | None = None
    dump_artifacts_on_unexpected_failures: bool = True
    enable_unsafe_features: bool = False
    use_insecure_key_cache: bool = False
    loop_parallelize: bool = True
    dataflow_parallelize: bool = False
    auto_parallelize: bool = False
    compress_evaluation_keys: bool = False
    compress_input_ciphertexts: bool = False
    auto_adjust_rounders: bool = False
    auto_adjust_truncators: bool = False
    single_precision: bool = False
    parameter_selection_strategy: object = ParameterSelectionStrategy.MULTI
    multi_parameter_strategy: object = MultiParameterStrategy.PRECISION
    show_progress: bool = False
    progress_title: str = ""
    progress_tag: object = False
    fhe_simulation: bool = False
    fhe_execution: bool = True
    compiler_debug_mode: bool = False
    compiler_verbose_mode: bool = False
    comparison_strategy_preference: object = None
    bitwise_strategy_preference: object = None
    shifts_with_promotion: bool = True
    multivariate_strategy_preference: object = None
    min_max_strategy_preference: object = None
    composable: bool = False
    use_gpu: bool = False
    relu_on_bits_threshold: int = 7
    relu_on_bits_chunk_size: int = 3
    if_then_else_chunk_size: int = 3
    additional_pre_processors: object = None
    additional_post_processors: object = None
    rounding_exactness: Exactness = Exactness.EXACT
    approximate_rounding_config: object = field(default=None)
    optimize_tlu_based_on_measured_bounds: bool = False
    enable_tlu_fusing: bool = True
    print_tlu_fusing: bool = False
    optimize_tlu_based_on_original_bit_width: object = 8
    detect_overflow_in_simulation: bool = False
    dynamic_indexing_check_out_of_bounds: bool = True
    dynamic_assignment_check_out_of_bounds: bool = True
    simulate_encrypt_run_decrypt: bool = False
    range_restriction: object = None
    keyset_restriction: object = None
    auto_schedule_run: bool = False
    security_level: object = SecurityLevel.SECURITY_128_BITS
    optim_lsbs_with_lut: bool = True

    def __new__(cls, *args, **kwargs):
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise TypeError(f"unknown configuration option(s): {', '.join(unknown)}; "
                            f"known: {', '.join(sorted(known))}")
        return super().__new__(cls)

    def __post_init__(self) -> None:
        for name, enum in _PREFERENCES.items():
            value = getattr(self, name)
            if value is None:
                value = []
            elif not isinstance(value, (list, tuple)):
                value = [value]
            object.__setattr__(self, name, tuple(enum.parse(v) for v in value))
        for name, enum in (("parameter_selection_strategy", ParameterSelectionStrategy),
                           ("multi_parameter_strategy", MultiParameterStrategy)):
            object.__setattr__(self, name, enum.parse(getattr(self, name)))
        if not isinstance(self.rounding_exactness, Exactness):
            raise TypeError("rounding_exactness must be an fhe.Exactness, got "
                            f"{type(self.rounding_exactness).__name__}")
        if self.use_insecure_key_cache and not self.enable_unsafe_features:
            raise RuntimeError("Insecure key cache cannot be used without enabling unsafe features")
