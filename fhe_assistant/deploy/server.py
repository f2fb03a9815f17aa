"""``Server``: runs a saved program on ciphertexts with a client's evaluation keys.

``server.zip`` holds two entries: ``server.program`` (the program, see :mod:`.program`) and
``client.specs`` (what clients need, see :mod:`.specs`). Neither holds a key.
"""
from __future__ import annotations

import os
import threading
import zipfile
import zlib
from collections import OrderedDict

import numpy as np

from ..core.dtypes import Integer
from ..core.errors import InputError
from ..ir.printer import node_error
from ..lowered.program import LoweredProgram
from .batch import run_batch, set_numba_threads
from .envelope import PREFIX_SIZE, envelope_length
from .errors import SerializationError
from .keys import EvaluationKeys
from .program import Program
from .specs import ArgumentSpec, ClientSpecs
from .value import Value

PROGRAM_ENTRY = "server.program"
SPECS_ENTRY = "client.specs"
MAX_PROGRAM_BYTES = 256 << 20
MAX_SPECS_BYTES = 1 << 20
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


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int,
                where: str) -> bytes:
    """One entry's bytes, never inflating more than its envelope header announces.

    The envelope's first bytes give its total length; it must match the size the archive
    declares and be under ``limit`` before the rest is read (and a lying archive is
    stopped after that many bytes).
    """
    if info.file_size > limit:
        raise SerializationError(f"{where}: {info.filename} declares {info.file_size} bytes, "
                                 f"more than the {limit} allowed")
    with archive.open(info) as stream:
        head = stream.read(PREFIX_SIZE)
        total = envelope_length(head)
        if total != info.file_size:
            raise SerializationError(f"{where}: {info.filename} announces {total} bytes but "
                                     f"the archive declares {info.file_size}")
        data = head + stream.read(total - len(head) + 1)
    if len(data) != total:
        raise SerializationError(f"{where}: {info.filename} holds {len(data)} bytes, its "
                                 f"header announces {total}")
    return data


def specs_of(program: Program) -> ClientSpecs:
    graph, plan = program.graph, program.plan

    def spec(node_id: int, name: str) -> ArgumentSpec:
        node = graph[node_id]
        if not isinstance(node.spec.dtype, Integer):
            raise node_error(SerializationError, node, f"is a {node.spec.dtype} argument or "
                                                       f"result, which cannot be exchanged")
        return ArgumentSpec(name, tuple(node.spec.shape), node.is_encrypted,
                            plan.precision(node_id) if node.is_encrypted else 0,
                            node.spec.dtype.bit_width, node.spec.dtype.is_signed,
                            program.key_of(node_id) if node.is_encrypted else 0)

    inputs = tuple(spec(i, str(graph[i].attrs["name"])) for i in graph.inputs)
    outputs = tuple(spec(o, f"output_{k}") for k, o in enumerate(graph.outputs))
    if program.wop is not None:
        return ClientSpecs(program.parameters, inputs, outputs,
                           wop_parameters=program.wop.parameters)
    if program.assignment is None:
        return ClientSpecs(program.parameters, inputs, outputs)
    return ClientSpecs(program.assignment.widest, inputs, outputs, program.key_set)


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
        """The parameter set (the widest one when the program has several)."""
        return self.client_specs.parameters

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
        """Read ``server.zip``; any malformed archive or entry raises SerializationError."""
        where = repr(os.fspath(path))
        try:
            with zipfile.ZipFile(path) as archive:
                entries = {info.filename: info for info in archive.infolist()}
                if PROGRAM_ENTRY not in entries:
                    raise SerializationError(f"{where} is not a server artifact: no "
                                             f"{PROGRAM_ENTRY} entry")
                program_bytes = _read_entry(archive, entries[PROGRAM_ENTRY],
                                            MAX_PROGRAM_BYTES, where)
                specs_bytes = _read_entry(archive, entries[SPECS_ENTRY], MAX_SPECS_BYTES, where) \
                    if SPECS_ENTRY in entries else None
        except SerializationError:
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError,
                NotImplementedError, RuntimeError, ValueError) as error:
            # what zipfile raises on a damaged, encrypted or exotic archive
            raise SerializationError(f"{where} is not a valid server.zip "
                                     f"({type(error).__name__}: {error})") from None
        server = Server(Program.deserialize(program_bytes))
        server._serialized = program_bytes
        if specs_bytes is not None and ClientSpecs.deserialize(specs_bytes) != server.client_specs:
            raise SerializationError(f"{where}: {SPECS_ENTRY} does not match the program")
        return server

    # -- runs --------------------------------------------------------------------------------------
    def check_keys(self, evaluation_keys) -> EvaluationKeys:
        if not isinstance(evaluation_keys, EvaluationKeys):
            raise InputError("evaluation_keys must be fhe_assistant.EvaluationKeys (from "
                             "client.evaluation_keys or EvaluationKeys.deserialize)")
        if evaluation_keys.parameters != self.parameters or \
                evaluation_keys.key_set != self.client_specs.key_set or \
                evaluation_keys.wop_parameters != self.client_specs.wop_parameters:
            raise InputError(f"the evaluation keys were made for other parameters "
                             f"({evaluation_keys.fingerprint}) than this program's "
                             f"({self.client_specs.fingerprint})")
        return evaluation_keys

    def check_arguments(self, values, evaluation_keys: EvaluationKeys) -> list:
        """Validate one call's values against the specs and keys; returns runtime inputs."""
        self.client_specs.check_input_count(len(values), "value")
        specs = self.client_specs.inputs
        inputs = []
        for value, spec in zip(values, specs):
            parameters = self.client_specs.parameters_of(spec)
            fingerprint, lwe_size = parameters.fingerprint(), parameters.big_lwe_dimension + 1
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
                       chunk: list[list[bytes]], threads: int | dict = 1) -> list[list[bytes]]:
        """The Dask task of ``run_batch``: a chunk of calls, serialized values in and out.

        A worker deserializes each program and key set once (keyed by digest); ``threads``
        sets numba's thread count for the task (:func:`.batch.set_numba_threads`).
        """
        set_numba_threads(threads)
        server = _cached(program_digest, lambda: Server(Program.deserialize(program)))
        evaluation_keys = _cached(keys_digest, lambda: EvaluationKeys.deserialize(keys))
        outputs = []
        for arguments in chunk:
            results = server.run(*[Value.deserialize(a) for a in arguments],
                                 evaluation_keys=evaluation_keys)
            results = results if isinstance(results, tuple) else (results,)
            outputs.append([r.serialize() for r in results])
        return outputs

    def __repr__(self) -> str:
        return f"Server({self.client_specs})"
