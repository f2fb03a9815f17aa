"""``Configuration`` refuses what Concrete's refuses, with Concrete's error types and texts, and
can be changed in place as Concrete's can."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import fhe_assistant as fhe


@pytest.mark.parametrize("changes, error, message", [
    ({"foo": False}, TypeError, "Configuration.fork() got an unexpected keyword argument 'foo'"),
    ({"dump_artifacts_on_unexpected_failures": "yes"}, TypeError,
     ("Unexpected type for keyword argument 'dump_artifacts_on_unexpected_failures' "
      "(expected 'bool', got 'str')")),
    ({"insecure_key_cache_location": 3}, TypeError,
     ("Unexpected type for keyword argument 'insecure_key_cache_location' "
      "(expected 'Union[Path, str, NoneType]', got 'int')")),
    ({"p_error": "yes"}, TypeError,
     ("Unexpected type for keyword argument 'p_error' (expected 'Optional[float]', "
      "got 'str')")),
    ({"global_p_error": "mamma mia"}, TypeError,
     ("Unexpected type for keyword argument 'global_p_error' "
      "(expected 'Optional[float]', got 'str')")),
    ({"show_optimizer": "please"}, TypeError,
     ("Unexpected type for keyword argument 'show_optimizer' (expected 'Optional[bool]', "
      "got 'str')")),
    ({"additional_pre_processors": "bad"}, TypeError,
     ("Unexpected type for keyword argument 'additional_pre_processors' "
      "(expected 'Optional[list[GraphProcessor]]', got 'str')")),
    ({"maximum_tlu_bit_width": 2.5}, TypeError,
     ("Unexpected type for keyword argument 'maximum_tlu_bit_width' (expected 'int', "
      "got 'float')")),
    ({"parameter_selection_strategy": 42}, TypeError,
     "42 cannot be parsed to a ParameterSelectionStrategy"),
    ({"parameter_selection_strategy": "bad"}, ValueError,
     "'bad' is not a valid 'ParameterSelectionStrategy' (v0, mono, multi)"),
    ({"multi_parameter_strategy": 42}, TypeError,
     "42 cannot be parsed to a MultiParameterStrategy"),
    ({"comparison_strategy_preference": 42}, TypeError,
     "42 cannot be parsed to a ComparisonStrategy"),
])
def test_bad_fork(changes, error, message):
    with pytest.raises(error) as raised:
        fhe.Configuration().fork(**changes)
    assert str(raised.value) == message


@pytest.mark.parametrize("options, message", [
    ({"enable_unsafe_features": False, "use_insecure_key_cache": True},
     "Insecure key cache cannot be used without enabling unsafe features"),
    ({"enable_unsafe_features": True, "use_insecure_key_cache": True,
      "insecure_key_cache_location": None},
     "Insecure key cache cannot be enabled without specifying its location"),
    ({"enable_unsafe_features": False, "simulate_encrypt_run_decrypt": True},
     "Simulating encrypt/run/decrypt cannot be used without enabling unsafe features"),
])
def test_bad_init(options, message):
    with pytest.raises(RuntimeError) as raised:
        fhe.Configuration(**options)
    assert str(raised.value) == message


def test_good_values_of_every_checked_kind_are_accepted(tmp_path):
    configuration = fhe.Configuration(
        p_error=1, global_p_error=None, insecure_key_cache_location=Path(tmp_path),
        show_optimizer=None, additional_pre_processors=[], maximum_tlu_bit_width=np.int64(8),
        verbose=np.bool_(True), parameter_selection_strategy="MONO")
    assert configuration.fork(insecure_key_cache_location=str(tmp_path)).p_error == 1


def test_unknown_options_of_compile_list_the_known_ones():
    compiler = fhe.compiler({"x": "encrypted"})(lambda x: x + 1)
    with pytest.raises(TypeError, match="unknown configuration option.*no_such_option.*known: "):
        compiler.compile(range(3), no_such_option=True)
    with pytest.raises(TypeError, match="got an unexpected keyword argument 'no_such_option'"):
        compiler.compile(range(3), fhe.Configuration(), no_such_option=True)


def test_a_configuration_changes_in_place_and_compile_reads_it():
    configuration = fhe.Configuration()
    configuration.composable = True
    configuration.show_parameters = False
    assert configuration.composable is True
    circuit = fhe.compiler({"x": "encrypted"})(lambda x: x + 1).compile(range(4), configuration)
    assert "TFHE" not in str(circuit)
    assert configuration.fork(show_parameters=True).show_parameters is True
    assert configuration.show_parameters is False
