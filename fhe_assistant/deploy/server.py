"""``Server``: runs a saved program on ciphertexts with a client's evaluation keys.

``server.zip`` holds two entries: ``server.program`` (the program, see :mod:`.program`) and
``client.specs`` (what clients need, see :mod:`.specs`). Neither holds a key.
"""
from __future__ import annotations

import os
import threading
import zipfile
from collections import OrderedDict

import numpy as np

from ..core.dtypes import Integer
from ..core.errors import InputError
from ..ir.printer import node_error
from ..lowered.program import LoweredProgram
from .batch import run_batch
from .errors import SerializationError
from .keys import EvaluationKeys
from .program import Program
from .specs import ArgumentSpec, ClientSpecs
from .value import Value

PROGRAM_ENTRY = "server.program"
SPECS_ENTRY = "client.specs"
MAX_ENTRY_BYTES = 1 << 30
#: on a Dask worker: digest -> deserialized program or keys (the last few)
_WORKER_CACHE: OrderedDict[str, object] = OrderedDict()
_WORKER_CACHE_SIZE = 4
_WORKER_CACHE_LOCK = threading.Lock()


def _cached(digest: str, build):
    with _WORKER_CACHE_LOCK:
        if digest in _WORKER_CACHE:
            _WORKER_CACHE.move_to_end(digest)
            return _WORKER_CACHE[digest]
    item = build()
    with _WORKER_CACHE_LOCK:
        _WORKER_CACHE[digest] = item
        while len(_WORKER_CACHE) > _WORKER_CACHE_SIZE:
            _WORKER_CACHE.popitem(last=False)
    return item


def specs_of(program: Program) -> ClientSpecs:
    graph, plan = program.graph, program.plan

    def spec(node_id: int, name: str) -> ArgumentSpec:
        node = graph[node_id]
        if not isinstance(node.spec.dtype, Integer):
            raise node_error(SerializationError, node, f"is a {node.spec.dtype} argument or "
                                                       f"result, which cannot be exchanged")
        return ArgumentSpec(name, tuple(node.spec.shape), node.is_encrypted,
                            plan.precision(node_id) if node.is_encrypted else 0,
                            node.spec.dtype.bit_width, node.spec.dtype.is_signed)

    inputs = tuple(spec(i, str(graph[i].attrs["name"])) for i in graph.inputs)
    outputs = tuple(spec(o, f"output_{k}") for k, o in enumerate(graph.outputs))
    return ClientSpecs(program.parameters, inputs, outputs)


def _as_values(values) -> tuple:
    if len(values) == 1 and isinstance(values[0], (tuple, list)):
        return tuple(values[0])
    return tuple(values)


def check_clear(array: np.ndarray, spec: ArgumentSpec, where: str) -> None:
    if array.shape != spec.shape:
        raise InputError(f"{where} {spec.name!r} has shape {array.shape}; the program expects "
                         f"{spec.type_text}")
    if array.size and (array.min() < spec.min or array.max() > spec.max):
        raise InputError(f"{where} {spec.name!r} holds values in [{array.min()}, {array.max()}], "
                         f"outside {spec.type_text} [{spec.min}, {spec.max}]")


