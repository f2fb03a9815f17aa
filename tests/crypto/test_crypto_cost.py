"""The §3.5 cost model and its conversion to seconds."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from fhe_assistant.crypto.cost import (
    CostCalibration,
    CostKind,
    cmux_complexity,
    fft_complexity,
    keyswitch_complexity,
    leveled_complexity,
    pbs_complexity,
    predict_seconds,
)


def test_four_bit_set_matches_concrete_exactly():
    pbs = pbs_complexity(822, 2, 1024, 1)
    ks = keyswitch_complexity(2048, 822, 3)
    assert pbs == 63_129_600
    assert ks == 10_118_346
    assert pbs + ks == 73_247_946


def test_cmux_is_ffts_plus_multiply_adds():
    # (k+1)·l forward + (k+1) inverse FFTs + (k+1)²·l·N
    assert fft_complexity(1024) == 1024 * 10 + 1024
    assert cmux_complexity(2, 1024, 1) == 3 * 11264 + 3 * 11264 + 9 * 1024


def test_keyswitch_is_linear_in_the_input_dimension():
    # Concrete stores it as bias + slope·kN with bias = −n and slope = l·(2n + 3).
    n, lev = 1031, 5
    assert keyswitch_complexity(16384, n, lev) == -n + 16384 * lev * (2 * n + 3)


def test_leveled_and_broadcast():
    assert leveled_complexity(4096, 2048) == 4096 * 2048
    assert pbs_complexity(np.array([800, 900]), 1, 2048, 1).shape == (2,)


def test_default_calibration_matches_the_measured_four_bit_lookup():
    # bench/README_tfhe.md (2026-12-04 23:57): KS 1.06 ms + PBS 8.86 ms = 9.9 ms on one thread
    seconds = predict_seconds(63_129_600, CostKind.PBS) + predict_seconds(
        10_118_346, CostKind.KEYSWITCH
    )
    assert seconds == pytest.approx(9.9e-3, rel=0.03)


def test_predict_seconds_accepts_kind_names_and_calibrations():
    assert predict_seconds(1e9, "pbs") == predict_seconds(1e9, CostKind.PBS)
    assert predict_seconds(1e9, "leveled", CostCalibration(leveled_ops_per_second=2e9)) == 0.5
    assert predict_seconds(np.array([1e9, 2e9]), "ks").shape == (2,)
    with pytest.raises(ValueError):
        predict_seconds(1.0, "bootstrap")


def test_calibration_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        CostCalibration().pbs_ops_per_second = 1.0
