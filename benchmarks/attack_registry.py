"""
The registry of the benchmark's attacks: one entry per attack kind, holding what the rest of the benchmark needs to
know of it (its family, which decides how a job runs it; whether it runs once per KnockoffNets query source; what an
adaptive attacker knows of the defence, for the pages). The defences have theirs in :mod:`benchmarks.registry`.
An unknown name is an error listing the known ones (:func:`attack`).

Like the defence registry, this module imports no deep-learning framework.
"""

from __future__ import annotations

from dataclasses import dataclass

# How a job runs each family (benchmarks.scenario_run): KnockoffNets clones trained on a sweep's precomputed answers,
# the truth-filtering SelectiveExtraction against the live victim, and JBDA against the live victim. The order is the
# figures' order of attacks.
FAMILIES = ("knockoff", "selective", "jbda")


@dataclass(frozen=True)
class AttackEntry:
    """
    One attack of the benchmark.

    :param name: The kind, as in ``--attacks`` and in point records (``<name>:<query source>`` where ``per_source``).
    :param family: One of :data:`FAMILIES`.
    :param per_source: Whether it runs once per KnockoffNets query source of the scenario.
    :param knows: For an adaptive attacker, what it does with its knowledge of the defence (None for KnockoffNets and
                  JBDA themselves).
    :param selection: The truth-filtering attackers' ``SelectiveExtraction`` selection.
    :param decoded: The clone is read through a decoder fitted on the attacker's seed images, labelled by the defended
                    model's answers (:class:`art_am.attacks.DecodedClone`).
    :param policy: KnockoffNets' query policy: ``random``, or ART's ``adaptive`` bandit (it needs the attacker's labels
                   of its query set).
    :param retrain: With the adaptive policy: a fresh clone is trained on the chosen queries afterwards, as the random
                    policy trains (``run_knockoff``'s ``retrain``).
    """

    name: str
    family: str
    per_source: bool
    knows: str | None = None
    selection: str | None = None
    decoded: bool = False
    policy: str = "random"
    retrain: bool = False

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"family must be one of {list(FAMILIES)}, got {self.family!r} for {self.name!r}.")
        if (self.family == "selective") != (self.selection is not None):
            raise ValueError(f"{self.name!r}: a selection is given exactly for the selective family.")
        if self.policy not in ("random", "adaptive") or (self.policy != "random" and self.family != "knockoff"):
            raise ValueError(f"{self.name!r}: policy must be 'random', or 'adaptive' for the knockoff family.")
        if self.retrain and self.policy != "adaptive":
            raise ValueError(f"{self.name!r}: retrain follows ART's adaptive policy; set policy='adaptive'.")


# In planning order (benchmarks.jobs.plan): the plain attacks first, then the adaptive ones
# (docs/adaptive_attackers.md).
_ENTRIES = (
    AttackEntry("knockoff", "knockoff", True),
    AttackEntry("jbda", "jbda", False),
    AttackEntry("jbda-aware", "jbda", False, "JBDA shaping its steps against its own copy of the sign detector"),
    AttackEntry("jbda-optimised", "jbda", False, "the same, also optimising each step against the copy's gradient"),
    AttackEntry(
        "knockoff-adaptive", "knockoff", True, "KnockoffNets with ART's adaptive policy, a bandit steering queries by "
        "the answers", policy="adaptive",
    ),
    AttackEntry(
        "knockoff-bandit", "knockoff", True, "ART's adaptive policy choosing the queries, the clone then trained on "
        "all answers as the random policy trains it", policy="adaptive", retrain=True,
    ),
    AttackEntry(
        "confident", "selective", True, "the Section 6 attacker, training on the most confident half of its answers",
        selection="confidence",
    ),
    AttackEntry(
        "unconfident", "selective", True, "the reverse filter, training on the least confident half, for a defence "
        "whose misinformation is the more confident answer", selection="low_confidence",
    ),
    AttackEntry(
        "consistent", "selective", True, "the label-consistency attacker, keeping answers that agree across shifted "
        "copies", selection="consistency",
    ),
    AttackEntry(
        "knockoff-decoded", "knockoff", True, "KnockoffNets read through a decoder fitted on JBDA's seed images, "
        "labelled by the defence's answers: undoes consistent misinformation", decoded=True,
    ),
)  # fmt: skip
ATTACKS: dict[str, AttackEntry] = {entry.name: entry for entry in _ENTRIES}


def attack(name: str) -> AttackEntry:
    """
    :param name: An attack kind, or a per-source attack with its source (``knockoff:tinyimagenet``).
    :return: Its entry.
    :raises ValueError: Naming the known attacks, for a name not in the registry.
    """
    kind = name.partition(":")[0]
    if kind not in ATTACKS:
        raise ValueError(f"attack must be one of {list(ATTACKS)}, got {name!r}.")
    return ATTACKS[kind]


def names(family: str | None = None) -> tuple[str, ...]:
    """
    :return: The attack kinds in planning order, or those of one family.
    """
    return tuple(name for name, entry in ATTACKS.items() if family in (None, entry.family))


def figure_key(name: str) -> tuple[int, int, str]:
    """
    :return: The sort key of an attack in figures and tables: by family, then planning order, then query source;
             names the registry does not hold last.
    """
    kind, _, source = name.partition(":")
    if kind not in ATTACKS:
        return (len(FAMILIES), 0, name)
    return (FAMILIES.index(ATTACKS[kind].family), list(ATTACKS).index(kind), source)
