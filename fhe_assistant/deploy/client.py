"""``Client``: keys, encryption and decryption from the client specs alone."""
from __future__ import annotations

import numpy as np

from ..core.errors import InputError
from .keys import EvaluationKeys, Keys
from .server import check_clear
from .specs import ClientSpecs
from .value import SEED_BYTES, Value, expand_masks


def _as_integers(argument, name: str) -> np.ndarray:
    array = np.asarray(argument)
    if array.dtype.kind == "b":
        return array.astype(np.int64)
    if array.dtype.kind == "f" and array.size and np.all(np.isfinite(array)) \
            and np.all(np.equal(np.mod(array, 1), 0)):
        return array.astype(np.int64)
    if array.dtype.kind not in "iu" and array.size:
        raise InputError(f"argument {name!r} must hold integers, got dtype {array.dtype}")
    if array.dtype == np.uint64 and array.size and array.max() > np.iinfo(np.int64).max:
        raise InputError(f"argument {name!r} exceeds the int64 range")
    return array.astype(np.int64)


class Client:
    """The party that holds the secret key.

    Parameters
    ----------
    client_specs : ClientSpecs
        From ``server.client_specs``, ``ClientSpecs.deserialize`` or an HTTP server.
    keyset_cache_directory : str, optional
        INSECURE on-disk key cache (tests and notebooks only), as in Concrete.
    compress_input_ciphertexts : bool
        Encrypt into *seeded* ciphertexts: the mask is replaced by a 32-byte XOF seed, so a
        serialized input costs 8 bytes an element instead of 8·(k·N + 1) (see
        :mod:`fhe_assistant.deploy.value`). Results from the server are never seeded.
    """

    def __init__(self, client_specs: ClientSpecs, keyset_cache_directory: str | None = None,
                 compress_input_ciphertexts: bool = True):
        if not isinstance(client_specs, ClientSpecs):
            raise InputError("Client takes ClientSpecs (server.client_specs or "
                             "ClientSpecs.deserialize(...))")
        self.specs = client_specs
        self.compress_input_ciphertexts = compress_input_ciphertexts
        self._keys = Keys(client_specs.parameters, keyset_cache_directory, client_specs.key_set,
                          client_specs.wop_parameters)

    @staticmethod
    def from_circuit(circuit) -> Client:
        """A client for ``circuit`` that shares the circuit's key set."""
        client = Client(circuit.server.client_specs,
                        circuit.configuration.insecure_key_cache_location)
        client.keys = circuit.client.keys
        return client

    @property
    def client_specs(self) -> ClientSpecs:
        return self.specs

    @property
    def keys(self) -> Keys:
        return self._keys

    @keys.setter
    def keys(self, keys: Keys) -> None:
        if keys.parameters != self.specs.parameters or keys.key_set != self.specs.key_set \
                or keys.wop_parameters != self.specs.wop_parameters:
            raise InputError("these keys were made for other parameters than the client specs")
        self._keys = keys

    @property
    def evaluation_keys(self) -> EvaluationKeys:
        """The public half of the key set, to send to the server (generates keys if needed)."""
        self._keys.generate()
        return self._keys.evaluation

    # -- encrypt / decrypt ---------------------------------------------------------------------
    def encrypt(self, *args):
        """Encrypt one call's arguments (clear ones pass through): a Value or a tuple."""
        self.specs.check_input_count(len(args), "argument")
        specs = self.specs.inputs
        arrays = []
        for argument, spec in zip(args, specs):
            if argument is not None:
                argument = _as_integers(argument, spec.name)
                check_clear(argument, spec, "argument")
            arrays.append(argument)
        return self.encrypt_arrays(arrays)

    def encrypt_arrays(self, arrays: list, compress: bool | None = None):
        """Encrypt int64 arrays already checked against the specs, as they are (a value
        outside an input's range wraps at its precision, as in simulation); ``None`` entries
        stay ``None``. ``compress``: seeded ciphertexts (default: the client's setting)."""
        self._keys.generate()
        from ..backend.runtime import encrypt_argument

        compress = self.compress_input_ciphertexts if compress is None else compress
        keys = self._keys
        values = []
        for array, spec in zip(arrays, self.specs.inputs):
            if array is None or not spec.is_encrypted:
                values.append(None if array is None else Value(array))
                continue
            parameters = self.specs.parameters_of(spec)
            secret = self._secret_of(spec.key)
            seed = masks = None
            if compress:
                seed = keys.random.uniform_uint64(SEED_BYTES // 8).tobytes()
                masks = expand_masks(seed, array.size, parameters.big_lwe_dimension)
            inner = encrypt_argument(array, spec.precision, spec.is_signed, parameters,
                                     secret, keys.random, masks)
            values.append(Value(inner, keys.key_id, seed))
        return values[0] if len(values) == 1 else tuple(values)

    def decrypt(self, *results):
        """Decrypt one call's results: an int for a scalar, an array, or a tuple of them."""
        if len(results) == 1 and isinstance(results[0], (tuple, list)):
            results = tuple(results[0])
        from ..backend.runtime import decrypt_value

        partitions = {p.fingerprint(): (index, p) for index, p in enumerate(
            self.specs.key_set.partitions if self.specs.key_set else (self.specs.parameters,))}
        clears = []
        for result in results:
            value = result if isinstance(result, Value) else Value(result)
            if not value.is_encrypted:
                clear = value.clear
            else:
                index, parameters = partitions.get(value.fingerprint, (None, None))
                if parameters is None or value.lwe_size != parameters.big_lwe_dimension + 1:
                    raise InputError("this value was made for other parameters than this "
                                     "client's")
                if value.key_id is not None and value.key_id != self._keys.key_id:
                    raise InputError("this value was encrypted under another key set than "
                                     "this client's: it cannot be decrypted")
                clear = decrypt_value(value.encrypted, self._secret_of(index))
            clears.append(clear.item() if clear.ndim == 0 else clear)
        return clears[0] if len(clears) == 1 else tuple(clears)

    def _secret_of(self, partition: int):
        """The secret keys of one key partition (the only ones with one parameter set)."""
        secret = self._keys.secret
        return secret if self.specs.key_set is None else secret.partitions[partition]

    def __repr__(self) -> str:
        return f"Client({self.specs})"
