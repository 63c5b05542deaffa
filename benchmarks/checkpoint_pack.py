# MIT License
#
# Copyright (C) The Adversarial Robustness Toolbox (ART) Authors 2026
#
# Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated
# documentation files (the "Software"), to deal in the Software without restriction, including without limitation the
# rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit
# persons to whom the Software is furnished to do so, subject to the following conditions:
#
# The above copyright notice and this permission notice shall be included in all copies or substantial portions of the
# Software.
#
# THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE
# WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
# AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT,
# TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
# SOFTWARE.
"""
Lossless packing of committed float16 checkpoints (issue 34 asks for the optimistic scenario's nine CIFAR-10 models in
30 MB or less; as float16 ``.pt`` files they take 35.7 MB).

A packed file (``<checkpoint>.packed``) keeps the checkpoint's payload as :func:`art_am.training.save_checkpoint` wrote
it but for its float16 tensors, whose bit patterns are coded as two xz (LZMA) streams: the high bytes (sign, exponent,
two mantissa bits) and the low bytes. A model fine-tuned from another (the outlier-exposure defender from the plain one)
can instead be coded as the difference of its bit patterns from that reference's (modulo 2**16): the packer tries every
given reference with the same tensor layout and keeps the smallest coding. Unpacking rebuilds the payload, checks it
against the checkpoint's own SHA-256 digest before writing a byte, and writes the original file name, so the model
cache and :func:`art_am.training.load_checkpoint` read the result as they read the original.

    python -m benchmarks.checkpoint_pack pack results/cifar10-fast/checkpoints/*.pt \
        results/cifar10-fast-cpu/checkpoints/*.pt --references results/cifar10-fast/checkpoints/*-plain-*.pt
    python -m benchmarks.checkpoint_pack unpack results/cifar10-fast/checkpoints/*.packed \
        results/cifar10-fast-cpu/checkpoints/*.packed --out CACHE_DIR
"""

from __future__ import annotations

import argparse
import functools
import lzma
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from art_am.atomic import write_atomic
from art_am.training.checkpoint import checkpoint_digest, load_checkpoint_payload

PACK_FORMAT = "art_am-packed-checkpoint-1"
SUFFIX = ".packed"
_XZ_PRESET = 9 | lzma.PRESET_EXTREME
_RECORD_KEYS = frozenset(
    ("file_name", "sha256", "reference_sha256", "format_version", "metadata_json", "layout", "other_tensors", "planes")
)


def _read_checkpoint(path: str) -> dict[str, Any]:
    try:
        return load_checkpoint_payload(path)
    except (FileNotFoundError, ValueError) as error:  # a damaged input is named before anything is coded from it
        raise ValueError(f"checkpoints: {error}") from error


def _tensor_groups(payload: dict[str, Any]) -> dict[str, dict[str, torch.Tensor]]:
    """The payload's tensor dictionaries by name, in the order packing and unpacking both walk them."""
    groups = {"state_dict": payload["state_dict"]}
    groups.update({f"extra_state/{name}": tensors for name, tensors in sorted(payload.get("extra_state", {}).items())})
    return groups


def _half_layout(payload: dict[str, Any]) -> list[tuple[str, str, tuple[int, ...]]]:
    return [
        (group, key, tuple(tensor.shape))
        for group, tensors in _tensor_groups(payload).items()
        for key, tensor in sorted(tensors.items())
        if tensor.dtype == torch.float16
    ]


def _half_bits(payload: dict[str, Any], layout: list[tuple[str, str, tuple[int, ...]]]) -> np.ndarray:
    """The float16 tensors' bit patterns, concatenated in ``layout``'s order (the payload's own layout)."""
    groups = _tensor_groups(payload)
    parts = [groups[group][key].contiguous().reshape(-1).view(torch.int16).numpy() for group, key, _ in layout]
    return np.concatenate(parts).view(np.uint16) if parts else np.zeros(0, dtype=np.uint16)


def _code(bits: np.ndarray) -> list[bytes]:
    return [lzma.compress((plane).astype(np.uint8).tobytes(), preset=_XZ_PRESET) for plane in (bits >> 8, bits & 0xFF)]


