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
The input checks every extraction attack of this package runs (JBDA, its detector-aware variant, the selective
attackers): the attacker's images, the victim's answers and the thief, each refused with a message naming the argument.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from art.estimators.classification.classifier import ClassGradientsMixin, ClassifierMixin

from art_am.defences.probabilities import on_simplex, top1_one_hot


def check_attacker_images(x: Any, estimator: Any, name: str) -> np.ndarray:
    """
    :param x: The attacker's images (JBDA's seeds, a query pool).
    :param estimator: The victim, whose ``clip_values`` the images must respect.
    :param name: How the images are called in messages, e.g. ``"x (the seed images)"``.
    :return: The images as float32, checked to be non-empty, numeric, finite and inside the victim's ``clip_values``.
    :raises ValueError: Otherwise.
    """
    array = np.asarray(x)
    if not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)) or not len(array):
        raise ValueError(f"{name} must be a non-empty numeric array, got shape {array.shape} of {array.dtype}.")
    points = array.astype(np.float32)
    if not np.isfinite(points).all():
        bad = int((~np.isfinite(points.reshape(len(points), -1))).any(axis=1).sum())
        raise ValueError(f"{name} contains NaN or inf in {bad} image(s).")
    clip_values = getattr(estimator, "clip_values", None)
    if clip_values is not None and (points.min() < clip_values[0] or points.max() > clip_values[1]):
        raise ValueError(
            f"{name} lies in [{points.min():g}, {points.max():g}] but the victim's clip_values are "
            f"({clip_values[0]:g}, {clip_values[1]:g}); scale the images as the victim expects (e.g. uint8 / 255)."
        )
    return points


def victim_labels(outputs: np.ndarray, use_probability: bool) -> np.ndarray:
    """
    :param outputs: The victim's answers ``(N, K)``.
    :param use_probability: Train on them as probabilities (True) or as one-hot top-1 labels (False).
    :return: The training labels.
    :raises ValueError: With ``use_probability=True`` when the answers are not probabilities (logits would be learnt
                        as if they were).
    """
    outputs = np.asarray(outputs, dtype=np.float32)
    if not use_probability:
        return top1_one_hot(outputs)
    if len(outputs) and not on_simplex(outputs).all():
        raise ValueError(
            "use_probability=True but the victim's outputs are not probabilities (they look like logits): give "
            "the victim a model ending in a softmax or a defence that returns probabilities, or set "
            "use_probability=False."
        )
    return outputs


def check_thief(thief: Any, use_probability: bool, needs_gradients: bool = False) -> None:
    """
    :param thief: The ``thieved_classifier`` argument.
    :param use_probability: Whether it will be trained on probabilities.
    :param needs_gradients: Whether the attack needs its class gradients (JBDA).
    :raises ValueError: If it is not an ART classifier (with class gradients when needed), or if it would be trained
                        on probabilities with a loss for which ART reduces soft labels to their argmax.
    """
    if not isinstance(thief, ClassifierMixin) or (needs_gradients and not isinstance(thief, ClassGradientsMixin)):
        wanted = (
            "an ART classifier with class gradients (ClassGradientsMixin)" if needs_gradients else "an ART classifier"
        )
        raise ValueError(f"thieved_classifier must be {wanted}, e.g. a PyTorchClassifier; got {type(thief).__name__}.")
    # ART imports its PyTorch estimator only where torch is installed; other frameworks' thieves are not checked.
    from art.estimators.classification import PyTorchClassifier  # pylint: disable=import-outside-toplevel

    if use_probability and isinstance(thief, PyTorchClassifier):
        import torch  # pylint: disable=import-outside-toplevel

        loss = thief._loss  # pylint: disable=protected-access
        if not isinstance(loss, torch.nn.CrossEntropyLoss):
            raise ValueError(
                f"use_probability=True but the thief's loss is {type(loss).__name__}: ART reduces soft labels to "
                "their argmax for it. Use torch.nn.CrossEntropyLoss to train on probabilities."
            )


def check_thief_classes(thief: Any, nb_classes: int) -> None:
    """
    :raises ValueError: If the thief's class count differs from the victim's.
    """
    if thief.nb_classes != nb_classes:
        raise ValueError(f"thieved_classifier has {thief.nb_classes} classes but the victim answers with {nb_classes}.")


__all__ = ["check_attacker_images", "check_thief", "check_thief_classes", "victim_labels"]
