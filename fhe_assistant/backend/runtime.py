"""Client and server halves of an encrypted run for one compiled program.

The client half (keygen, encrypt, decrypt) holds the secret key; the server half (``run``)
needs only the evaluation keys. Both work from the lowered graph and its FHE plan.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..core.errors import InputError
from ..crypto.parameters import TFHEParameters
from ..crypto.security import noise_std_log2_mod
from ..ir.graph import Graph
from ..lowered.fhe_plan import FHEPlan, TableLookupPlan
from .executor import Executor
from .tfhe import (
    EvaluationKeys,
    InsecureKeyCache,
    SecretKeys,
    bootstrap_batch,
    encrypt_lwe,
    generate_keys,
    keyswitch_batch,
    lwe_phase,
    make_random,
)
from .tfhe.encoding import decode, encode
from .values import EncryptedValue


@dataclass
class RunTimings:
    """Seconds per stage of the last run, for progress views and benchmarks."""

    stages: dict[str, float] = field(default_factory=dict)
    pbs_count: int = 0


class Runtime:
    def __init__(self, graph: Graph, plan: FHEPlan, parameters: TFHEParameters,
                 table_source: Callable[[TableLookupPlan, list | None], np.ndarray],
                 is_static: Callable[[TableLookupPlan], bool]):
        self.graph, self.plan, self.parameters = graph, plan, parameters
        self.executor = Executor(graph, plan, parameters, table_source, is_static)
        self.last_timings = RunTimings()

    # -- client ------------------------------------------------------------------------------
    def keygen(self, insecure_seed: int | None = None, cache_location: str | None = None,
               ) -> tuple[SecretKeys, EvaluationKeys]:
        random = make_random(insecure_seed)
        if cache_location is not None:
            tag = f"seed-{insecure_seed}" if insecure_seed is not None else "random"
            return InsecureKeyCache(cache_location).load_or_generate(self.parameters, tag, random)
        return generate_keys(self.parameters, random)

    def encrypt(self, secret_keys: SecretKeys, arguments: list[np.ndarray], random
                ) -> list[EncryptedValue | np.ndarray]:
        """Encrypt the encrypted parameters of one call (each a single sample)."""
        values = []
        sigma = noise_std_log2_mod(self.parameters.big_lwe_dimension)
        for node_id, argument in zip(self.graph.inputs, arguments):
            node = self.graph[node_id]
            if not node.is_encrypted:
                values.append(np.asarray(argument))
                continue
            precision = self.plan.precision(node_id)
            plaintexts = encode(argument, precision)
            ciphertexts = encrypt_lwe(plaintexts, secret_keys.big_lwe_key, sigma, random)
            values.append(EncryptedValue(ciphertexts, precision, node.spec.dtype.is_signed,
                                         self.parameters.fingerprint()))
        return values

    def decrypt(self, secret_keys: SecretKeys, value) -> np.ndarray:
        if not isinstance(value, EncryptedValue):
            return np.asarray(value)
        self._check_value(value)
        phases = lwe_phase(value.ciphertexts, secret_keys.big_lwe_key)
        return decode(phases, value.precision, value.is_signed)

    # -- server ------------------------------------------------------------------------------
    def _check_value(self, value: EncryptedValue) -> None:
        if value.parameters_fingerprint != self.parameters.fingerprint():
            raise InputError("the ciphertext was made for other parameters than this circuit's "
                             "(a different compilation or key set)")
        if value.lwe_size != self.parameters.big_lwe_dimension + 1:
            raise InputError(f"ciphertext LWE size {value.lwe_size} does not match the "
                             f"circuit's {self.parameters.big_lwe_dimension + 1}")

    def run(self, evaluation_keys: EvaluationKeys, values: list, on_node=None
            ) -> list[EncryptedValue]:
        inputs = []
        for node_id, value in zip(self.graph.inputs, values):
            node = self.graph[node_id]
            if node.is_encrypted:
                if not isinstance(value, EncryptedValue):
                    raise InputError(f"argument {node.attrs['name']!r} is encrypted in this "
                                     f"circuit: pass the value returned by encrypt()")
                self._check_value(value)
                if value.shape != node.spec.shape:
                    raise InputError(f"argument {node.attrs['name']!r} has shape {value.shape}, "
                                     f"the circuit expects {node.spec.shape}")
                inputs.append(np.moveaxis(value.ciphertexts, -1, 0))
            else:
                clear = np.asarray(value, dtype=np.int64)
                if clear.shape != node.spec.shape:
                    raise InputError(f"argument {node.attrs['name']!r} has shape {clear.shape}, "
                                     f"the circuit expects {node.spec.shape}")
                inputs.append(clear[None])
        timings = RunTimings()
        parameters = self.parameters

        def bootstrap(ciphertexts: np.ndarray, test_vectors: np.ndarray) -> np.ndarray:
            start = time.perf_counter()
            small = keyswitch_batch(ciphertexts, evaluation_keys.keyswitch_key, parameters)
            middle = time.perf_counter()
            result = bootstrap_batch(small, test_vectors, evaluation_keys.bootstrap_key_fourier,
                                     parameters)
            timings.stages["keyswitch"] = timings.stages.get("keyswitch", 0.0) + middle - start
            timings.stages["bootstrap"] = timings.stages.get("bootstrap", 0.0) + \
                time.perf_counter() - middle
            timings.pbs_count += len(ciphertexts)
            return result

        start = time.perf_counter()
        outputs = self.executor.run(inputs, bootstrap, on_node)
        timings.stages["total"] = time.perf_counter() - start
        self.last_timings = timings
        results = []
        for node_id, output in zip(self.graph.outputs, outputs):
            node = self.graph[node_id]
            if not node.is_encrypted:
                results.append(output[0])
                continue
            results.append(EncryptedValue(np.ascontiguousarray(np.moveaxis(output, 0, -1)),
                                          self.plan.precision(node_id),
                                          node.spec.dtype.is_signed, parameters.fingerprint()))
        return results
