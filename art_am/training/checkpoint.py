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
Checkpoints: a model's weights with JSON-serialisable metadata (dataset, architecture, accuracy, seed, recipe),
loaded safely with ``torch.load(..., weights_only=True)``.

A checkpoint is data from outside and is treated as such: the file stores a SHA-256 digest of its tensors and
metadata, checked on load (a flipped byte is an error, not a silently different model); the metadata that decides
what is built is validated (known architecture, a bounded class count, known model arguments only: no paths from
inside a checkpoint) and the model is first built on the meta device, so that its shapes are compared with the stored
tensors before any memory is allocated; every way the file can be unreadable is a ``ValueError`` naming it.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

import torch
from torch import nn

from art_am.atomic import write_atomic
from art_am.models import MODEL_NAMES, create_model

FORMAT_VERSION = 2
# Largest class count a checkpoint may ask to build (ImageNet-21k has 21,841 classes).
MAX_CLASSES = 100_000
# The model arguments a checkpoint may set, per architecture; anything else (e.g. a weights_path) is refused.
ALLOWED_MODEL_KWARGS: dict[str, dict[str, tuple[Any, ...]]] = {
    "lenet5": {"in_channels": (1, 3)},
    "resnet18": {"cifar_stem": (False, True)},
    "resnet8": {"blocks_per_stage": (1, 2, 3), "width": (8, 16, 32, 64), "in_channels": (1, 3)},
    # JSON stores a tuple as a list: widths are compared as lists
    "fastnet": {
        "widths": ([8, 8, 8], [16, 32, 32], [32, 64, 64], [64, 128, 128], [64, 256, 256], [128, 384, 384]),
        "in_channels": (1, 3),
        "tta_level": (0, 1, 2),
        "identity_init": (False, True),
        "whitening_eps": (None, 5e-4),
    },
}


def checkpoint_digest(
    state: dict[str, torch.Tensor], extras: dict[str, dict[str, torch.Tensor]], metadata_json: str
) -> str:
    """
    SHA-256 over the metadata and the names, dtypes, shapes and bytes of every tensor, in sorted order.

    :param state: A model's ``state_dict``.
    :param extras: Further named tensor dictionaries.
    :param metadata_json: The metadata as stored.
    :return: Hex digest.
    """
    digest = hashlib.sha256(metadata_json.encode())
    groups = {"state_dict": state, **{f"extra_state/{name}": tensors for name, tensors in (extras or {}).items()}}
    for group in sorted(groups):
        for key in sorted(groups[group]):
            tensor = groups[group][key].detach().cpu().contiguous()
            digest.update(f"{group}/{key}|{tensor.dtype}|{tuple(tensor.shape)}|".encode())
            digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def save_checkpoint(
    path: str | os.PathLike,
    model: nn.Module,
    metadata: dict[str, Any],
    extra_state: dict[str, dict[str, torch.Tensor]] | None = None,
) -> None:
    """
    Save weights and metadata atomically (write to a temporary file, then rename), with a digest of the tensors.

    :param path: Destination file.
    :param model: The model.
    :param metadata: JSON-serialisable description; include ``architecture`` and ``num_classes`` (and model
                     keyword arguments under ``model_kwargs``) so that :func:`load_checkpoint` can rebuild it.
    :param extra_state: Further named tensor dictionaries saved with the model, e.g.
                        ``{"ood_score": score.state_dict()}`` for a fitted out-of-distribution score; read them back
                        with :func:`load_extra_state`.
    :raises ValueError: If the metadata is not JSON-serialisable or the extra state is not tensors.
    """
    try:
        metadata_json = json.dumps(metadata, sort_keys=True)
    except TypeError as error:
        raise ValueError(f"metadata must be JSON-serialisable: {error}") from error
    state = {key: value.detach().cpu() for key, value in model.state_dict().items()}
    extras = {}
    for name, tensors in (extra_state or {}).items():
        if not isinstance(tensors, dict) or not all(isinstance(v, torch.Tensor) for v in tensors.values()):
            raise ValueError(f"extra_state[{name!r}] must be a dictionary of tensors.")
        extras[name] = {key: value.detach().cpu() for key, value in tensors.items()}
    payload = {
        "format_version": FORMAT_VERSION,
        "state_dict": state,
        "metadata_json": metadata_json,
        "extra_state": extras,
        "sha256": checkpoint_digest(state, extras, metadata_json),
    }
    write_atomic(path, lambda temporary: torch.save(payload, temporary))


def load_checkpoint(
    path: str | os.PathLike, model: nn.Module | None = None, device: str = "cpu"
) -> tuple[nn.Module, dict[str, Any]]:
    """
    Load a checkpoint written by :func:`save_checkpoint`.

    :param path: Checkpoint file.
    :param model: Module to load the weights into; if None it is built from the metadata's ``architecture``,
                  ``num_classes`` and ``model_kwargs`` (validated first, see the module docstring).
    :param device: Device to put the model on.
    :return: ``(model in eval mode, metadata)``.
    :raises FileNotFoundError: If the file is missing.
    :raises ValueError: If the file is not an intact checkpoint, its metadata is invalid, or the weights do not fit
                        the model.
    """
    payload = load_checkpoint_payload(path)
    metadata = payload["metadata"]
    if model is None:
        architecture, num_classes, kwargs = _model_arguments(path, metadata)
        with torch.device("meta"):
            skeleton = create_model(architecture, num_classes, **kwargs)
        _check_shapes(path, skeleton, payload["state_dict"])
        model = create_model(architecture, num_classes, **kwargs)
    try:
        model.load_state_dict(payload["state_dict"])
    except RuntimeError as error:
        raise ValueError(f"'{path}': the stored weights do not fit the model: {error}") from error
    return model.to(device).eval(), metadata


