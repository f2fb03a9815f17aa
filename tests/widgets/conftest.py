"""Fixtures: small traced programs."""
from __future__ import annotations

import numpy as np
import pytest
from widget_programs import linear_model, relu_half, too_wide


@pytest.fixture
def linear_program():
    return linear_model.trace(np.arange(4).reshape(-1, 1), maximum_tlu_bit_width=8)


@pytest.fixture
def wide_program():
    return too_wide.trace(np.arange(64), maximum_tlu_bit_width=8)


@pytest.fixture
def relu_program():
    return relu_half.trace(np.arange(16), maximum_tlu_bit_width=8)
