"""Uniform affine quantizers, quantized arrays and n_bits parsing."""
import numpy as np
import pytest

from fhe_assistant.core.errors import InputError
from fhe_assistant.quantization import NBits, QuantizedArray, UniformQuantizer, integer_range


@pytest.mark.parametrize("n_bits", [2, 4, 8])
def test_asymmetric_unsigned_maps_range_onto_all_integers(n_bits):
    values = np.linspace(-3.0, 5.0, 101)
    quantizer = UniformQuantizer(n_bits).calibrate(values)
    q = quantizer.quantize(values)
    assert q.min() == 0 and q.max() == 2 ** n_bits - 1
    assert np.max(np.abs(quantizer.dequantize(q) - values)) <= quantizer.scale  # round + zp


def test_symmetric_signed_has_zero_point_zero_and_symmetric_range():
    values = np.array([-2.0, -0.5, 0.0, 1.0])
    quantizer = UniformQuantizer(4, is_signed=True, is_symmetric=True).calibrate(values)
    assert float(quantizer.zero_point) == 0.0
    assert quantizer.quantize([-2.0, 2.0]).tolist() == [-7, 7]
    assert quantizer.quantize([0.0]).tolist() == [0]
    restored = quantizer.dequantize(quantizer.quantize(values))
    assert np.allclose(restored, values, atol=quantizer.scale / 2)


def test_integer_range_and_clipping():
    assert integer_range(3, True) == (-4, 3) and integer_range(3, False) == (0, 7)
    quantizer = UniformQuantizer(3).calibrate(np.array([0.0, 7.0]))
    assert quantizer.quantize([-100.0, 100.0]).tolist() == [0, 7]


def test_per_channel_calibrates_each_column():
    data = np.stack([np.linspace(-1, 1, 50), np.linspace(0, 100, 50)], axis=1)
    quantizer = UniformQuantizer(8, channel_axis=-1).calibrate(data)
    assert quantizer.scale.shape == (2,)
    assert np.allclose(quantizer.scale, [2 / 255, 100 / 255])
    q = quantizer.quantize(data)
    assert q[:, 0].max() == 255 and q[:, 1].max() == 255
    # one sample of shape (2,) broadcasts against the per-channel parameters
    assert quantizer.quantize(data[3]).shape == (2,)


def test_per_row_weights_channel_axis_zero():
    weights = np.array([[1.0, -2.0, 0.5], [10.0, 0.0, -5.0]])
    quantizer = UniformQuantizer(4, is_signed=True, is_symmetric=True, channel_axis=0)
    quantizer.calibrate(weights)
    assert quantizer.scale.shape == (2, 1)
    assert quantizer.quantize(weights)[:, 1].tolist() == [-7, 0]


def test_real_zero_point_uses_the_whole_range_without_zero():
    values = np.array([10.1, 11.0])
    exact = UniformQuantizer(2, integer_zero_point=False).calibrate(values)
    assert exact.quantize(values).tolist() == [0, 3]
    assert np.allclose(exact.dequantize([0, 3]), values)
    rounded = UniformQuantizer(2).calibrate(values)
    assert float(rounded.zero_point).is_integer()
    assert not np.allclose(rounded.dequantize([0, 3]), values)


def test_constant_values_quantize_and_come_back():
    quantizer = UniformQuantizer(4).calibrate(np.full(5, 3.0))
    assert np.allclose(quantizer.dequantize(quantizer.quantize([3.0])), [3.0])


def test_calibration_errors():
    with pytest.raises(InputError, match="NaN"):
        UniformQuantizer(4).calibrate(np.array([1.0, np.nan]))
    with pytest.raises(InputError, match="empty"):
        UniformQuantizer(4).calibrate(np.array([]))
    with pytest.raises(InputError, match="not calibrated"):
        UniformQuantizer(4).quantize([1.0])
    with pytest.raises(InputError, match="non-negative"):
        UniformQuantizer(4, is_symmetric=True).calibrate(np.array([-1.0, 1.0]))


def test_quantized_array_remembers_its_parameters():
    weights = QuantizedArray(3, np.array([-0.5, 0.25, 1.0]), is_signed=True, is_symmetric=True)
    assert weights.qvalues.tolist() == [-2, 1, 3]
    scale = float(weights.scale)
    weights.update_values(np.array([1.0, -1.0, 0.0]))   # same quantizer, no recalibration
    assert float(weights.scale) == scale
    assert weights.qvalues.tolist() == [3, -3, 0]
    assert np.allclose(weights.dequant(), [1.0, -1.0, 0.0])
    assert weights.max_abs_error == pytest.approx(0.0)
    assert "QuantizedArray" in repr(weights)


def test_n_bits_int_dict_and_aliases():
    assert NBits.parse(6) == NBits(6, 6, 6)
    assert NBits.parse({"inputs": 4, "weights": 3}) == NBits(4, 3, 8)
    assert NBits.parse({"model_inputs": 5, "op_leaves": 2}) == NBits(5, 8, 2)
    assert NBits.parse(None, NBits(5, 8, 4)) == NBits(5, 8, 4)
    assert str(NBits(4, 3, 6)) == "in4/w3/out6"
    with pytest.raises(InputError, match="unknown n_bits key"):
        NBits.parse({"input": 4})
    with pytest.raises(InputError, match="outside"):
        NBits.parse(0)
    with pytest.raises(InputError, match="integer"):
        NBits.parse({"inputs": 2.5})
