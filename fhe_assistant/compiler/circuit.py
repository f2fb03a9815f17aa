"""``Circuit``: a compiled program — FHE-faithful simulation, parameters, keys, encrypted runs."""
from __future__ import annotations

from collections import Counter

import numpy as np

from ..core import progress
from ..core.dtypes import Integer
from ..core.errors import CompilationError, InputError
from ..core.strategies import MultiParameterStrategy
from ..crypto.method_choice import optimize_circuit
from ..crypto.multi_result import MultiOptimizationResult
from ..crypto.result import OptimizationResult
from ..crypto.wop_result import WopOptimizationResult
from ..ir.printer import node_reference
from ..lowered.key_partitions import partition_lookups, partitioned_requirements
from ..lowered.parameter_assignment import ParameterAssignment
from ..lowered.program import LoweredProgram
from ..lowered.wop_lookups import wop_input_bit_width
from .concrete_circuit import ConcreteCircuitAPI
from .configuration import Configuration
from .inputs import InputSlot, batch_of_arguments, call_arguments
from .lowered_view import format_lowered, node_costs
from .pipeline import ProgramAnalysis
from .program import FHEProgram
from .requirements import circuit_requirements
from .simulation import simulate_fhe
from .strategy import ParameterSelectionStrategy


def vars_of(keyswitch) -> dict:
    return {"source": keyswitch.source, "target": keyswitch.target,
            "base_log": keyswitch.base_log, "level": keyswitch.level}


def choose_parameters(analysis: ProgramAnalysis, configuration: Configuration):
    """Run the optimizer: ``(result, assignment)``. MULTI gives each lookup precision its own
    set when the circuit has several (and, with ``PRECISION_AND_NORM2``, each output-norm
    bucket of a precision, when that split costs less than the split by precision alone);
    lookups of 9–16 bits run as WoP-PBS when that is the cheaper method (one parameter set,
    :func:`crypto.optimize_circuit`); an unsatisfiable request names the widest lookup."""
    strategy = ParameterSelectionStrategy.parse(configuration.parameter_selection_strategy)
    plan, graph = analysis.plan, analysis.lowered
    multi = strategy is ParameterSelectionStrategy.MULTI
    partitioning = partition_lookups(plan, multi=multi)
    try:
        result = _optimize(analysis, configuration, partitioning)
        by_norm = (partition_lookups(plan, multi=True, by_norm=True,
                                     outputs=graph.outputs)
                   if multi and _splits_by_norm(configuration) else None)
        if (by_norm is not None and by_norm.partition_count > partitioning.partition_count
                and not isinstance(result, WopOptimizationResult)):
            split = _optimize(analysis, configuration, by_norm)
            if (isinstance(split, MultiOptimizationResult)
                    and split.complexity < result.complexity * (1.0 - 1e-9)):
                result, partitioning = split, by_norm
        if isinstance(result, WopOptimizationResult):
            return result, ParameterAssignment.with_wop(plan, result)
        if isinstance(result, MultiOptimizationResult):
            return result, ParameterAssignment.multi(plan, partitioning, result)
        return result, ParameterAssignment.single(plan, result)
    except CompilationError as error:
        culprits = []
        bit_reads = [lookup for lookup in plan.lookups.values() if lookup.reads_bit is not None]
        if bit_reads:
            deepest = max(bit_reads, key=lambda lookup: lookup.read_shift)
            culprits.append(
                f"{node_reference(graph[deepest.node_id])} is a step of an exact rounding of "
                f"a {deepest.input_precision}-bit value: it reads bit {deepest.reads_bit} "
                f"alone, which needs the value's noise below one unit of "
                f"{deepest.input_precision} bits; round approximately "
                f"(exactness=fhe.Exactness.APPROXIMATE, or rounding_threshold_bits="
                f"{{'method': 'APPROXIMATE'}}) or narrow the value before rounding it")
        if plan.lookups:
            widest = max(plan.lookups.values(), key=lambda lookup: lookup.effective_precision)
            culprits.append(f"{node_reference(graph[widest.node_id])} needs a "
                            f"{widest.effective_precision}-bit table lookup")
        for output in graph.outputs:
            node = graph[output]
            if node.is_encrypted:
                culprits.append(f"output %{node.id} is decrypted at {plan.precision(output)} bits")
        raise CompilationError(f"{error}\n  " + "\n  ".join(culprits), [str(error)]) from error


