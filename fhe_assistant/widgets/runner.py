"""The run panel's work as plain functions: stages, progress, cancellation, outputs.

``run_encrypted`` goes through parameter choice, keygen, encrypt, each layer of
bootstraps and decrypt, reporting ``Progress`` to a callback and stopping at the next
checkpoint when a ``threading.Event`` is set (a stage already inside a numba kernel, such
as keygen, finishes first). The widget runs it in a background thread.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..compiler import Circuit
from ..compiler.inputs import stack_inputset
from ..core import progress
from ..ir.graph import Graph

#: Relative weights of the stages on the progress bar (bootstraps get the rest).
STAGE_WEIGHTS = {"parameter choice": 0.04, "keygen": 0.3, "encrypt": 0.03, "decrypt": 0.03}


class Cancelled(Exception):
    """The user pressed *Cancel*."""


@dataclass(frozen=True, slots=True)
class Progress:
    stage: str
    fraction: float            # of the whole run, 0..1
    message: str = ""


@dataclass
class RunRecord:
    """What one encrypted run produced and how long each stage took."""

    outputs: object = None
    seconds: dict[str, float] = field(default_factory=dict)
    pbs_count: int = 0
    cancelled: bool = False
    error: str = ""
    keys_reused: bool = False

    def timings(self) -> dict[str, str]:
        """Seconds per stage as the panel shows them; reused keys say so (not ``0.000``)."""
        shown = {"keygen": "reused (generated earlier)"} if self.keys_reused else {}
        shown.update({k: f"{v:.3f}" for k, v in self.seconds.items()})
        return shown


class _PanelProgress:
    """Relays :mod:`fhe_assistant.core.progress` reports (keygen bytes, the first-call
    compilation notice) to the run panel's bar and stage line, within the current stage."""

    def __init__(self, report: Callable[[Progress], None], checkpoints: _Checkpoints):
        self.report, self.checkpoints = report, checkpoints
        self.stage, self.weight = "", 0.0

    def within(self, stage: str, weight: float) -> _PanelProgress:
        self.stage, self.weight = stage, weight
        return self

    def started(self, task) -> None:
        self.advanced(task)

    def advanced(self, task) -> None:
        fraction = task.fraction or 0.0
        start = self.checkpoints.done - self.weight
        if task.unit == "B" and task.total:
            message = (f"{task.description}: {task.done / 2**20:.0f} of "
                       f"{task.total / 2**20:.0f} MiB ({task.elapsed:.0f} s)")
        else:
            message = f"{task.description}: {task.done:g}" + (
                f" of {task.total:g}" if task.total else "")
        self.report(Progress(self.stage or task.description, start + self.weight * fraction,
                             message))

    def finished(self, task) -> None:
        pass

    def noticed(self, message: str) -> None:
        self.report(Progress(self.stage or "note", self.checkpoints.done, message))


def lookup_layers(graph: Graph, lookups) -> list[list[int]]:
    """Lookup node ids grouped by depth: a lookup is in layer k when the longest chain of
    lookups leading to it (itself included) has k + 1 of them."""
    depth: dict[int, int] = {}
    for node in graph.nodes:
        before = max((depth[o] for o in node.operands), default=0)
        depth[node.id] = before + (1 if node.id in lookups else 0)
    layers: dict[int, list[int]] = {}
    for node_id in lookups:
        layers.setdefault(depth[node_id] - 1, []).append(node_id)
    return [sorted(layers[k]) for k in sorted(layers)]


def first_sample(samples, names: list[str], index: int = 0) -> tuple[np.ndarray, ...]:
    """One call's arguments taken from an inputset (row ``index``)."""
    stacked = stack_inputset(samples, names)
    index = max(0, min(index, stacked[0].shape[0] - 1))
    return tuple(column[index] for column in stacked)


