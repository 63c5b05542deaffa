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
How an input-aware postprocessor (Adaptive Misinformation, Prediction Poisoning) sees the query ``x``.

ART calls a postprocessor with the model outputs only: ``defence(preds)`` from ``estimator._apply_postprocessing``,
which every ART estimator calls from a method that has the query as its argument ``x`` (``predict(self, x, ...)``).
So the postprocessor walks up the calling frames of its own thread to the first frame whose ``self`` is an estimator
listing this very postprocessor in ``postprocessing_defences`` and that has a local ``x``, and takes that ``x``.

Why this and not a hook: frames belong to the calling thread, so concurrent ``predict`` calls cannot see each
other's queries, nothing is stored between calls, the whole ``x`` of that call is seen (any ``batch_size``), and it
works for ``nn.Sequential`` models whose forward hooks ART bypasses. Limits: it needs CPython frame introspection and
ART's argument name ``x``; the ``x`` is the raw input, before ART's preprocessing. When no such frame exists the
caller gets an error telling it to pass ``x=`` explicitly; a length mismatch is an error too, never a guess.
The clean upstream fix is a backward-compatible ``Postprocessor.__call__(preds, x=None)`` (see docs/upstream.md).
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

# ART versions on which the frame mechanism was checked by tests/test_art_contract.py.
SUPPORTED_ART_VERSIONS = ">=1.17,<1.21"


def _lists_postprocessor(owner: Any, postprocessor: Any) -> bool:
    defences = getattr(owner, "postprocessing_defences", None)
    if not defences:
        return False
    return any(defence is postprocessor for defence in defences)


def find_query_input(postprocessor: Any, preds: np.ndarray, x: np.ndarray | None = None) -> tuple[np.ndarray, Any]:
    """
    Return the query whose outputs ``preds`` the postprocessor is processing, and the estimator that called it.

    :param postprocessor: The calling postprocessor (compared by identity).
    :param preds: The outputs being post-processed, ``(N, K)``.
    :param x: The query, when the caller passes it directly; it is then only checked.
    :return: ``(query, estimator)``: the query array ``(N, ...)``, raw (before the estimator's preprocessing), and the
             calling estimator (None when ``x`` was passed directly).
    :raises ValueError: If no calling ART estimator lists the postprocessor, or if ``x`` and ``preds`` differ in length.
    """
    name = type(postprocessor).__name__
    estimator = None
    if x is None:
        frame = sys._getframe(1)  # pylint: disable=protected-access
        while frame is not None:
            local_vars = frame.f_locals
            if "x" in local_vars and _lists_postprocessor(local_vars.get("self"), postprocessor):
                x, estimator = local_vars["x"], local_vars["self"]
                break
            frame = frame.f_back  # type: ignore[assignment]
        del frame
        if x is None:
            raise ValueError(
                f"{name} needs the query x but was not called from the predict method of an ART estimator that lists "
                f"it in postprocessing_defences. Call it as {name.lower()}(preds, x=x)."
            )
    x_array = np.asarray(x)
    if len(x_array) != len(preds):
        raise ValueError(f"{name}: x has {len(x_array)} rows but preds has {len(preds)}; they must be the same query.")
    return x_array, estimator