def _splits_by_norm(configuration: Configuration) -> bool:
    return configuration.multi_parameter_strategy is MultiParameterStrategy.PRECISION_AND_NORM2


def _optimize(analysis: ProgramAnalysis, configuration: Configuration, partitioning):
    """The optimizer's answer for one partitioning of the lookups."""
    plan, graph = analysis.plan, analysis.lowered
    widths = Counter()
    for lookup in plan.lookups.values():
        widths[wop_input_bit_width(lookup)] += lookup.element_count
    partitioned = (partitioned_requirements(graph, plan, partitioning)
                   if partitioning.partition_count > 1 else None)
    return optimize_circuit(circuit_requirements(graph, plan), partitioned,
                            dict(widths) or None, p_error=configuration.p_error,
                            global_p_error=configuration.global_p_error)


class Circuit(FHEProgram, ConcreteCircuitAPI):
    """A program that passed the compatibility check, with its TFHE parameters."""

    def __init__(self, analysis: ProgramAnalysis, configuration: Configuration, choice=None):
        """``choice``: ``(optimization, assignment)`` made for several circuits at once (the
        functions of a module, which share one key set); else the optimizer runs here."""
        super().__init__(analysis, configuration)
        self.optimization: OptimizationResult | MultiOptimizationResult | WopOptimizationResult
        self.optimization, self.assignment = choice or choose_parameters(analysis,
                                                                         configuration)
        #: the only parameter set, or the widest partition's when there are several
        self.parameters = self.assignment.widest
        self.program = LoweredProgram.build(analysis.lowered, analysis.plan, self.parameters,
                                            analysis.lowered_bounds, self.assignment)
        self._simulation_random = np.random.default_rng(configuration.insecure_keygen_seed)
        self._server = None
        self._client = None

    # -- simulation --------------------------------------------------------------------------
    @property
    def simulation_p_error(self) -> float | None:
        """Per-PBS error probability injected by ``simulate`` (None: exact lookups)."""
        return self.optimization.p_error if self.configuration.injects_pbs_errors else None

    p_error = property(lambda self: self.optimization.p_error,
                       doc="Error probability of one table lookup with the chosen parameters.")
    global_p_error = property(lambda self: self.optimization.global_p_error,
                              doc="Probability that some lookup of one run is wrong.")
    parameter_sets = property(lambda self: self.assignment.key_set.partitions,
                              doc="Every parameter set (one per lookup precision with MULTI).")

    def _input_slots(self) -> list[InputSlot]:
        """An encrypted input holds its partition's precision without wrapping (Concrete's
        assigned bit width); a clear one its own bit width (signless, as in Concrete)."""
        graph, plan = self.analysis.lowered, self.analysis.plan
        slots = []
        for name, node_id in zip(self.input_names, graph.inputs):
            node = graph[node_id]
            dtype = node.spec.dtype
            if node.is_encrypted and node_id in plan.partition_of:
                dtype = Integer(max(dtype.bit_width, plan.precision(node_id)), dtype.is_signed)
            slots.append(InputSlot(name, node.spec.shape, node.is_encrypted, dtype))
        return slots

    def _simulate(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        """Clear integers, computed exactly as the encrypted run computes them."""
        lookups = self.assignment.lookups
        p_errors = ({i: a.p_error for i, a in lookups.items()}
                    if self.configuration.injects_pbs_errors else None)
        # a WoP-PBS rounds exactly (bit extraction): its errors are p_error, not tie noise
        return simulate_fhe(self.program, self.analysis.lowered_bounds, inputs,
                            p_errors, self._simulation_random,
                            {i: a.pre_pbs_log2_std for i, a in lookups.items()
                             if self.program.lookup_method(i) != "wop"})

    # -- deployment: one Server, one Client, sharing this circuit's keys -----------------------
    @property
    def server(self):
        """The program without keys or Python functions: save, run, run_batch."""
        if self._server is None:
            from ..deploy import Server

            self._server = Server(self.program)
        return self._server

    @property
    def client(self):
        """The circuit's Client: its keys are the circuit's keys."""
        if self._client is None:
            from ..deploy import Client

            self._client = Client(self.server.client_specs,
                                  self.configuration.insecure_key_cache_location)
        return self._client

    @property
    def runtime(self):
        """The server's runtime: ``last_timings`` holds the last run's seconds per stage."""
        return self.server.runtime

    @property
    def evaluation_keys(self):
        """The backend's evaluation keys of the key set (what ``runtime.run`` takes)."""
        return self.client.keys.evaluation.inner

    keys = property(lambda self: self.client.keys,
                    doc="The key set (``fhe_assistant.deploy.Keys``): save, load, serialize.")

    # -- keys and encrypted runs (delegated to the client and the server) ------------------------
    keys_generated = property(lambda self: self.client.keys.are_generated,
                              doc="Whether the circuit's client holds a key set.")

    def keygen(self, force: bool = False, seed: int | None = None,
               encryption_seed: int | None = None) -> None:
        """Generate the secret and evaluation keys (from the OS CSPRNG unless a seed is set;
        ``encryption_seed``, Concrete's name, seeds the encryption randomness apart)."""
        seed = seed if seed is not None else self.configuration.insecure_keygen_seed
        if encryption_seed is None and seed is not None:
            encryption_seed = seed + 1
        self.client.keys.generate(force=force, seed=seed, encryption_seed=encryption_seed)

    def _require_keys(self, action: str) -> None:
        if not self.keys_generated:
            raise InputError(f"{action} needs keys: call circuit.keygen() first")

    def encrypt(self, *args):
        """Encrypt one call's arguments (clear ones pass through); generates the keys first
        if there are none yet, as Concrete does. Arguments are checked as ``simulate``
        checks them."""
        inputs = call_arguments(args, self._input_slots())
        if not self.keys_generated:
            self.keygen()
        return self.client.encrypt_arrays([i[0] for i in inputs], compress=False)

    def run(self, *values):
        """Evaluate on ciphertexts (needs only the evaluation keys)."""
        self._require_keys("run")
        return self.server.run(*values, evaluation_keys=self.client.keys.evaluation)

    def decrypt(self, *values):
        self._require_keys("decrypt")
        return self.client.decrypt(*values)

    def encrypt_run_decrypt(self, *args):
        """One call, encrypted: ``decrypt(run(encrypt(*args)))``."""
        return self.decrypt(self.run(self.encrypt(*args)))

    def encrypt_run_decrypt_batch(self, *args):
        """``n`` calls, one after another: every argument has a leading axis of ``n``
        samples (as for ``simulate_batch``); results have the same leading axis."""
        inputs = batch_of_arguments(args, self._input_slots())
        results = []
        with progress.task("encrypted run", total=inputs[0].shape[0], unit="sample") as step:
            for k in range(inputs[0].shape[0]):
                results.append(self.encrypt_run_decrypt(*[i[k] for i in inputs]))
                step.advance()
        if isinstance(results[0], tuple):
            return tuple(np.stack(column) for column in zip(*results))
        return np.stack([np.asarray(r) for r in results])

    # -- views -------------------------------------------------------------------------------
    @property
    def lowered(self) -> str:
        """The program after lowering: leveled ops, keyswitches and bootstraps."""
        return format_lowered(self.analysis.lowered, self.analysis.plan, self.assignment)

    def cost_table(self):
        import pandas as pd

        return pd.DataFrame(node_costs(self.analysis.lowered, self.analysis.plan,
                                       self.assignment))

    @property
    def statistics(self) -> dict:
        """Counts, parameters, error rates, predicted time and key sizes (bytes in memory);
        with several parameter sets, ``parameter_sets`` and per-set ``…[i]_bytes`` keys."""
        plan = self.analysis.plan
        wop = self.assignment.wop
        stats = {
            # a WoP-PBS counts as one bootstrap, one keyswitch and one packing keyswitch, as
            # Concrete counts it
            "programmable_bootstrap_count": plan.pbs_count,
            "key_switch_count": plan.pbs_count,
            "packing_key_switch_count": self.packing_key_switch_count,
            "lookup_methods": {node_id: self.program.lookup_method(node_id).value
                               for node_id in plan.lookups},
            "table_lookup_nodes": len(plan.lookups),
            "maximum_lookup_bit_width": plan.max_lookup_precision,
            "parameters": self.parameters.as_dict(),
            "p_error": self.optimization.p_error,
            "global_p_error": self.optimization.global_p_error,
            "complexity": self.optimization.complexity,
            "predicted_seconds": self.assignment.predicted_seconds(plan),
        }
        if wop is not None:
            sizes = self._key_sizes()
            stats["wop_parameters"] = wop.parameters.as_dict()
        elif self.assignment.is_single:
            from ..backend.tfhe import key_sizes

            sizes = key_sizes(self.parameters)
        else:
            from ..backend.key_sets import partitioned_key_sizes

            key_set = self.assignment.key_set
            sizes = partitioned_key_sizes(key_set)
            stats["parameter_sets"] = [p.as_dict() for p in key_set.partitions]
            stats["keyswitches"] = [vars_of(k) for k in key_set.keyswitches]
            stats["lookup_parameter_sets"] = {
                node_id: f"{a.source}->{a.target}"
                for node_id, a in self.assignment.lookups.items()}
        stats.update({f"{name}_bytes": size for name, size in sizes.items()})
        stats.update(self.concrete_statistics())
        return stats

    @property
    def parameters_summary(self) -> str:
        """One comment line naming the chosen TFHE parameters (``str(circuit)`` ends with it
        under ``Configuration(show_parameters=True)``)."""
        p = self.parameters
        if not self.assignment.is_single:
            sets = "; ".join(f"n={q.lwe_dimension} k={q.glwe_dimension} N={q.polynomial_size} "
                             f"({q.message_bit_width}-bit)" for q in self.parameter_sets)
            return (f"// TFHE: {len(self.parameter_sets)} parameter sets: {sets}; "
                    f"{self.analysis.plan.pbs_count} PBS, p_error={self.p_error:.2g}, "
                    f"global_p_error={self.global_p_error:.2g}")
        if self.assignment.wop is not None:
            w = self.assignment.wop.parameters
            return (f"// TFHE WoP-PBS: n={w.lwe_dimension} k={w.glwe_dimension} "
                    f"N={w.polynomial_size} pbs={w.decomposition_base_log}/"
                    f"{w.decomposition_level_count} ks={w.ks_decomposition_base_log}/"
                    f"{w.ks_decomposition_level_count} pfks={w.pfpks_base_log}/"
                    f"{w.pfpks_level} cb={w.cb_base_log}/{w.cb_level}, "
                    f"{len(self.assignment.wop.lookups)} WoP lookup node(s), "
                    f"p_error={self.p_error:.2g}, global_p_error={self.global_p_error:.2g}")
        if p.lwe_dimension:
            return (f"// TFHE: n={p.lwe_dimension} k={p.glwe_dimension} N={p.polynomial_size} "
                    f"pbs={p.decomposition_base_log}/{p.decomposition_level_count} "
                    f"ks={p.ks_decomposition_base_log}/{p.ks_decomposition_level_count}, "
                    f"{self.analysis.plan.pbs_count} PBS, p_error={self.p_error:.2g}, "
                    f"global_p_error={self.global_p_error:.2g}")
        return (f"// TFHE: no bootstrap; LWE dimension {p.big_lwe_dimension}, "
                f"p_error={self.p_error:.2g}")

    def __str__(self) -> str:
        text = super().__str__()
        return text + "\n\n" + self.parameters_summary if self.configuration.show_parameters \
            else text
