"""Parameter choice from the compiled program: shown to the user, and clear when impossible."""
import numpy as np
import pytest

import fhe_assistant as fhe


def test_unsatisfiable_precision_names_the_node_and_its_bits():
    @fhe.compiler({"x": "encrypted"})
    def wide(x):
        return fhe.univariate(lambda v: v // 3)(x)

    with pytest.raises(fhe.CompilationError) as error:   # WoP-PBS stops at 16 bits
        wide.compile(np.arange(2**17), maximum_tlu_bit_width=17)
    message = str(error.value)
    assert "largest feasible" in message
    assert "needs a 17-bit table lookup" in message and "test_parameter_choice.py" in message


def test_parameters_appear_in_statistics_text_and_lowered_view():
    @fhe.compiler({"x": "encrypted"})
    def f(x):
        return fhe.LookupTable([3, 1, 0, 2, 7, 5, 6, 4])[x] + x

    circuit = f.compile(np.arange(8))
    p = circuit.parameters
    assert f"n={p.lwe_dimension} k={p.glwe_dimension} N={p.polynomial_size}" in circuit.parameters_summary
    assert circuit.statistics["parameters"]["lwe_dimension"] == p.lwe_dimension
    assert circuit.statistics["global_p_error"] <= 1e-5
    assert "PBS 3→4 bits" in circuit.lowered or "PBS 4→4 bits" in circuit.lowered
    costs = circuit.cost_table()
    assert costs["share"].sum() == pytest.approx(1.0)


def test_a_tighter_p_error_costs_more():
    @fhe.compiler({"x": "encrypted"})
    def f(x):
        return fhe.LookupTable(list(range(16)))[x]

    loose = f.compile(np.arange(16), p_error=1e-3)
    tight = f.compile(np.arange(16), p_error=1e-9)
    assert tight.optimization.complexity >= loose.optimization.complexity
    assert tight.p_error <= 1e-9 < loose.p_error <= 1e-3
