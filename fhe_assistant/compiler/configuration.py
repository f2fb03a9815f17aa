"""``Configuration``: the compile options, named as in ``concrete.fhe.Configuration``."""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from enum import Enum

from ..core.strategies import ParameterSelectionStrategy as ConcreteParameterSelectionStrategy
from .options import ConcreteOptions

#: The widest table lookup accepted by default, as in Concrete: up to 8 bits a lookup is a
#: native keyswitch + bootstrap, from 9 to 16 bits the optimizer picks the cheaper of that and
#: the WoP-PBS (``crypto.method_choice``); no method goes past 16 bits.
DEFAULT_MAXIMUM_TLU_BIT_WIDTH = 16


@dataclass
class Configuration(ConcreteOptions):
    """Options of ``compile``; unknown keyword arguments are an error, and a value of the
    wrong type a ``TypeError`` (Concrete's text). Like Concrete's, a configuration can be
    changed in place (``configuration.composable = True``); ``fork`` makes a changed copy.

    Every option of ``concrete.fhe.Configuration`` is accepted too (see ``ConcreteOptions``
    for which of them have an effect here).

    Parameters
    ----------
    p_error, global_p_error
        Error probability per table lookup, or for the whole circuit (Concrete's names;
        ``global_p_error`` is used when ``p_error`` is None).
    maximum_tlu_bit_width
        Widest table-lookup input accepted by the compatibility check (16, Concrete's
        default; lookups of 9–16 bits usually run as WoP-PBS).
    parameter_selection_strategy
        ``"multi"`` (default): one parameter set per lookup precision, with keyswitches
        between them; ``"mono"``: one set, sized for the widest lookup
        (:class:`ParameterSelectionStrategy`, Concrete's option).
    simulate_pbs_errors
        ``simulate`` injects off-by-one table-lookup errors at the per-PBS probability the
        chosen parameters imply, so the accuracy cost of ``p_error`` is visible. ``None``
        (default): on when ``p_error`` is set — a program that asks for a per-lookup error
        probability sees it in simulation, as Concrete's simulation shows it — and off
        otherwise (the default ``global_p_error`` keeps ``simulate`` exact).
    insecure_key_cache_location
        Opt-in folder where generated keys are cached (the secret key is written there in
        the clear): for tests and notebooks only.
    insecure_keygen_seed
        Deterministic keys and encryption randomness: insecure, for tests only.
    fuse_lookup_chains
        Run chains of elementwise ops on one encrypted value (``np.maximum(y, 0) // 16``)
        as one table lookup, as Concrete does, instead of one lookup per op. The user's graph
        keeps every op; ``circuit.analysis.lowered`` shows what runs. Opt-in for now: the
        notebook views still show one lookup per op.
    verify_passes
        Debug mode: check the graph's well-formedness (``ir.verify``) after every pass of
        the pipeline, naming the pass and the node at fault (the test suite turns it on).
    show_graph, show_locations, show_parameters
        Print the graph at compile time; add source lines / the chosen TFHE parameters to
        ``str(circuit)`` (parameters: a comment line after the graph; off by default so that
        ``str(circuit) == circuit.graph.format()`` as in Concrete).
    """

    p_error: float | None = None
    global_p_error: float | None = 1e-5
    maximum_tlu_bit_width: int = DEFAULT_MAXIMUM_TLU_BIT_WIDTH
    parameter_selection_strategy: object = "multi"
    simulate_pbs_errors: bool | None = None
    insecure_key_cache_location: str | None = None
    insecure_keygen_seed: int | None = None
    fuse_lookup_chains: bool = False
    verify_passes: bool = False
    show_graph: bool = False
    show_locations: bool = False
    show_parameters: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.parameter_selection_strategy, Enum):
            # Concrete's TypeError / ValueError for a bad strategy, when it is given
            ConcreteParameterSelectionStrategy.parse(self.parameter_selection_strategy)

    @property
    def injects_pbs_errors(self) -> bool:
        """Whether ``simulate`` fails lookups at their error probability (see above)."""
        if self.simulate_pbs_errors is None:
            return self.p_error is not None
        return bool(self.simulate_pbs_errors)

    def fork(self, **changes) -> Configuration:
        """A copy with ``changes``; an unknown name is a ``TypeError`` as for a Python call."""
        known = {f.name for f in fields(self)}
        unknown = [name for name in changes if name not in known]
        if unknown:
            raise TypeError(f"Configuration.fork() got an unexpected keyword argument "
                            f"{unknown[0]!r}")
        return replace(self, **changes)
