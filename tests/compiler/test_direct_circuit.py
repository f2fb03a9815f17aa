"""``fhe.circuit``: circuits defined by their parameters' types, without an inputset."""
from __future__ import annotations

import numpy as np
import pytest

import fhe_assistant as fhe


def test_types_come_from_annotations_and_results_match_numpy():
    @fhe.circuit({"x": "encrypted"})
    def add(x: fhe.tensor[fhe.uint2, 3, 2]):
        return x + 42

    assert add.graph.format() == (
        "%0 = x                  # EncryptedTensor<uint2, shape=(3, 2)>\n"
        "%1 = 42                 # ClearScalar<uint6>\n"
        "%2 = add(%0, %1)        # EncryptedTensor<uint6, shape=(3, 2)>\n"
        "return %2")
    assert add.graph.integer_range() is None  # nothing measured, as in Concrete
    sample = np.random.default_rng(0).integers(0, 4, size=(3, 2))
    assert np.array_equal(add.simulate(sample), sample + 42)


def test_declared_outputs_and_every_declared_input_computes_exactly():
    @fhe.circuit({"x": "encrypted"}, insecure_keygen_seed=1)
    def square(x: fhe.uint3):
        def squared(v):
            return v**2

        return fhe.univariate(squared, outputs=fhe.uint7)(x)

    lines = square.graph.format().splitlines()
    assert lines[1] == "%1 = squared(%0)        # EncryptedScalar<uint7>"
    assert [square.simulate(x) for x in range(8)] == [x**2 for x in range(8)]
    assert square.encrypt_run_decrypt(7) == 49


def test_multivariate_bits_astype_and_signed_inputs():
    @fhe.circuit({"x": "encrypted", "y": "encrypted"})
    def keep(x: fhe.uint3, y: fhe.uint1):
        def kept(value, flag):
            return value if flag else 0

        return fhe.multivariate(kept, outputs=fhe.uint3)(x, y)

    assert "%2 = kept(%0, %1)" in keep.graph.format()
    assert [keep.simulate(5, f) for f in (0, 1)] == [0, 5]

    @fhe.circuit({"x": "encrypted"})
    def low_bit(x: fhe.uint4):
        return fhe.bits(x)[0]

    assert "%1 = bits(%0)[0]        # EncryptedScalar<uint1>" in low_bit.graph.format()
    assert [low_bit.simulate(x) for x in range(16)] == [x & 1 for x in range(16)]

    @fhe.circuit({"x": "encrypted"})
    def one(x: fhe.uint3):
        return ((np.sin(x) ** 2) + (np.cos(x) ** 2)).round().astype(fhe.uint3)

    assert one.graph.nodes[1].spec.dtype.bit_width == 3  # the declared type, not uint1
    assert one.simulate(6) == 1

    @fhe.circuit({"x": "encrypted"})
    def shifted(x: fhe.int2):
        return x + 42

    # Concrete declares int6, which cannot hold 43: the width follows the values
    assert str(shifted.graph.nodes[2].spec.dtype) == "int7"
    assert [shifted.simulate(x) for x in range(-2, 2)] == [40, 41, 42, 43]


@pytest.mark.parametrize("definition,error,message", [
    ("def f(x: int):\n    return x + 42", ValueError,
     "Annotation <class 'int'> for argument 'x' is not valid (please use an fhe type such as "
     "`fhe.uint4` or 'fhe.tensor[fhe.uint4, 3, 2]')"),
    ("def f(x: fhe.uint3):\n    return x.astype(np.int64)", ValueError,
     "`astype` method must be called with an fhe type for direct circuit definition "
     "(e.g., value.astype(fhe.uint4))"),
    ("def f(x: fhe.uint3):\n    return round(x)", RuntimeError,
     "'round(x)' cannot be used in direct definition (you may use np.around instead)"),
    ("def f(x: fhe.uint3):\n    return fhe.univariate(lambda v: v**2)(x)", ValueError,
     "Univariate extension requires `outputs` argument for direct circuit definition "
     "(e.g., fhe.univariate(function, outputs=fhe.uint4)(x))"),
    ("def f(x: fhe.uint3):\n    return fhe.multivariate(lambda v: v**2)(x)", ValueError,
     "Multivariate extension requires `outputs` argument for direct circuit definition "
     "(e.g., fhe.multivariate(function, outputs=fhe.uint4)(x, y, z))"),
])
def test_bad_direct_definitions(definition, error, message):
    namespace = {"fhe": fhe, "np": np}
    exec(definition, namespace)  # noqa: S102 - the definitions under test
    with pytest.raises(error) as info:
        fhe.circuit({"x": "encrypted"})(namespace["f"])
    assert str(info.value) == message


def test_missing_encryption_status_names_the_parameter():
    def g(x: fhe.uint3):
        return x + 42

    with pytest.raises(ValueError, match="Encryption status of parameter 'x' of function 'g' "
                                         "is not provided"):
        fhe.circuit({})(g)


def test_assemble_takes_value_descriptions():
    from fhe_assistant.dtypes import Integer
    from fhe_assistant.values import ValueDescription

    circuit = fhe.Compiler.assemble(
        lambda x, y: x * y + 1,
        {"x": ValueDescription(Integer(is_signed=False, bit_width=3), shape=(2,),
                               is_encrypted=True),
         "y": ValueDescription(Integer(is_signed=False, bit_width=2), shape=(),
                               is_encrypted=False)})
    assert circuit.graph.integer_range() is None
    assert [n.is_encrypted for n in circuit.graph.ordered_inputs()] == [True, False]
    assert np.array_equal(circuit.simulate(np.array([7, 2]), 3), [22, 7])
    with pytest.raises(ValueError, match="must be described by a ValueDescription"):
        fhe.Compiler.assemble(lambda x: x, {"x": fhe.uint3})
