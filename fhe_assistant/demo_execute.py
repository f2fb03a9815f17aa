"""``fhe-assistant demo --execute``: the seed example and a 4-bit table lookup, encrypted."""
from __future__ import annotations

import time

import numpy as np


def _timed(label: str, action):
    start = time.perf_counter()
    result = action()
    print(f"  {label:<22} {1e3 * (time.perf_counter() - start):9.1f} ms")
    return result


def _run(circuit, sample, expected) -> bool:
    _timed("keygen", circuit.keygen)
    encrypted = _timed("encrypt", lambda: circuit.encrypt(sample))
    result = _timed("run (server side)", lambda: circuit.run(encrypted))
    decrypted = _timed("decrypt", lambda: circuit.decrypt(result))
    ok = np.array_equal(decrypted, expected)
    print(f"  result {decrypted} (expected {expected}): {'OK' if ok else 'WRONG'}")
    return ok


def run_encrypted_demo(seed_circuit) -> int:
    import fhe_assistant as fhe

    print("\nencrypted run of the seed example:")
    print("  " + str(seed_circuit).splitlines()[-1])
    ok = _run(seed_circuit, np.array([3]), 8)

    table = [(7 * i + 3) % 16 for i in range(16)]

    @fhe.compiler({"x": "encrypted"})
    def lookup(x):
        return fhe.LookupTable(table)[x]

    circuit = lookup.compile(np.arange(16))
    stats = circuit.statistics
    print(f"\nencrypted run of a 4-bit table lookup ({stats['programmable_bootstrap_count']} PBS; "
          f"n={circuit.parameters.lwe_dimension}, k={circuit.parameters.glwe_dimension}, "
          f"N={circuit.parameters.polynomial_size}; p_error={circuit.p_error:.2g}):")
    ok = _run(circuit, np.array(6), table[6]) and ok
    return 0 if ok else 1
