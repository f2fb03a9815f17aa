"""``ClientSpecs``: what a client needs to encrypt and decrypt, without the program.

Format (envelope kind 1, JSON metadata only, no arrays)::

    {"parameters": {lwe_dimension, glwe_dimension, polynomial_size, decomposition_base_log,
                    decomposition_level_count, ks_decomposition_base_log,
                    ks_decomposition_level_count, message_bit_width},
     "fingerprint": TFHEParameters.fingerprint(),
     "inputs":  [{"name", "shape", "encrypted", "precision", "bit_width", "is_signed"}, …],
     "outputs": [{"name", "shape", "encrypted", "precision", "bit_width", "is_signed"}, …]}

``precision`` is the partition precision p of the ciphertext encoding (Δ = 2**(63-p));
``bit_width``/``is_signed`` are the value's integer type (the range the client accepts).
A program with WoP-PBS lookups adds ``"wop_parameters"`` (format version 3,
:mod:`.wop_format`); ``parameters`` is then their KS-PBS part and the fingerprint theirs.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

from ..core.dtypes import Integer
from ..core.errors import InputError
from ..core.values import ValueSpec
from ..crypto.key_set import KeySetParameters
from ..crypto.parameters import KeyShape, TFHEParameters
from ..crypto.wop_parameters import WopParameters
from .envelope import Kind, checked_shape, decode_envelope, encode_envelope, require, require_hex
from .errors import SerializationError

_WHAT = Kind.CLIENT_SPECS.label


def parameters_to_json(parameters: TFHEParameters) -> dict:
    return parameters.as_dict()


def parameters_from_json(data, what: str) -> TFHEParameters:
    """Rebuild parameters, checking every field is a small non-negative int (the field names
    written before the TFHE names, ``pbs_base_log`` …, are read too)."""
    data = TFHEParameters.upgrade_field_names(data)
    names = [f.name for f in fields(TFHEParameters)]
    if not isinstance(data, dict) or sorted(data) != sorted(names) or not all(
            isinstance(data[n], int) and not isinstance(data[n], bool) and 0 <= data[n] < 2**20
            for n in names):
        raise SerializationError(f"corrupted {what}: malformed TFHE parameters")
    parameters = TFHEParameters(**{n: data[n] for n in names})
    size = parameters.polynomial_size
    if size and size & (size - 1):
        raise SerializationError(f"corrupted {what}: polynomial size {size} is not a power of 2")
    if not 1 <= parameters.message_bit_width <= 16 or parameters.big_lwe_dimension == 0:
        raise SerializationError(f"corrupted {what}: malformed TFHE parameters")
    if parameters.big_lwe_dimension > 1 << 17 or size < 2 and parameters.lwe_dimension:
        raise SerializationError(f"corrupted {what}: the GLWE dimension times the polynomial "
                                 f"size must be in [1, 2**17] (N ≥ 2 with a bootstrap)")
    for label, base_log, level in (
            ("bootstrap", parameters.decomposition_base_log, parameters.decomposition_level_count),
            ("keyswitch", parameters.ks_decomposition_base_log,
             parameters.ks_decomposition_level_count)):
        if parameters.lwe_dimension and not (1 <= base_log and 1 <= level
                                             and base_log * level <= 64):
            raise SerializationError(f"corrupted {what}: the {label} decomposition (base log "
                                     f"{base_log}, {level} levels) must have 1 ≤ base log × "
                                     f"levels ≤ 64")
    return parameters


#: files of programs with several parameter sets; single-set files stay at version 1
KEY_SET_FORMAT_VERSION = 2
_MAX_PARTITIONS = 64


def key_set_to_json(key_set: KeySetParameters) -> dict:
    return key_set.as_dict()


def key_set_from_json(data, what: str) -> KeySetParameters:
    """Rebuild a key set, each parameter set checked as :func:`parameters_from_json` does."""
    if not isinstance(data, dict) or sorted(data) != ["keyswitches", "partitions"] \
            or not isinstance(data["partitions"], list) \
            or not isinstance(data["keyswitches"], list) \
            or not 1 <= len(data["partitions"]) <= _MAX_PARTITIONS \
            or len(data["keyswitches"]) > _MAX_PARTITIONS ** 2:
        raise SerializationError(f"corrupted {what}: malformed key set")
    partitions = [parameters_from_json(p, what) for p in data["partitions"]]
    for entry in data["keyswitches"]:
        if not isinstance(entry, list) or len(entry) != 4 or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in entry) \
                or not (1 <= entry[2] and 1 <= entry[3] and entry[2] * entry[3] <= 64):
            raise SerializationError(f"corrupted {what}: malformed keyswitch {entry!r:.60}")
    try:
        return KeySetParameters.from_dict({"partitions": [p.as_dict() for p in partitions],
                                           "keyswitches": data["keyswitches"]})
    except InputError as error:
        raise SerializationError(f"corrupted {what}: {error}") from None


# -- programs with WoP-PBS lookups (format version 3, see :mod:`.wop_format`) ----------------
WOP_FORMAT_VERSION = 3
#: the gadgets a WoP set adds to the KS-PBS shape (label, base log field, level field)
_GADGETS = (("packing keyswitch", "pfpks_base_log", "pfpks_level"),
            ("circuit bootstrap", "cb_base_log", "cb_level"))
_MAX_WOP_BIT_WIDTH = 16


def wop_parameters_to_json(parameters: WopParameters) -> dict:
    return parameters.as_dict()


def wop_parameters_from_json(data, what: str) -> WopParameters:
    """Rebuild WoP parameters: the KS-PBS part checked as single-set parameters are
    (:func:`parameters_from_json`), the two extra gadgets, a bootstrap present and
    at most 16 message bits."""
    names = WopParameters.field_names()
    if not isinstance(data, dict) or sorted(data) != sorted(names) or not all(
            isinstance(data[n], int) and not isinstance(data[n], bool) and 0 <= data[n] < 2**20
            for n in names):
        raise SerializationError(f"corrupted {what}: malformed WoP parameters")
    shape = {f.name: data[f.name] for f in fields(KeyShape)}
    parameters_from_json({**shape, "message_bit_width": data["message_bit_width"]}, what)
    parameters = WopParameters(**{n: data[n] for n in names})
    if parameters.lwe_dimension == 0 or parameters.message_bit_width > _MAX_WOP_BIT_WIDTH:
        raise SerializationError(f"corrupted {what}: WoP parameters need a bootstrap and at "
                                 f"most {_MAX_WOP_BIT_WIDTH} message bits")
    for label, base_field, level_field in _GADGETS:
        base_log, level = data[base_field], data[level_field]
        if not (1 <= base_log and 1 <= level and base_log * level <= 64):
            raise SerializationError(f"corrupted {what}: the {label} decomposition (base log "
                                     f"{base_log}, {level} levels) must have 1 ≤ base log × "
                                     f"levels ≤ 64")
    return parameters


def read_wop_header(metadata: dict, what: str):
    """(KS-PBS parameters, WoP parameters) of a version-3 header, consistent with each other
    and with the fingerprint."""
    wop = wop_parameters_from_json(metadata.get("wop_parameters"), what)
    parameters = parameters_from_json(metadata.get("parameters"), what)
    if parameters != wop.ks_pbs():
        raise SerializationError(f"corrupted {what}: the parameters are not the KS-PBS part "
                                 f"of the WoP parameters")
    if metadata.get("fingerprint") != wop.fingerprint():
        raise SerializationError(f"corrupted {what}: the parameter fingerprint does not match "
                                 f"the WoP parameters")
    return parameters, wop



def check_fingerprint(parameters: TFHEParameters, fingerprint, what: str) -> str:
    require_hex({"fingerprint": fingerprint}, "fingerprint", 16, what)
    if fingerprint != parameters.fingerprint():
        raise SerializationError(f"corrupted {what}: the parameter fingerprint does not match "
                                 f"the parameters")
    return fingerprint


def _name(data: dict, what: str) -> str:
    name = require(data, "name", str, what)
    if not 1 <= len(name) <= 256 or not name.isprintable():
        raise SerializationError(f"corrupted {what}: field 'name' must be 1 to 256 printable "
                                 f"characters")
    return name


@dataclass(frozen=True, slots=True)
class ArgumentSpec:
    """One input or output of the program as the client sees it."""

    name: str
    shape: tuple[int, ...]
    is_encrypted: bool
    precision: int          # partition precision (0 for clear values)
    bit_width: int
    is_signed: bool
    key: int = 0            # key partition whose big key encrypts it (several parameter sets)

    @property
    def value_spec(self) -> ValueSpec:
        return ValueSpec(Integer(self.bit_width, self.is_signed), self.shape, self.is_encrypted)

    @property
    def min(self) -> int:
        return self.value_spec.dtype.min

    @property
    def max(self) -> int:
        return self.value_spec.dtype.max

    @property
    def type_text(self) -> str:
        """Concrete's notation, e.g. ``EncryptedTensor<uint4, shape=(3,)>``."""
        return str(self.value_spec)

    def to_json(self) -> dict:
        return {"name": self.name, "shape": list(self.shape), "encrypted": self.is_encrypted,
                "precision": self.precision, "bit_width": self.bit_width,
                "is_signed": self.is_signed, **({"key": self.key} if self.key else {})}

    @staticmethod
    def from_json(data, what: str) -> ArgumentSpec:
        if not isinstance(data, dict):
            raise SerializationError(f"corrupted {what}: malformed argument spec")
        spec = ArgumentSpec(
            name=_name(data, what),
            shape=checked_shape(data.get("shape"), what),
            is_encrypted=require(data, "encrypted", bool, what),
            precision=require(data, "precision", int, what),
            bit_width=require(data, "bit_width", int, what),
            is_signed=require(data, "is_signed", bool, what),
            key=require(data, "key", int, what) if "key" in data else 0)
        if not 1 <= spec.bit_width <= 64 or not 0 <= spec.precision <= 16 or (
                spec.is_encrypted and spec.precision < 1):
            raise SerializationError(f"corrupted {what}: bad precision or bit width for "
                                     f"{spec.name!r}")
        return spec