def _decode(streams: Sequence[bytes], count: int) -> np.ndarray:
    try:
        high, low = (np.frombuffer(lzma.decompress(stream), dtype=np.uint8) for stream in streams)
    except lzma.LZMAError as error:
        raise ValueError(f"the coded weights are damaged: {error}") from error
    if high.size != count or low.size != count:
        raise ValueError(f"the coded weights hold {high.size} and {low.size} bytes per plane, expected {count}")
    return (high.astype(np.uint16) << 8) | low.astype(np.uint16)


def pack(path: str, references: Sequence[str] = ()) -> dict[str, Any]:
    """
    Code one checkpoint, on its own or as a difference from the reference that codes it smallest.

    :param path: A checkpoint written by :func:`art_am.training.save_checkpoint`.
    :param references: Checkpoints it may be coded against (ones with another tensor layout, or ``path`` itself, are
                       skipped); each must itself be packed without a reference.
    :return: The packed record, as :func:`write_packed` stores it.
    """
    payload = _read_checkpoint(path)
    layout = _half_layout(payload)
    bits = _half_bits(payload, layout)
    codings = {"": _code(bits)}  # by the reference's digest; "": on its own
    for reference in references:
        if os.path.abspath(reference) == os.path.abspath(path):
            continue
        other = _read_checkpoint(reference)
        if _half_layout(other) == layout:  # uint16 arithmetic wraps modulo 2**16: exactly invertible
            codings[str(other["sha256"])] = _code(bits - _half_bits(other, layout))
    coded_bytes = {key: sum(map(len, streams)) for key, streams in codings.items()}
    chosen = min(coded_bytes, key=coded_bytes.__getitem__)  # the first of equals: on its own
    groups = _tensor_groups(payload)
    rest = {group: {k: t for k, t in tensors.items() if t.dtype != torch.float16} for group, tensors in groups.items()}
    return {
        "format": PACK_FORMAT,
        "file_name": os.path.basename(path),
        "sha256": str(payload["sha256"]),
        "reference_sha256": chosen,
        "format_version": payload["format_version"],
        "metadata_json": payload["metadata_json"],
        "layout": [[group, key, list(shape)] for group, key, shape in layout],
        "other_tensors": rest,
        "coded_bytes": coded_bytes,
        "planes": [torch.frombuffer(bytearray(stream), dtype=torch.uint8) for stream in codings[chosen]],
    }


def write_packed(record: dict[str, Any], folder: str) -> str:
    """
    :return: The packed file written (``<folder>/<file name>.packed``, atomically).
    """
    destination = os.path.join(folder, record["file_name"] + SUFFIX)
    write_atomic(destination, functools.partial(_save_to, record))
    return destination


def read_packed(path: str) -> dict[str, Any]:
    """
    :raises ValueError: If the file is not a packed checkpoint.
    """
    try:
        record = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # pylint: disable=broad-exception-caught
        raise ValueError(f"packed: '{path}' is not a readable packed checkpoint: {type(error).__name__}") from error
    if not isinstance(record, dict) or record.get("format") != PACK_FORMAT:
        raise ValueError(f"packed: '{path}' is not a packed checkpoint (format {PACK_FORMAT!r}).")
    missing = sorted(_RECORD_KEYS - set(record))
    if missing:
        raise ValueError(f"packed: '{path}' is damaged: it lacks {', '.join(missing)}.")
    return record


