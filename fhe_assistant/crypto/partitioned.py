"""What a circuit asks of *several* parameter sets: the input of :func:`optimize_multi`.

Concrete's MULTI strategy (``PRECISION`` partitioning): every table lookup belongs to the
partition of its input precision, and each partition gets its own secure parameters —
its own small LWE key, GLWE (big) key, bootstrapping key and keyswitching key. A value
at rest lives under the big key of one partition (its *source*); a lookup of partition B
that reads a value held under partition A's big key keyswitches it from A's big key to
B's small key (a cross-partition keyswitching key, A → B). The graph layers summarize the
circuit into :class:`NoiseConstraint` rows; this layer sees no graphs.

Noise at a constraint (modular variances, tfhe-notes §3.4)::

    fresh_norm2 · σ²_fresh(kN_src) + pbs_norm2 · σ²_BR(src)
        [+ σ²_KS(kN_src → n_tgt) + σ²_MS(n_tgt, N_tgt)]      (lookups only)
    ≤ σ²_max(p_error, precision)

Examples
--------
>>> from fhe_assistant.crypto.partitioned import NoiseConstraint, PartitionedRequirements
>>> lookup3 = NoiseConstraint(source=0, target=0, precision=3, count=32)
>>> lookup8 = NoiseConstraint(source=0, target=1, precision=8, pbs_norm2=32.0)
>>> PartitionedRequirements((3, 8), (lookup3, lookup8)).pbs_counts
(32, 1)
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

from ..core.errors import InputError
from .requirements import CircuitRequirements


@dataclass(frozen=True, slots=True)
class NoiseConstraint:
    """One kind of decryption that can fail: ``count`` lookups (or outputs) alike in noise.

    Attributes
    ----------
    source
        Partition whose big key holds the value read (lookup input or circuit output).
    target
        Partition of the lookup that reads it; ``None`` for a decrypted circuit output.
    precision
        p the value is decoded at (a lookup's effective input precision, or the output's).
    fresh_norm2, pbs_norm2
        Worst *squared* 2-norms Σw² with which fresh inputs and lookup outputs (of the
        source partition) reach the value.
    count
        Scalar operations with this constraint: they share the global error budget, and a
        lookup's ``count`` is also how many keyswitches source → target and bootstraps of
        the target partition run.
    """

    source: int
    target: int | None
    precision: int
    fresh_norm2: float = 1.0
    pbs_norm2: float = 0.0
    count: int = 1

    def __post_init__(self) -> None:
        for name in ("source", "count"):
            value = getattr(self, name)
            if not (isinstance(value, numbers.Integral) and value >= 0):
                raise InputError(f"{name} must be a non-negative integer, got {value!r}")
        if self.target is not None and not (
            isinstance(self.target, numbers.Integral) and self.target >= 0
        ):
            raise InputError(f"target must be a partition index or None, got {self.target!r}")
        if not (isinstance(self.precision, numbers.Integral) and 1 <= self.precision <= 60):
            raise InputError(f"precision must be an integer in [1, 60], got {self.precision!r}")
        for name in ("fresh_norm2", "pbs_norm2"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise InputError(f"{name} must be a finite squared 2-norm ≥ 0, got {value!r}")
        object.__setattr__(self, "source", int(self.source))
        object.__setattr__(self, "target", None if self.target is None else int(self.target))
        object.__setattr__(self, "precision", int(self.precision))
        object.__setattr__(self, "count", int(self.count))
        object.__setattr__(self, "fresh_norm2", float(self.fresh_norm2))
        object.__setattr__(self, "pbs_norm2", float(self.pbs_norm2))

    @property
    def is_lookup(self) -> bool:
        return self.target is not None


@dataclass(frozen=True, slots=True)
class PartitionedRequirements:
    """The noise-relevant summary of a circuit whose lookups are split into partitions.

    Attributes
    ----------
    precisions
        One entry per partition: the widest lookup precision it serves (its name, and the
        ``message_bit_width`` of its parameter set).
    constraints
        Every lookup input and decrypted output, grouped by identical noise.
    leveled_op_counts
        Additions / clear multiplications run under each partition's big key (each costs
        kN in the cost model); empty means none.
    """

    precisions: tuple[int, ...]
    constraints: tuple[NoiseConstraint, ...]
    leveled_op_counts: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        count = len(self.precisions)
        if count == 0:
            raise InputError("a partitioned circuit needs at least one partition")
        object.__setattr__(self, "precisions", tuple(int(p) for p in self.precisions))
        object.__setattr__(self, "constraints", tuple(self.constraints))
        leveled = tuple(int(c) for c in self.leveled_op_counts) or (0,) * count
        if len(leveled) != count:
            raise InputError(f"leveled_op_counts has {len(leveled)} entries for {count} partitions")
        object.__setattr__(self, "leveled_op_counts", leveled)
        for constraint in self.constraints:
            for index in (constraint.source, constraint.target):
                if index is not None and index >= count:
                    raise InputError(f"{constraint} names partition {index} of {count}")
        for partition in range(count):
            if not any(c.target == partition for c in self.constraints):
                raise InputError(f"partition {partition} has no table lookup")

    @property
    def partition_count(self) -> int:
        return len(self.precisions)

    @property
    def pbs_counts(self) -> tuple[int, ...]:
        """Bootstraps run with each partition's keys."""
        counts = [0] * self.partition_count
        for c in self.constraints:
            if c.target is not None:
                counts[c.target] += c.count
        return tuple(counts)

    @property
    def keyswitch_counts(self) -> dict[tuple[int, int], int]:
        """Keyswitches run per (source, target) pair of partitions; (P, P) is P's own KSK."""
        counts: dict[tuple[int, int], int] = {}
        for c in self.constraints:
            if c.target is not None:
                counts[(c.source, c.target)] = counts.get((c.source, c.target), 0) + c.count
        return counts

    @property
    def decryption_count(self) -> int:
        """Operations that share the global error budget: lookups and outputs."""
        return max(1, sum(c.count for c in self.constraints))

    def merged(self) -> CircuitRequirements:
        """The same circuit with one parameter set (Concrete's MONO strategy).

        Every constraint is expressed at the widest lookup precision P by scaling its
        squared norm by 4**(p − P) (a value decoded at p tolerates 2**(P − p) times more
        noise), and fresh and lookup noise are bounded together by the larger of the two,
        as the single-set optimizer models them.
        """
        lookups = [c for c in self.constraints if c.is_lookup]
        outputs = [c for c in self.constraints if not c.is_lookup]
        precision = max(c.precision for c in lookups)

        def scaled(c: NoiseConstraint) -> float:
            return (c.fresh_norm2 + c.pbs_norm2) * 4.0 ** (c.precision - precision)

        into_output = max((scaled(c) for c in outputs), default=1.0)
        return CircuitRequirements(
            message_bit_width=precision,
            pbs_count=sum(c.count for c in lookups),
            max_norm2_into_pbs=math.sqrt(max(max(scaled(c) for c in lookups), _MIN_NORM2)),
            pbs_input_from_pbs=any(c.pbs_norm2 > 0 for c in lookups),
            max_norm2_into_output=math.sqrt(max(into_output, _MIN_NORM2)),
            outputs_from_pbs=any(c.pbs_norm2 > 0 for c in outputs),
            output_count=sum(c.count for c in outputs),
            leveled_op_count=sum(self.leveled_op_counts),
        )


#: A 2-norm of 0 carries no noise; a tiny floor keeps 0·inf out of the search (as the
#: compiler's single-set summary does).
_MIN_NORM2 = 1e-12