class _Checkpoints:
    def __init__(self, report: Callable[[Progress], None], cancel: threading.Event | None):
        self.report, self.cancel = report, cancel
        self.done = 0.0

    def check(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled()

    def stage(self, name: str, weight: float, message: str = "") -> None:
        self.check()
        self.report(Progress(name, self.done, message or f"{name}…"))
        self.done += weight


def _timed(record: RunRecord, name: str, work: Callable):
    start = time.perf_counter()
    result = work()
    record.seconds[name] = record.seconds.get(name, 0.0) + time.perf_counter() - start
    return result


def compile_with_progress(compile_circuit: Callable[[], Circuit], report, cancel=None,
                          record: RunRecord | None = None) -> Circuit:
    record = record if record is not None else RunRecord()
    checkpoints = _Checkpoints(report, cancel)
    checkpoints.stage("parameter choice", STAGE_WEIGHTS["parameter choice"])
    return _timed(record, "parameter choice", compile_circuit)


def run_encrypted(circuit: Circuit, args: tuple, report: Callable[[Progress], None],
                  cancel: threading.Event | None = None, record: RunRecord | None = None
                  ) -> RunRecord:
    """Keygen (if needed), encrypt, run node by node, decrypt; fills and returns ``record``."""
    record = record if record is not None else RunRecord()
    checkpoints = _Checkpoints(report, cancel)
    checkpoints.done = STAGE_WEIGHTS["parameter choice"]
    relay = _PanelProgress(report, checkpoints)
    try:
        with progress.reporting_to(relay):
            return _run_stages(circuit, args, report, checkpoints, relay, record)
    except Cancelled:
        record.cancelled = True
        report(Progress("cancelled", checkpoints.done, "cancelled"))
    return record


def _run_stages(circuit: Circuit, args: tuple, report, checkpoints: _Checkpoints,
                relay: _PanelProgress, record: RunRecord) -> RunRecord:
    record.keys_reused = circuit.keys_generated
    checkpoints.stage("keygen", STAGE_WEIGHTS["keygen"],
                      "keys already generated" if circuit.keys_generated else
                      "generating keys (the bootstrap key takes a while)…")
    relay.within("keygen", STAGE_WEIGHTS["keygen"])
    if not record.keys_reused:
        _timed(record, "keygen", circuit.keygen)
    checkpoints.stage("encrypt", STAGE_WEIGHTS["encrypt"])
    relay.within("encrypt", STAGE_WEIGHTS["encrypt"])
    values = _timed(record, "encrypt", lambda: circuit.encrypt(*args))
    values = values if isinstance(values, tuple) else (values,)
    graph, plan = circuit.analysis.lowered, circuit.analysis.plan
    layers = lookup_layers(graph, plan.lookups)
    layer_of = {node_id: k for k, layer in enumerate(layers) for node_id in layer}
    total = max(plan.pbs_count, 1)
    share = 1.0 - sum(STAGE_WEIGHTS.values())
    state = {"pbs": 0}

    def on_node(node) -> None:
        checkpoints.check()
        if node.id in layer_of:
            k = layer_of[node.id]
            count = plan.lookups[node.id].element_count
            report(Progress(f"PBS layer {k + 1}/{len(layers)}",
                            checkpoints.done + share * state["pbs"] / total,
                            f"%{node.id}: {count} bootstrap{'s' if count != 1 else ''} "
                            f"({state['pbs']}/{plan.pbs_count} done)"))
            state["pbs"] += count

    runtime = circuit.runtime
    relay.within("bootstraps", share)
    start = time.perf_counter()
    ciphertexts = [getattr(value, "inner", value) for value in values]  # fhe.Value → arrays
    outputs = runtime.run(circuit.evaluation_keys, ciphertexts, on_node)
    record.seconds["run"] = time.perf_counter() - start
    for stage, seconds in getattr(runtime.last_timings, "stages", {}).items():
        if stage != "total":
            record.seconds[f"run: {stage}"] = seconds
    record.pbs_count = plan.pbs_count
    checkpoints.done += share
    checkpoints.stage("decrypt", STAGE_WEIGHTS["decrypt"])
    record.outputs = _timed(record, "decrypt", lambda: circuit.decrypt(*outputs))
    total = sum(record.seconds.get(k, 0.0) for k in ("keygen", "encrypt", "run", "decrypt"))
    report(Progress("done", 1.0, f"in {total:.2f} s"))
    return record


def simulate_outputs(built, circuit: Circuit | None, args: tuple) -> dict[str, object]:
    """Clear (the plain function), exact and FHE-faithful simulated outputs of one call."""
    columns: dict[str, object] = {}
    if built.function is not None:
        try:
            columns["clear (numpy)"] = built.function(*args)
        except Exception as error:  # the plain function may not accept integers
            columns["clear (numpy)"] = f"error: {error}"
    program = built.program
    if circuit is not None:
        columns["simulated (FHE)"] = circuit.simulate(*args)
    else:
        columns["simulated (exact)"] = program.simulate(*args)
    return columns


def circuit_facts(circuit: Circuit) -> tuple[dict, dict]:
    """The chosen parameters and key sizes (in readable units) of a circuit."""
    parameters = dict(circuit.parameters.as_dict())
    parameters["p_error"] = f"{circuit.p_error:.2g}"
    parameters["PBS count"] = circuit.analysis.plan.pbs_count
    wop = circuit.assignment.wop
    parameters["lookup method"] = "KS-PBS" if wop is None else (
        f"WoP-PBS ({len(wop.lookups)} of {len(circuit.analysis.plan.lookups)} lookups)")
    if wop is not None:
        w = wop.parameters
        parameters["WoP packing keyswitch"] = f"base_log={w.pfpks_base_log} level={w.pfpks_level}"
        parameters["WoP circuit bootstrap"] = f"base_log={w.cb_base_log} level={w.cb_level}"
    sizes = {}
    statistics = circuit.statistics
    for key, value in statistics.items():
        if key.endswith("_bytes"):
            sizes[key[:-6].replace("_", " ")] = human_bytes(value)
    predicted = statistics.get("predicted_seconds")
    if predicted is not None:
        parameters["predicted run"] = f"{predicted:.2f} s"
    return parameters, sizes


def human_bytes(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count} B"
