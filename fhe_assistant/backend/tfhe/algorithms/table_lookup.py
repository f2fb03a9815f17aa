"""Table lookups on ciphertexts at rest: keyswitch, then bootstrap (tfhe-notes §1.5, §1.7).

These are the batch operations the graph executor calls. Ciphertexts at rest are LWE
ciphertexts of dimension k·N under the big key; a table lookup is

    programmable_bootstrap(ct) = bootstrap_batch(keyswitch_batch(ct), TV)

with TV the test vector of the table (:mod:`..entities.test_vector`).

Semantics (the rule simulation must reproduce)
----------------------------------------------
Let p = ``message_bit_width`` and i = the decoded input message in [0, 2**(p+1))
(``encoding.decode(..., is_signed=False)``) for a table ``f`` of 2**p entries:

* i < 2**p (padding bit clear): the result encrypts f[i];
* i ≥ 2**p (padding bit set): the negacyclic wrap gives −f[i − 2**p] (mod 2**(p+1)).

Outputs are encoded with Δ_out = 2**(63 − p_out), two's complement mod 2**(p_out+1), so
signed table values decode correctly with ``decode(..., is_signed=True)``.
"""

from __future__ import annotations

import numpy as np

from fhe_assistant.crypto.parameters import TFHEParameters

from ..entities.evaluation_keys import EvaluationKeys
from ..entities.test_vector import make_test_vectors
from .bootstrap import bootstrap_batch
from .keyswitch import keyswitch_batch

__all__ = ["lookup_reference", "programmable_bootstrap"]


def lookup_reference(
    messages, tables, message_bit_width: int, output_message_bit_width: int | None = None
):
    """The exact result of a table lookup, in the clear (what simulation must compute).

    ``messages`` int (m,) in [0, 2**(p+1)) (the unsigned decoded input, padding bit included);
    ``tables`` (m, 2**p) or (1, 2**p). Returns int64 (m,) in [0, 2**(p_out+1)): f[i] for
    i < 2**p and −f[i − 2**p] otherwise, taken mod 2**(p_out+1).
    """
    p = message_bit_width
    p_out = p if output_message_bit_width is None else output_message_bit_width
    messages = np.asarray(messages, dtype=np.int64) % (1 << (p + 1))
    tables = np.asarray(tables, dtype=np.int64).reshape(-1, 1 << p)
    rows = (
        np.arange(messages.size) if tables.shape[0] > 1 else np.zeros(messages.size, dtype=np.int64)
    )
    wrapped = messages >= 1 << p
    values = tables[rows, messages % (1 << p)]
    return np.where(wrapped, -values, values) % (1 << (p_out + 1))


def programmable_bootstrap(
    cts_big,
    tables,
    evaluation_keys: EvaluationKeys,
    params: TFHEParameters,
    output_message_bit_width: int | None = None,
) -> np.ndarray:
    """Table lookups on ciphertexts at rest: keyswitch (k·N → n), then PBS (n → k·N).

    Parameters
    ----------
    cts_big : uint64 (m, k·N + 1) under the big key
    tables : int (m, 2**p) — one table per ciphertext — or (1, 2**p) / (2**p,) shared
    evaluation_keys : EvaluationKeys with both keys present
    params : TFHEParameters
    output_message_bit_width : int, optional — p_out of the result encoding (default p)

    Returns
    -------
    uint64 (m, k·N + 1) under the big key (see the module docstring for the exact rule).
    """
    if evaluation_keys.bootstrap_key_fourier is None or evaluation_keys.keyswitch_key is None:
        raise ValueError(
            "these evaluation keys hold no bootstrapping/keyswitching key (lwe_dimension == 0)"
        )
    test_vectors = make_test_vectors(tables, params, output_message_bit_width)
    small = keyswitch_batch(cts_big, evaluation_keys.keyswitch_key, params)
    return bootstrap_batch(small, test_vectors, evaluation_keys.bootstrap_key_fourier, params)
