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
A stolen clone read through a decoder: the adaptive attacker against Adaptive Misinformation's systematic wrong answers.

AM answers out-of-distribution queries with a misinformation model trained to give the true class no probability, so a
KnockoffNets clone learns those wrong answers *consistently*. An attacker who knows this holds a few unlabelled images
of the task (JBDA's seeds), asks the defended model for their labels (answered truthfully where they look
in-distribution), and fits a multinomial logistic regression from its clone's log-probabilities on them to those labels:
the decoder maps the clone's consistent misinformation back to classes. On an undefended victim the decoder learns
(close to) the identity.

| Paper link (Adaptive Misinformation): https://arxiv.org/abs/1911.07100
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import log_softmax
from sklearn.linear_model import LogisticRegression

from art_am.validation import check_integer


class DecodedClone:
    """
    A clone (any estimator with ``predict(x, batch_size)`` returning logits) whose answers pass through a decoder
    fitted on labelled images: ``predict`` returns the decoder's class probabilities, ``(N, nb_classes)``.
    """

    def __init__(self, clone: Any, x: np.ndarray, labels: np.ndarray, nb_classes: int, batch_size: int = 1024) -> None:
        """
        :param clone: The stolen model.
        :param x: The attacker's labelled images (labels of one class give the constant decoder).
        :param labels: Their labels ``(N,)`` (e.g. the defended model's top-1 answers to them).
        :param nb_classes: The task's number of classes.
        :param batch_size: Rows per forward pass of the clone.
        :raises ValueError: If the labels are not class indices below ``nb_classes`` matching ``x``.
        """
        check_integer(nb_classes, "nb_classes", low=2)
        check_integer(batch_size, "batch_size", low=1)
        labels = np.asarray(labels)
        if labels.shape != (len(x),) or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(
                f"labels must be {len(x)} class indices (integers, shape (N,)), got {labels.dtype} {labels.shape}."
            )
        if labels.min(initial=0) < 0 or labels.max(initial=0) >= nb_classes:
            raise ValueError(f"labels must lie in 0..{nb_classes - 1}, got {labels.min()}..{labels.max()}.")
        self.clone = clone
        self.nb_classes = nb_classes
        self.batch_size = batch_size
        # Labels of one class (a defence that answers every labelled image alike) admit only the constant decoder.
        classes = np.unique(labels)
        self.decoder = None if len(classes) < 2 else LogisticRegression(max_iter=2000).fit(self._features(x), labels)
        self.classes = classes

    def _features(self, x: np.ndarray) -> np.ndarray:
        return log_softmax(np.asarray(self.clone.predict(x, batch_size=self.batch_size), dtype=np.float64), axis=1)

    def predict(self, x: np.ndarray, batch_size: int | None = None) -> np.ndarray:
        """
        :param x: Images.
        :param batch_size: Unused (the clone's batch size is set at construction); accepted as ART estimators take it.
        :return: ``(N, nb_classes)`` decoded class probabilities (zero for classes the labelled images never showed).
        """
        del batch_size
        decoded = np.zeros((len(x), self.nb_classes))
        if self.decoder is None:
            decoded[:, self.classes[0]] = 1.0
        else:
            decoded[:, self.decoder.classes_] = self.decoder.predict_proba(self._features(x))
        return decoded