@dataclass(frozen=True, slots=True)
class ClientSpecs:
    """What a client needs to encrypt arguments and decrypt results, and nothing else.

    ``parameters`` are the TFHE parameters of the key set, ``inputs`` and ``outputs`` one
    :class:`ArgumentSpec` each, in the program's order. ``key_set`` is set for a program
    with several parameter sets (one per lookup precision); ``parameters`` is then its
    widest set and each argument's ``key`` names the partition that encrypts it.
    ``wop_parameters`` is set for a program with WoP-PBS lookups (one parameter set:
    ``parameters`` is their KS-PBS part); its keys include packing keyswitch keys.
    """

    parameters: TFHEParameters
    inputs: tuple[ArgumentSpec, ...]
    outputs: tuple[ArgumentSpec, ...]
    key_set: KeySetParameters | None = None
    wop_parameters: WopParameters | None = None

    @property
    def fingerprint(self) -> str:
        if self.wop_parameters is not None:
            return self.wop_parameters.fingerprint()
        return self.parameters.fingerprint() if self.key_set is None \
            else self.key_set.fingerprint()

    def parameters_of(self, spec: ArgumentSpec) -> TFHEParameters:
        """The parameter set whose big key encrypts this argument."""
        return self.parameters if self.key_set is None else self.key_set.partitions[spec.key]

    @property
    def input_names(self) -> list[str]:
        return [spec.name for spec in self.inputs]

    def check_input_count(self, count: int, noun: str) -> None:
        """One call passes one ``noun`` (argument, value) per input, in order."""
        if count != len(self.inputs):
            raise InputError(f"expected {len(self.inputs)} {noun}(s) "
                             f"({', '.join(self.input_names)}), got {count}")

    def serialize(self) -> bytes:
        metadata = {"parameters": parameters_to_json(self.parameters),
                    "fingerprint": self.fingerprint,
                    "inputs": [spec.to_json() for spec in self.inputs],
                    "outputs": [spec.to_json() for spec in self.outputs]}
        if self.wop_parameters is not None:
            metadata["wop_parameters"] = wop_parameters_to_json(self.wop_parameters)
            return encode_envelope(Kind.CLIENT_SPECS, metadata, version=WOP_FORMAT_VERSION)
        if self.key_set is None:
            return encode_envelope(Kind.CLIENT_SPECS, metadata)
        metadata["key_set"] = key_set_to_json(self.key_set)
        return encode_envelope(Kind.CLIENT_SPECS, metadata, version=KEY_SET_FORMAT_VERSION)

    @staticmethod
    def deserialize(data: bytes) -> ClientSpecs:
        envelope = decode_envelope(data, Kind.CLIENT_SPECS)
        return ClientSpecs.from_json(envelope.metadata, _WHAT)

    @staticmethod
    def from_json(metadata: dict, what: str = _WHAT) -> ClientSpecs:
        wop = None
        if "wop_parameters" in metadata:
            if "key_set" in metadata:
                raise SerializationError(f"corrupted {what}: a WoP program has one parameter "
                                         f"set, not a key set")
            parameters, wop = read_wop_header(metadata, what)
        else:
            parameters = parameters_from_json(metadata.get("parameters"), what)
        key_set = key_set_from_json(metadata["key_set"], what) if "key_set" in metadata else None
        if wop is None and key_set is None:
            check_fingerprint(parameters, metadata.get("fingerprint"), what)
        elif wop is None and metadata.get("fingerprint") != key_set.fingerprint():
            raise SerializationError(f"corrupted {what}: the key-set fingerprint does not match")
        inputs, outputs = metadata.get("inputs"), metadata.get("outputs")
        if not isinstance(inputs, list) or not isinstance(outputs, list) or not outputs:
            raise SerializationError(f"corrupted {what}: missing input or output specs")
        if len(inputs) > 1024 or len(outputs) > 1024:
            raise SerializationError(f"corrupted {what}: more than 1024 inputs or outputs")
        specs = ClientSpecs(parameters, tuple(ArgumentSpec.from_json(i, what) for i in inputs),
                            tuple(ArgumentSpec.from_json(o, what) for o in outputs), key_set,
                            wop)
        count = 1 if key_set is None else len(key_set.partitions)
        if any(not 0 <= spec.key < count for spec in specs.inputs + specs.outputs):
            raise SerializationError(f"corrupted {what}: an argument names a key partition "
                                     f"outside 0..{count - 1}")
        return specs

    def save(self, path) -> None:
        with open(path, "wb") as file:
            file.write(self.serialize())

    @staticmethod
    def load(path) -> ClientSpecs:
        with open(path, "rb") as file:
            return ClientSpecs.deserialize(file.read())

    def __str__(self) -> str:
        ins = ", ".join(f"{s.name}: {s.type_text}" for s in self.inputs)
        outs = ", ".join(s.type_text for s in self.outputs)
        return f"ClientSpecs(({ins}) -> {outs}, parameters {self.fingerprint})"