def load_extra_state(path: str | os.PathLike) -> dict[str, dict[str, torch.Tensor]]:
    """
    :param path: Checkpoint file written by :func:`save_checkpoint`.
    :return: Its ``extra_state`` (empty for checkpoints saved without one).
    """
    return load_checkpoint_payload(path)["extra_state"]


def _model_arguments(path: str | os.PathLike, metadata: dict[str, Any]) -> tuple[str, int, dict[str, Any]]:
    architecture = metadata.get("architecture")
    if architecture is None:
        raise ValueError(f"'{path}' has no 'architecture' in its metadata; pass the model to load into.")
    if architecture not in MODEL_NAMES:
        raise ValueError(f"'{path}': unknown architecture {architecture!r}; valid: {', '.join(MODEL_NAMES)}.")
    num_classes = metadata.get("num_classes", 10)
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or not 2 <= num_classes <= MAX_CLASSES:
        raise ValueError(f"'{path}': num_classes must be an integer in [2, {MAX_CLASSES}], got {num_classes!r}.")
    kwargs = metadata.get("model_kwargs", {})
    if not isinstance(kwargs, dict):
        raise ValueError(f"'{path}': model_kwargs must be a dictionary, got {kwargs!r}.")
    allowed = ALLOWED_MODEL_KWARGS.get(architecture, {})
    for key, value in kwargs.items():
        if key not in allowed:
            raise ValueError(
                f"'{path}': model_kwargs may only set {sorted(allowed)} for {architecture}, got {key!r} (a checkpoint "
                "cannot name files to read or other arguments)."
            )
        value = list(value) if isinstance(value, (list, tuple)) else value
        kinds_differ = isinstance(value, bool) != isinstance(allowed[key][-1], bool)
        if value not in allowed[key] or kinds_differ:
            raise ValueError(f"'{path}': model_kwargs[{key!r}] must be one of {allowed[key]}, got {value!r}.")
    return architecture, num_classes, kwargs


def _check_shapes(path: str | os.PathLike, skeleton: nn.Module, state: dict[str, torch.Tensor]) -> None:
    expected = {key: tuple(value.shape) for key, value in skeleton.state_dict().items()}
    stored = {key: tuple(value.shape) for key, value in state.items()}
    if expected != stored:
        different = sorted(key for key in set(expected) | set(stored) if expected.get(key) != stored.get(key))
        raise ValueError(
            f"'{path}': the stored weights do not match the model its metadata describes; first differences: "
            + ", ".join(f"{key} (model {expected.get(key)}, file {stored.get(key)})" for key in different[:3])
        )


def load_checkpoint_payload(path: str | os.PathLike) -> dict[str, Any]:
    """
    Read a checkpoint written by :func:`save_checkpoint` as stored, after checking it against its SHA-256 digest: for
    tools that handle checkpoint files (e.g. ``benchmarks.checkpoint_pack``) rather than models.

    :param path: Checkpoint file.
    :return: ``format_version``, ``state_dict``, ``extra_state``, ``metadata_json`` and ``sha256`` as stored, and
             ``metadata`` (the parsed JSON object).
    :raises FileNotFoundError: If the file is missing.
    :raises ValueError: If the file is not an intact checkpoint.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No checkpoint at '{path}'.")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # pylint: disable=broad-exception-caught
        # torch raises many types for a damaged file (RuntimeError, UnpicklingError, EOFError, zipfile errors, ...).
        raise ValueError(f"'{path}' is not a readable art_am checkpoint: {type(error).__name__}: {error}") from error
    if not isinstance(payload, dict) or "state_dict" not in payload or "metadata_json" not in payload:
        raise ValueError(f"'{path}' is not an art_am checkpoint (expected keys 'state_dict' and 'metadata_json').")
    state, extras = payload["state_dict"], payload.get("extra_state", {})
    tensors_ok = isinstance(state, dict) and all(isinstance(value, torch.Tensor) for value in state.values())
    extras_ok = isinstance(extras, dict) and all(
        isinstance(group, dict) and all(isinstance(value, torch.Tensor) for value in group.values())
        for group in extras.values()
    )
    if not tensors_ok or not extras_ok:
        raise ValueError(f"'{path}' is damaged: its state_dict or extra_state holds something other than tensors.")
    stored_digest, metadata_json = payload.get("sha256"), payload["metadata_json"]
    if not isinstance(metadata_json, str):
        raise ValueError(f"'{path}' is damaged: its metadata is not JSON text.")
    if stored_digest is None:
        raise ValueError(
            f"'{path}' has no sha256 digest (written by an art_am older than checkpoint format "
            f"{FORMAT_VERSION}, or altered); its weights cannot be verified. Re-save it with save_checkpoint."
        )
    if checkpoint_digest(state, extras, metadata_json) != stored_digest:
        raise ValueError(f"'{path}' is corrupted: its weights or metadata do not match their SHA-256 digest.")
    try:
        metadata = json.loads(metadata_json)
    except (TypeError, ValueError) as error:
        raise ValueError(f"'{path}' has unreadable metadata JSON: {error}") from error
    if not isinstance(metadata, dict):
        raise ValueError(f"'{path}': its metadata must be a JSON object, got {type(metadata).__name__}.")
    return {
        "format_version": payload.get("format_version"),
        "state_dict": state,
        "extra_state": extras,
        "metadata_json": metadata_json,
        "sha256": stored_digest,
        "metadata": metadata,
    }
