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
Validation of model outputs handed to a defence, and their conversion to probabilities.

ART passes a postprocessor whatever the model returns: logits unless the model ends in a softmax. A defence that
blends or perturbs probabilities must know which it got. ``preds_type`` says it: ``"logits"`` (softmax applied),
``"probabilities"`` (checked to lie on the simplex, else an error) or ``"auto"``: probabilities when every row is
non-negative and sums to 1 (within ``SIMPLEX_TOLERANCE``), logits otherwise. Logits whose every row happens to lie on
the simplex would be taken for probabilities by ``"auto"``; pass the type explicitly where that matters.

The opposite mistake gets a warning: outputs declared ``"logits"`` whose every row lies on the simplex (within
``SOFTMAX_OUTPUT_TOLERANCE``) may come from a model ending in a softmax, and softmaxing them again would flatten every
answer (Adaptive Misinformation would then misinform all benign traffic). They are still served as logits: such rows
are valid logits too (a batch of one, two classes), and the declaration is the user's.
"""

from __future__ import annotations

import warnings

import numpy as np

from art_am.validation import check_choice

PREDS_TYPES = ("auto", "logits", "probabilities")
SIMPLEX_TOLERANCE = 1e-3
# How close to the simplex every row of a batch must lie to be taken for the output of a softmax layer.
SOFTMAX_OUTPUT_TOLERANCE = 1e-4


def check_predictions(preds: np.ndarray, name: str = "preds", nb_classes: int | None = None) -> np.ndarray:
    """
    :param preds: Model outputs.
    :param name: Argument name for error messages.
    :param nb_classes: Expected number of columns, if known.
    :return: ``preds`` as a float64 array.
    :raises ValueError: If not 2-D with at least 2 columns, not finite, or with the wrong number of classes.
    """
    array = np.asarray(preds)
    if array.ndim != 2 or array.shape[1] < 2:
        raise ValueError(f"{name} must be shaped (nb_samples, nb_classes) with nb_classes >= 2, got {array.shape}.")
    if not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
        raise ValueError(f"{name} must be real numbers (float or integer), got dtype {array.dtype}.")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or inf in {int((~np.isfinite(array)).any(axis=1).sum())} row(s).")
    if nb_classes is not None and array.shape[1] != nb_classes:
        raise ValueError(f"{name} has {array.shape[1]} classes but {nb_classes} were expected.")
    return array.astype(np.float64, copy=False)


def on_simplex(preds: np.ndarray, tolerance: float = SIMPLEX_TOLERANCE) -> np.ndarray:
    """
    :param preds: ``(N, K)`` array.
    :param tolerance: Allowed deviation of each row sum from 1.
    :return: Boolean ``(N,)``: row is non-negative and sums to 1.
    """
    return (preds >= 0).all(axis=1) & (np.abs(preds.sum(axis=1) - 1.0) <= tolerance)


def top1_one_hot(preds: np.ndarray, nb_classes: int | None = None) -> np.ndarray:
    """
    :param preds: ``(N, K)`` scores (probabilities or logits).
    :param nb_classes: Width of the result (default ``K``).
    :return: ``(N, nb_classes)`` float32 one-hot rows of each row's first argmax: the labels of an attacker who keeps
             only the top-1 class of an answer.
    """
    preds = np.asarray(preds)
    return np.eye(preds.shape[1] if nb_classes is None else nb_classes, dtype=np.float32)[preds.argmax(axis=1)]


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """
    :param logits: ``(N, K)`` logits.
    :param temperature: Softmax temperature (> 0).
    :return: Row-wise softmax, float64.
    """
    shifted = logits / temperature
    shifted = shifted - shifted.max(axis=1, keepdims=True)
    exponentials = np.exp(shifted)
    return exponentials / exponentials.sum(axis=1, keepdims=True)


def as_logits(preds: np.ndarray, preds_type: str = "auto") -> np.ndarray | None:
    """
    :param preds: ``(N, K)`` model outputs, already validated by :func:`to_probabilities`.
    :param preds_type: As in :func:`to_probabilities`.
    :return: ``preds`` as float64 logits when they are logits (declared, or not on the simplex under ``"auto"``),
             else None (probabilities carry no logits: ``log p`` loses each row's offset).
    """
    array = np.asarray(preds, dtype=np.float64)
    if preds_type == "logits" or (preds_type == "auto" and not on_simplex(array).all()):
        return array
    return None


def to_probabilities(
    preds: np.ndarray, preds_type: str = "auto", name: str = "preds", nb_classes: int | None = None
) -> np.ndarray:
    """
    Validate model outputs and return them as probabilities.

    :param preds: ``(N, K)`` logits or probabilities.
    :param preds_type: ``"logits"``, ``"probabilities"`` or ``"auto"`` (see the module docstring).
    :param name: Argument name for error messages.
    :param nb_classes: Expected number of classes, if known.
    :return: ``(N, K)`` float64 probabilities, rows renormalised to sum to exactly 1.
    :raises ValueError: On bad shapes or values, an unknown ``preds_type``, or non-probabilities declared
                        ``"probabilities"`` (declared logits that lie on the simplex only warn).
    """
    check_choice(preds_type, "preds_type", PREDS_TYPES)
    array = check_predictions(preds, name, nb_classes)
    if preds_type == "logits":
        if len(array) and on_simplex(array, SOFTMAX_OUTPUT_TOLERANCE).all():
            warnings.warn(
                f"{name} was declared logits (preds_type='logits') but every row is a probability vector: if the "
                "model ends in a softmax, a second softmax flattens its answers; use preds_type='probabilities' (or "
                "'auto') then. Served as logits, as declared.",
                UserWarning,
                stacklevel=3,
            )
        return softmax(array)
    simplex_rows = on_simplex(array)
    if simplex_rows.all():
        return array / array.sum(axis=1, keepdims=True)
    if preds_type == "probabilities":
        bad = int(np.flatnonzero(~simplex_rows)[0])
        raise ValueError(
            f"{name} was declared probabilities but row {bad} (sum {array[bad].sum():.4g}, min {array[bad].min():.4g}) "
            "is not on the simplex; the model probably returns logits: use preds_type='logits'."
        )
    return softmax(array)
