"""``Circuit``: a compiled program — FHE-faithful simulation, parameters, keys, encrypted runs."""
from __future__ import annotations

import numpy as np

from ..core import progress
from ..core.errors import CompilationError, InputError
from ..crypto.optimizer import optimize
from ..crypto.result import OptimizationResult
from ..ir.printer import node_reference
from ..lowered.program import LoweredProgram
from .configuration import Configuration
from .lowered_view import format_lowered, node_costs
from .pipeline import ProgramAnalysis
from .program import FHEProgram
from .requirements import circuit_requirements
from .simulation import simulate_fhe


def choose_parameters(analysis: ProgramAnalysis, configuration: Configuration
                      ) -> OptimizationResult:
    """Run the optimizer; an unsatisfiable request names the widest lookup and its line."""
    requirements = circuit_requirements(analysis.lowered, analysis.plan)
    try:
        return optimize(requirements, p_error=configuration.p_error,
                        global_p_error=configuration.global_p_error)
    except CompilationError as error:
        plan, graph = analysis.plan, analysis.lowered
        culprits = []
        if plan.lookups:
            widest = max(plan.lookups.values(), key=lambda lookup: lookup.effective_precision)
            culprits.append(f"{node_reference(graph[widest.node_id])} needs a "
                            f"{widest.effective_precision}-bit table lookup")
        for output in graph.outputs:
            node = graph[output]
            if node.is_encrypted:
                culprits.append(f"output %{node.id} is decrypted at {plan.precision(output)} bits")
        raise CompilationError(f"{error}\n  " + "\n  ".join(culprits), [str(error)]) from error


class Circuit(FHEProgram):
    """A program that passed the compatibility check, with its TFHE parameters."""

    def __init__(self, analysis: ProgramAnalysis, configuration: Configuration,
                 optimization: OptimizationResult | None = None):
        super().__init__(analysis, configuration)
        self.optimization = optimization or choose_parameters(analysis, configuration)
        self.parameters = self.optimization.parameters
        self.program = LoweredProgram.build(analysis.lowered, analysis.plan, self.parameters,
                                            analysis.lowered_bounds)
        self._simulation_random = np.random.default_rng(configuration.insecure_keygen_seed)
        self._server = None
        self._client = None

    # -- simulation --------------------------------------------------------------------------
    @property
    def simulation_p_error(self) -> float | None:
        """Per-PBS error probability injected by ``simulate`` (None: exact lookups)."""
        return self.optimization.p_error if self.configuration.simulate_pbs_errors else None

    p_error = property(lambda self: self.optimization.p_error,
                       doc="Error probability of one table lookup with the chosen parameters.")
    global_p_error = property(lambda self: self.optimization.global_p_error,
                              doc="Probability that some lookup of one run is wrong.")

    def simulate(self, *args):
        """Run on clear integers exactly as the encrypted run computes (wrap-around included)."""
        inputs, batched = self._batched(args)
        outputs = simulate_fhe(self.program, self.analysis.lowered_bounds, inputs,
                               self.simulation_p_error, self._simulation_random,
                               self.optimization.noise.pre_pbs)
        return self._unbatch(outputs, batched)

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

    def keygen(self, force: bool = False, seed: int | None = None) -> None:
        """Generate the secret and evaluation keys (from the OS CSPRNG unless a seed is set)."""
        seed = seed if seed is not None else self.configuration.insecure_keygen_seed
        self.client.keys.generate(force=force, seed=seed,
                                  encryption_seed=None if seed is None else seed + 1)

    def _require_keys(self, action: str) -> None:
        if not self.keys_generated:
            raise InputError(f"{action} needs keys: call circuit.keygen() first")

    def encrypt(self, *args):
        """Encrypt one sample's arguments (clear parameters pass through)."""
        self._require_keys("encrypt")
        inputs, batched = self._batched(args)
        if batched:
            raise InputError("encrypt takes one sample; loop over a batch "
                             "(or use simulate for batches)")
        return self.client.encrypt_arrays([i[0] for i in inputs], compress=False)

    def run(self, *values):
        """Evaluate on ciphertexts (needs only the evaluation keys)."""
        self._require_keys("run")
        return self.server.run(*values, evaluation_keys=self.client.keys.evaluation)

    def decrypt(self, *values):
        self._require_keys("decrypt")
        return self.client.decrypt(*values)

    def encrypt_run_decrypt(self, *args):
        """One sample, or a batch along a leading axis (run one sample after another)."""
        self.keygen()
        inputs, batched = self._batched(args)
        if not batched:
            return self.decrypt(self.run(self.encrypt(*args)))
        results = []
        with progress.task("encrypted run", total=inputs[0].shape[0], unit="sample") as step:
            for k in range(inputs[0].shape[0]):
                results.append(self.decrypt(self.run(self.encrypt(*[i[k] for i in inputs]))))
                step.advance()
        if isinstance(results[0], tuple):
            return tuple(np.stack(column) for column in zip(*results))
        return np.stack([np.asarray(r) for r in results])

    # -- views -------------------------------------------------------------------------------
    @property
    def lowered(self) -> str:
        """The program after lowering: leveled ops, keyswitches and bootstraps."""
        return format_lowered(self.analysis.lowered, self.analysis.plan, self.optimization)

    def cost_table(self):
        import pandas as pd

        return pd.DataFrame(node_costs(self.analysis.lowered, self.analysis.plan,
                                       self.optimization))

    @property
    def statistics(self) -> dict:
        from ..backend.tfhe import key_sizes

        plan = self.analysis.plan
        sizes = key_sizes(self.parameters)
        return {
            "programmable_bootstrap_count": plan.pbs_count,
            "key_switch_count": plan.pbs_count,
            "table_lookup_nodes": len(plan.lookups),
            "maximum_lookup_bit_width": plan.max_lookup_precision,
            "parameters": self.parameters.as_dict(),
            "p_error": self.optimization.p_error,
            "global_p_error": self.optimization.global_p_error,
            "complexity": self.optimization.complexity,
            "predicted_seconds": plan.pbs_count * self.optimization.seconds_per_pbs,
            **{f"{name}_bytes": size for name, size in sizes.items()},
        }

    def __str__(self) -> str:
        text = super().__str__()
        p = self.parameters
        if p.lwe_dimension:
            summary = (f"// TFHE: n={p.lwe_dimension} k={p.glwe_dimension} N={p.polynomial_size} "
                       f"pbs={p.decomposition_base_log}/{p.decomposition_level_count} "
                       f"ks={p.ks_decomposition_base_log}/{p.ks_decomposition_level_count}, "
                       f"{self.analysis.plan.pbs_count} PBS, p_error={self.p_error:.2g}, "
                       f"global_p_error={self.global_p_error:.2g}")
        else:
            summary = (f"// TFHE: no bootstrap; LWE dimension {p.big_lwe_dimension}, "
                       f"p_error={self.p_error:.2g}")
        return text + "\n\n" + summary if self.configuration.show_parameters else text
