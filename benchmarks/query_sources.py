"""
Query sets a user adds to a run (``--query-source NAME=SPEC``): one's own images as another KnockoffNets query set of
every selected scenario, so that a defence is measured against images its outlier exposure never saw (e.g. held-out
natural photographs), with the preset's models, settings and report unchanged.

    python -m benchmarks.run --preset cifar10-fast-cpu --scenario cifar10-fast-cpu --data-root ../shared/data \
        --query-source "heldout=file:/data/heldout.npz?size=32" --sources heldout --attacks knockoff,knockoff-decoded

``SPEC`` is any data source of :mod:`benchmarks.data`: a dataset (``cifar100:train``, fetched by torchvision where
there is internet) or ``file:<path>``, a NumPy archive of one's own images. A run folder remembers what each added
name stood for (``RUN.json``, ``query_sources``, with the file's SHA-256), and refuses the same name for other images:
its stored answers and points would otherwise be read as the new set's.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re

from benchmarks.cli import UsageError
from benchmarks.data import FILE_PREFIX
from benchmarks.scenarios import Scenario

FLAG = "--query-source"
# Names end up in file names (points, stored answers): letters, digits, '_' and '-' only.
_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


def parse_query_sources(values: tuple[str, ...] | list[str]) -> dict[str, str]:
    """
    :param values: ``NAME=SPEC`` entries, as given on the command line.
    :return: ``{name: spec}``, a ``file:`` path made absolute (workers may run in another folder).
    :raises UsageError: For an entry without ``=``, a name that is empty, not ``[A-Za-z0-9_-]``, or given twice, an
                        empty spec, or a ``file:`` path that is not a file.
    """
    sources: dict[str, str] = {}
    for value in values:
        name, equals, spec = (part.strip() for part in value.partition("="))
        if not equals or not spec:
            raise UsageError(FLAG, value, "give NAME=SPEC, e.g. heldout=file:/data/heldout.npz?size=32")
        if not _NAME.match(name):
            raise UsageError(FLAG, value, "NAME may hold only letters, digits, '_' and '-' (it names files)")
        if name in sources:
            raise UsageError(FLAG, value, f"the name {name!r} is given twice")
        if spec.startswith(FILE_PREFIX):
            path, question, selection = spec[len(FILE_PREFIX) :].partition("?")
            if not os.path.isfile(path):
                raise UsageError(FLAG, value, f"no file at {path!r}; give a .npz archive of images")
            spec = FILE_PREFIX + os.path.abspath(path) + question + selection
        sources[name] = spec
    return sources


def with_query_sources(scenario: Scenario, sources: dict[str, str]) -> Scenario:
    """
    :param scenario: A preset's scenario.
    :param sources: Added query sets, ``{name: spec}``.
    :return: A copy that also queries KnockoffNets (and its adaptive variants) with each added set, and reports where
             its queries sit under the OE defender; the scenario itself when nothing is added.
    :raises UsageError: If a name is already one of the scenario's query sets.
    """
    if not sources:
        return scenario
    taken = sorted(set(sources) & set(scenario.attacks.knockoff_sources))
    if taken:
        raise UsageError(FLAG, taken[0], f"{scenario.name} already has a query set of that name; choose another")
    attacks = dataclasses.replace(scenario.attacks, knockoff_sources=scenario.attacks.knockoff_sources | sources)
    return dataclasses.replace(scenario, attacks=attacks, ood_sources=scenario.ood_sources | sources)


def fingerprints(sources: dict[str, str]) -> dict[str, dict[str, str]]:
    """
    :return: Per added name, what it stands for: its spec and, for a ``file:`` source, the file's SHA-256.
    """
    result = {}
    for name, spec in sources.items():
        entry = {"spec": spec}
        if spec.startswith(FILE_PREFIX):
            digest = hashlib.sha256()
            with open(spec[len(FILE_PREFIX) :].partition("?")[0], "rb") as stream:
                while block := stream.read(1 << 20):
                    digest.update(block)
            entry["sha256"] = digest.hexdigest()
        result[name] = entry
    return result


def check_against_run(recorded: dict, sources: dict[str, dict[str, str]]) -> None:
    """
    :param recorded: The run folder's ``query_sources`` (from ``RUN.json``; empty for a new run).
    :param sources: This command's :func:`fingerprints`.
    :raises UsageError: If a name stood for other images in this run folder.
    """
    for name, entry in sources.items():
        if name in recorded and recorded[name] != entry:
            raise UsageError(
                FLAG,
                f"{name}={entry['spec']}",
                f"this run folder's {name!r} was {recorded[name]['spec']!r}"
                + (" with other file contents" if recorded[name].get("spec") == entry["spec"] else "")
                + "; choose another name or run folder (its stored answers and points are the earlier set's)",
            )
