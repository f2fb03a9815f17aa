"""Concrete's configuration options, with Concrete's names (the enums are in core/strategies).

Programs written for ``concrete.fhe`` pass these to ``Configuration``; each option below says
what it does here. Options that steer Concrete's MLIR compiler or its runtime (parallelism,
GPU, artifact dumps, compiler debug modes) have no meaning for this backend: they are accepted
so that such programs run unchanged, and ignored.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from ..core.strategies import (
    ApproximateRoundingConfig,
    BitwiseStrategy,
    ComparisonStrategy,
    Exactness,
    MinMaxStrategy,
    MultiParameterStrategy,
    MultivariateStrategy,
    SecurityLevel,
)

#: Options that steer Concrete's MLIR compiler, runtime or tooling: accepted, no effect here.
IGNORED_OPTIONS = (
    "verbose", "show_bit_width_constraints", "show_bit_width_assignments", "show_assigned_graph",
    "show_mlir", "show_optimizer", "show_statistics", "dump_artifacts_on_unexpected_failures",
    "loop_parallelize", "dataflow_parallelize", "auto_parallelize", "compress_evaluation_keys",
    "compress_input_ciphertexts", "single_precision",
    "multi_parameter_strategy", "show_progress", "progress_title", "progress_tag",
    "compiler_debug_mode", "compiler_verbose_mode", "use_gpu", "additional_pre_processors",
    "additional_post_processors",
    "optimize_tlu_based_on_measured_bounds", "enable_tlu_fusing", "print_tlu_fusing",
    "optimize_tlu_based_on_original_bit_width", "range_restriction", "keyset_restriction",
    "auto_schedule_run", "security_level", "optim_lsbs_with_lut", "composable",
    "relu_on_bits_threshold", "relu_on_bits_chunk_size", "if_then_else_chunk_size",
    "shifts_with_promotion",
    "fhe_simulation", "fhe_execution", "simulate_encrypt_run_decrypt",
    "detect_overflow_in_simulation",
)

_BOOL, _OPTIONAL_BOOL = ((bool, np.bool_), "bool"), ((bool, np.bool_, type(None)), "Optional[bool]")
_OPTIONAL_FLOAT = ((float, int, np.floating, np.integer, type(None)), "Optional[float]")
_OPTIONAL_PROCESSORS = ((list, type(None)), "Optional[list[GraphProcessor]]")

#: Options whose type is checked (Concrete's ``Configuration`` checks them; the text in the
#: error is Concrete's). Options typed ``object`` above take several forms and are parsed.
_TYPES = {
    **{name: _BOOL for name in (
        "verbose", "dump_artifacts_on_unexpected_failures", "enable_unsafe_features",
        "use_insecure_key_cache", "loop_parallelize", "dataflow_parallelize", "auto_parallelize",
        "compress_evaluation_keys", "compress_input_ciphertexts", "auto_adjust_rounders",
        "auto_adjust_truncators", "single_precision", "show_progress", "fhe_simulation",
        "fhe_execution", "compiler_debug_mode", "compiler_verbose_mode", "shifts_with_promotion",
        "composable", "use_gpu", "optimize_tlu_based_on_measured_bounds", "enable_tlu_fusing",
        "print_tlu_fusing", "detect_overflow_in_simulation",
        "dynamic_indexing_check_out_of_bounds", "dynamic_assignment_check_out_of_bounds",
        "simulate_encrypt_run_decrypt", "auto_schedule_run", "optim_lsbs_with_lut",
        "fuse_lookup_chains", "verify_passes", "show_graph", "show_locations",
        "show_parameters")},
    **{name: _OPTIONAL_BOOL for name in (
        "show_bit_width_constraints", "show_bit_width_assignments", "show_assigned_graph",
        "show_mlir", "show_optimizer", "show_statistics", "simulate_pbs_errors")},
    "p_error": _OPTIONAL_FLOAT, "global_p_error": _OPTIONAL_FLOAT,
    "insecure_key_cache_location": ((Path, str, type(None)), "Union[Path, str, NoneType]"),
    "insecure_keygen_seed": ((int, np.integer, type(None)), "Optional[int]"),
    "additional_pre_processors": _OPTIONAL_PROCESSORS,
    "additional_post_processors": _OPTIONAL_PROCESSORS,
    **{name: ((int, np.integer), "int") for name in (
        "relu_on_bits_threshold", "relu_on_bits_chunk_size", "if_then_else_chunk_size",
        "maximum_tlu_bit_width")},
    "progress_title": ((str,), "str"),
}


def check_option_types(options) -> None:
    """``TypeError`` naming the first option whose value has the wrong type."""
    for name, (types, text) in _TYPES.items():
        value = getattr(options, name, None)
        if hasattr(options, name) and not isinstance(value, types):
            raise TypeError(f"Unexpected type for keyword argument {name!r} "
                            f"(expected {text!r}, got {type(value).__name__!r})")


_PREFERENCES = {
    "comparison_strategy_preference": ComparisonStrategy,
    "bitwise_strategy_preference": BitwiseStrategy,
    "multivariate_strategy_preference": MultivariateStrategy,
    "min_max_strategy_preference": MinMaxStrategy,
}


@dataclass
class ConcreteOptions:
    """The options of ``concrete.fhe.Configuration`` that ``Configuration`` shares.

    Those with an effect here: ``enable_unsafe_features`` and ``use_insecure_key_cache`` (the
    key cache needs both, as in Concrete), the four ``*_strategy_preference`` lists (validated
    and kept; the lowering picks the first strategy it implements), ``rounding_exactness``
    (the default of ``round_bit_pattern``), ``auto_adjust_rounders`` and ``auto_adjust_truncators``
    (``AutoRounder.adjust`` before tracing), ``approximate_rounding_config`` (whether an
    approximate rounding that overflows its input's width is clipped, see
    ``transforms.rounding_clipping``), ``dynamic_indexing_check_out_of_bounds`` and
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
        check_option_types(self)
        for name, enum in _PREFERENCES.items():
            value = getattr(self, name)
            if value is None:
                value = []
            elif not isinstance(value, (list, tuple)):
                value = [value]
            object.__setattr__(self, name, tuple(enum.parse(v) for v in value))
        object.__setattr__(self, "multi_parameter_strategy",
                           MultiParameterStrategy.parse(self.multi_parameter_strategy))
        if self.approximate_rounding_config is not None and not isinstance(
                self.approximate_rounding_config, ApproximateRoundingConfig):
            raise TypeError("approximate_rounding_config must be an fhe.ApproximateRoundingConfig, "
                            f"got {type(self.approximate_rounding_config).__name__}")
        if not isinstance(self.rounding_exactness, Exactness):
            raise TypeError("rounding_exactness must be an fhe.Exactness, got "
                            f"{type(self.rounding_exactness).__name__}")
        if self.use_insecure_key_cache and not self.enable_unsafe_features:
            raise RuntimeError("Insecure key cache cannot be used without enabling unsafe features")
        if self.use_insecure_key_cache and getattr(self, "insecure_key_cache_location",
                                                   None) is None:
            raise RuntimeError("Insecure key cache cannot be enabled without specifying its "
                               "location")
        if self.simulate_encrypt_run_decrypt and not self.enable_unsafe_features:
            raise RuntimeError("Simulating encrypt/run/decrypt cannot be used without enabling "
                               "unsafe features")

