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
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any

import torch
from torch import nn

from art_am.models import create_model


def save_checkpoint(
    path: str | os.PathLike,
    model: nn.Module,
    metadata: dict[str, Any],
    extra_state: dict[str, dict[str, torch.Tensor]] | None = None,
) -> None:
    """
    Save weights and metadata atomically (write to a temporary file, then rename).

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
    folder = os.path.dirname(os.fspath(path)) or "."
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
    os.close(handle)
    try:
        torch.save({"state_dict": state, "metadata_json": metadata_json, "extra_state": extras}, temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def load_checkpoint(
    path: str | os.PathLike, model: nn.Module | None = None, device: str = "cpu"
) -> tuple[nn.Module, dict[str, Any]]:
    """
    Load a checkpoint written by :func:`save_checkpoint`.

    :param path: Checkpoint file.
    :param model: Module to load the weights into; if None it is built from the metadata's ``architecture``,
                  ``num_classes`` and ``model_kwargs``.
    :param device: Device to put the model on.
    :return: ``(model in eval mode, metadata)``.
    :raises FileNotFoundError: If the file is missing.
    :raises ValueError: If the file is not such a checkpoint or the model cannot be built.
    """
    payload = _load_payload(path)
    metadata = json.loads(payload["metadata_json"])
    if model is None:
        if "architecture" not in metadata:
            raise ValueError(f"'{path}' has no 'architecture' in its metadata; pass the model to load into.")
        model = create_model(
            metadata["architecture"], metadata.get("num_classes", 10), **metadata.get("model_kwargs", {})
        )
    model.load_state_dict(payload["state_dict"])
    return model.to(device).eval(), metadata


def load_extra_state(path: str | os.PathLike) -> dict[str, dict[str, torch.Tensor]]:
    """
    :param path: Checkpoint file written by :func:`save_checkpoint`.
    :return: Its ``extra_state`` (empty for checkpoints saved without one).
    """
    return _load_payload(path).get("extra_state", {})


def _load_payload(path: str | os.PathLike) -> dict[str, Any]:
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No checkpoint at '{path}'.")
    payload = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(payload, dict) or "state_dict" not in payload or "metadata_json" not in payload:
        raise ValueError(f"'{path}' is not an art_am checkpoint (expected keys 'state_dict' and 'metadata_json').")
    return payload