class Server:
    """A compiled program without keys: ``save``/``load``, ``run``, ``run_batch``."""

    def __init__(self, program: LoweredProgram):
        from ..backend.runtime import Runtime

        self.program = Program.of(program)
        self.client_specs = specs_of(self.program)
        self.runtime = Runtime(self.program)
        self._serialized: bytes | None = None

    @staticmethod
    def from_circuit(circuit) -> Server:
        """A server for ``circuit``'s program (``circuit.server`` is one, built once)."""
        return Server(circuit.program)

    @property
    def parameters(self):
        return self.program.parameters

    # -- artifact --------------------------------------------------------------------------------
    def serialize_program(self) -> bytes:
        if self._serialized is None:
            self._serialized = self.program.serialize()
        return self._serialized

    def save(self, path) -> None:
        """Write ``server.zip``: the program and the client specs (no keys)."""
        program = self.serialize_program()
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(PROGRAM_ENTRY, program)
            archive.writestr(SPECS_ENTRY, self.client_specs.serialize())

    @staticmethod
    def load(path) -> Server:
        try:
            with zipfile.ZipFile(path) as archive:
                entries = {info.filename: info for info in archive.infolist()}
                if PROGRAM_ENTRY not in entries:
                    raise SerializationError(f"{os.fspath(path)!r} is not a server artifact: "
                                             f"no {PROGRAM_ENTRY} entry")
                if entries[PROGRAM_ENTRY].file_size > MAX_ENTRY_BYTES:
                    raise SerializationError(f"{os.fspath(path)!r}: the program is too large")
                program_bytes = archive.read(PROGRAM_ENTRY)
                specs_bytes = archive.read(SPECS_ENTRY) if SPECS_ENTRY in entries \
                    and entries[SPECS_ENTRY].file_size < MAX_ENTRY_BYTES else None
        except (zipfile.BadZipFile, zipfile.LargeZipFile) as error:
            raise SerializationError(f"{os.fspath(path)!r} is not a valid server.zip "
                                     f"({error})") from None
        server = Server(Program.deserialize(program_bytes))
        server._serialized = program_bytes
        if specs_bytes is not None and ClientSpecs.deserialize(specs_bytes) != server.client_specs:
            raise SerializationError(f"{os.fspath(path)!r}: {SPECS_ENTRY} does not match the "
                                     f"program")
        return server

    # -- runs --------------------------------------------------------------------------------------
    def check_keys(self, evaluation_keys) -> EvaluationKeys:
        if not isinstance(evaluation_keys, EvaluationKeys):
            raise InputError("evaluation_keys must be fhe_assistant.EvaluationKeys (from "
                             "client.evaluation_keys or EvaluationKeys.deserialize)")
        if evaluation_keys.parameters != self.parameters:
            raise InputError(f"the evaluation keys were made for other parameters "
                             f"({evaluation_keys.fingerprint}) than this program's "
                             f"({self.parameters.fingerprint()})")
        return evaluation_keys

    def check_arguments(self, values, evaluation_keys: EvaluationKeys) -> list:
        """Validate one call's values against the specs and keys; returns runtime inputs."""
        specs = self.client_specs.inputs
        if len(values) != len(specs):
            raise InputError(f"expected {len(specs)} value(s) "
                             f"({', '.join(s.name for s in specs)}), got {len(values)}")
        fingerprint = self.parameters.fingerprint()
        lwe_size = self.parameters.big_lwe_dimension + 1
        inputs = []
        for value, spec in zip(values, specs):
            if not isinstance(value, Value):
                value = Value(value)
            where = "argument"
            if value.is_encrypted != spec.is_encrypted:
                state = "encrypted" if spec.is_encrypted else "clear"
                raise InputError(f"{where} {spec.name!r} must be {state} ({spec.type_text})")
            if not value.is_encrypted:
                check_clear(value.clear, spec, where)
                inputs.append(value.clear)
                continue
            if value.fingerprint != fingerprint or value.lwe_size != lwe_size:
                raise InputError(f"{where} {spec.name!r} was encrypted for other parameters "
                                 f"({value.fingerprint}, LWE size {value.lwe_size}) "
                                 f"than this program's ({fingerprint}, {lwe_size})")
            if value.shape != spec.shape:
                raise InputError(f"{where} {spec.name!r} has shape {value.shape}; the program "
                                 f"expects {spec.type_text}")
            if value.precision != spec.precision or value.is_signed != spec.is_signed:
                raise InputError(f"{where} {spec.name!r} is encoded at {value.precision} bits; "
                                 f"the program expects {spec.precision}")
            if value.key_id is not None and value.key_id != evaluation_keys.key_id:
                raise InputError(f"{where} {spec.name!r} was encrypted under another key set "
                                 f"than these evaluation keys")
            inputs.append(value)
        return [v.encrypted if isinstance(v, Value) else v for v in inputs]

    def run(self, *values, evaluation_keys, on_node=None):
        """Evaluate on one call's values; returns a Value, or a tuple for several outputs.

        ``on_node(node)`` is called before each node runs (progress views).
        """
        evaluation_keys = self.check_keys(evaluation_keys)
        inputs = self.check_arguments(_as_values(values), evaluation_keys)
        outputs = self.runtime.run(evaluation_keys.inner, inputs, on_node)
        results = tuple(Value(output, evaluation_keys.key_id) for output in outputs)
        return results[0] if len(results) == 1 else results

    def run_batch(self, values, evaluation_keys, client=None, **options):
        """Run many calls on Dask (see :func:`fhe_assistant.deploy.batch.run_batch`)."""
        return run_batch(self, values, evaluation_keys, client, **options)

    @staticmethod
    def run_serialized(program: bytes, program_digest: str, keys: bytes, keys_digest: str,
                       arguments: list[bytes]) -> list[bytes]:
        """The Dask task of ``run_batch``: one call, serialized values in and out.

        A worker deserializes each program and key set once (keyed by digest).
        """
        server = _cached(program_digest, lambda: Server(Program.deserialize(program)))
        evaluation_keys = _cached(keys_digest, lambda: EvaluationKeys.deserialize(keys))
        results = server.run(*[Value.deserialize(a) for a in arguments],
                             evaluation_keys=evaluation_keys)
        results = results if isinstance(results, tuple) else (results,)
        return [r.serialize() for r in results]

    def __repr__(self) -> str:
        return f"Server({self.client_specs})"
