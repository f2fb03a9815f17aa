"""The parameters of a circuit's whole key set: one TFHE set per partition, and its keyswitches.

A circuit compiled with one parameter set (MONO) has one partition and one keyswitch
(0 → 0). With MULTI, partition P has its own small key, GLWE key and bootstrapping key,
and every keyswitching key the circuit uses is listed: P → P for lookups that read
values held under P's own big key, and S → T (S ≠ T) for lookups of partition T that read
values held under partition S's big key. Keys that no lookup uses are not listed, so key
generation skips them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from ..core.errors import InputError
from .parameters import TFHEParameters


@dataclass(frozen=True, slots=True)
class KeyswitchParameters:
    """A keyswitching key from partition ``source``'s big key to ``target``'s small key."""

    source: int
    target: int
    base_log: int
    level: int


@dataclass(frozen=True, slots=True)
class KeySetParameters:
    """Every parameter set and keyswitch of one circuit.

    Examples
    --------
    >>> from fhe_assistant.crypto.parameters import TFHEParameters
    >>> toy = TFHEParameters(512, 1, 1024, 23, 1, 5, 3, 4)  # INSECURE-looking toy values
    >>> KeySetParameters.single(toy).keyswitch(0, 0)
    KeyswitchParameters(source=0, target=0, base_log=5, level=3)
    """

    partitions: tuple[TFHEParameters, ...]
    keyswitches: tuple[KeyswitchParameters, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "partitions", tuple(self.partitions))
        object.__setattr__(self, "keyswitches", tuple(self.keyswitches))
        count = len(self.partitions)
        if count == 0:
            raise InputError("a key set needs at least one parameter set")
        seen = set()
        for ks in self.keyswitches:
            if not (0 <= ks.source < count and 0 <= ks.target < count):
                raise InputError(f"{ks} names a partition outside 0..{count - 1}")
            if (ks.source, ks.target) in seen:
                raise InputError(f"keyswitch {ks.source} -> {ks.target} is listed twice")
            seen.add((ks.source, ks.target))

    @staticmethod
    def single(parameters: TFHEParameters) -> KeySetParameters:
        """One parameter set (MONO); its keyswitch is listed when it has lookups."""
        keyswitches = ()
        if parameters.lwe_dimension:
            keyswitches = (KeyswitchParameters(0, 0, parameters.ks_decomposition_base_log,
                                               parameters.ks_decomposition_level_count),)
        return KeySetParameters((parameters,), keyswitches)

    @property
    def is_single(self) -> bool:
        return len(self.partitions) == 1

    def keyswitch(self, source: int, target: int) -> KeyswitchParameters:
        for ks in self.keyswitches:
            if (ks.source, ks.target) == (source, target):
                return ks
        raise InputError(f"this key set has no keyswitching key {source} -> {target}")

    def keyswitch_shape(self, source: int, target: int) -> TFHEParameters:
        """The dimensions a keyswitch kernel needs, as a parameter set: input k·N of the
        source, output n of the target, the keyswitch's own decomposition."""
        ks = self.keyswitch(source, target)
        return replace(self.partitions[target],
                       glwe_dimension=self.partitions[source].glwe_dimension,
                       polynomial_size=self.partitions[source].polynomial_size,
                       ks_decomposition_base_log=ks.base_log, ks_decomposition_level_count=ks.level)

    def fingerprint(self) -> str:
        """A short stable hash (that of the only set for a single-set circuit, as before)."""
        if self.is_single and all(
            (ks.base_log, ks.level) == (self.partitions[0].ks_decomposition_base_log,
                                        self.partitions[0].ks_decomposition_level_count)
            for ks in self.keyswitches
        ):
            return self.partitions[0].fingerprint()
        text = ";".join([p.fingerprint() for p in self.partitions]
                        + [f"{k.source}>{k.target}:{k.base_log},{k.level}"
                           for k in self.keyswitches])
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def as_dict(self) -> dict:
        return {"partitions": [p.as_dict() for p in self.partitions],
                "keyswitches": [[k.source, k.target, k.base_log, k.level]
                                for k in self.keyswitches]}

    @staticmethod
    def from_dict(data: dict) -> KeySetParameters:
        """Read :meth:`as_dict`'s form; raises ``InputError`` on a malformed entry."""
        try:
            partitions = tuple(TFHEParameters.from_dict(p) for p in data["partitions"])
            keyswitches = tuple(KeyswitchParameters(*(int(v) for v in k))
                                for k in data["keyswitches"])
        except (KeyError, TypeError, ValueError) as error:
            raise InputError(f"malformed key-set parameters: {error}") from error
        return KeySetParameters(partitions, keyswitches)