def unpack(record: dict[str, Any], reference: dict[str, Any] | None = None) -> dict[str, Any]:
    """
    Rebuild a checkpoint's payload and check it against its digest.

    :param record: A packed record (:func:`read_packed`).
    :param reference: The payload of the checkpoint it was coded against, if any.
    :return: The payload, ready for ``torch.save``.
    :raises ValueError: If the reference is missing or wrong, or the rebuilt weights do not match the digest.
    """
    name, wanted = record["file_name"], record["reference_sha256"]
    if wanted and (reference is None or reference["sha256"] != wanted):
        raise ValueError(f"packed: '{name}' is coded against the checkpoint with sha256 {wanted}; unpack that one too.")
    layout = [(group, key, tuple(shape)) for group, key, shape in record["layout"]]
    count = sum(int(np.prod(shape)) for _, _, shape in layout)
    try:
        bits = _decode([bytes(plane.numpy()) for plane in record["planes"]], count)
    except ValueError as error:
        raise ValueError(f"packed: '{name}': {error}") from error
    if wanted:
        bits = bits + _half_bits(reference, layout)  # type: ignore[arg-type]
    groups = {group: dict(tensors) for group, tensors in record["other_tensors"].items()}
    start = 0
    for group, key, shape in layout:
        size = int(np.prod(shape))
        chunk = torch.from_numpy(bits[start : start + size].view(np.int16).copy()).view(torch.float16)
        groups[group][key] = chunk.reshape(shape)
        start += size
    state = groups.pop("state_dict")
    extras = {group.split("/", 1)[1]: tensors for group, tensors in groups.items()}
    if checkpoint_digest(state, extras, record["metadata_json"]) != record["sha256"]:
        raise ValueError(f"packed: '{name}' rebuilt weights that do not match its SHA-256 digest (damaged file).")
    return {
        "format_version": record["format_version"],
        "state_dict": state,
        "metadata_json": record["metadata_json"],
        "extra_state": extras,
        "sha256": record["sha256"],
    }


def _save_to(payload: dict[str, Any], temporary: str) -> None:
    torch.save(payload, temporary)


def unpack_all(paths: Sequence[str], out: str) -> list[str]:
    """
    Unpack packed checkpoints into a folder, each reference before the files coded against it.

    :return: The checkpoints written.
    """
    records = [read_packed(path) for path in paths]
    payloads: dict[str, dict[str, Any]] = {}
    for record in sorted(records, key=lambda r: bool(r["reference_sha256"])):
        payloads[record["sha256"]] = unpack(record, payloads.get(record["reference_sha256"]))
    os.makedirs(out, exist_ok=True)
    written = []
    for record in records:
        destination = os.path.join(out, record["file_name"])
        write_atomic(destination, functools.partial(_save_to, payloads[record["sha256"]]))
        written.append(destination)
    return written


def main(argv: list[str] | None = None) -> None:
    """Command line: ``pack`` or ``unpack`` (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    packing = commands.add_parser("pack", help="write <checkpoint>.packed beside each checkpoint")
    packing.add_argument("checkpoints", nargs="+")
    packing.add_argument("--references", nargs="*", default=[], help="checkpoints others may be coded against")
    packing.add_argument(
        "--remove", action="store_true", help="delete the checkpoints once every packed file is written and checked"
    )
    unpacking = commands.add_parser("unpack", help="rebuild the checkpoints of packed files into a folder")
    unpacking.add_argument("packed", nargs="+")
    unpacking.add_argument("--out", required=True, help="folder for the checkpoints (e.g. a benchmark's --cache-dir)")
    args = parser.parse_args(argv)
    if args.command == "unpack":
        for path in unpack_all(args.packed, args.out):
            print(path)
        return
    roots = set(map(os.path.abspath, args.references))
    missing = sorted(roots - set(map(os.path.abspath, args.checkpoints)))
    if missing:
        # A file coded against a reference needs that reference packed beside it to be unpacked again.
        parser.error(f"--references must also be among the checkpoints packed; not among them: {', '.join(missing)}")
    ordered = sorted(args.checkpoints, key=lambda p: os.path.abspath(p) not in roots)
    payloads: dict[str, dict[str, Any]] = {}
    for path in ordered:
        record = pack(path, [] if os.path.abspath(path) in roots else args.references)
        # refuse to write a packing that does not round-trip; the rebuilt payload serves the files coded against it
        payloads[record["sha256"]] = unpack(record, payloads.get(record["reference_sha256"]))
        destination = write_packed(record, os.path.dirname(path) or ".")
        coded = "on its own" if not record["reference_sha256"] else "against " + record["reference_sha256"][:12]
        candidates = ", ".join(f"{key[:12] or 'own'} {size / 1e6:.2f}" for key, size in record["coded_bytes"].items())
        print(
            f"{path}: {os.path.getsize(path) / 1e6:.2f} MB -> {os.path.getsize(destination) / 1e6:.2f} MB ({coded}; "
            f"weights coded, MB: {candidates})"
        )
    if args.remove:  # only now: a later file may have been coded against an earlier one
        for path in ordered:
            os.remove(path)


if __name__ == "__main__":
    main()
