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
An input-space score aimed at synthetic, gradient-sign perturbed queries (JBDA and its variants, FGSM-style steps).

JBDA's queries are in-distribution images plus ``lambda * sign(gradient)``: a step of the same size on every pixel
whose sign changes from pixel to pixel. The defender's softmax stays confident on them, but they carry pixel-level
noise that natural images lack. The score is minus the noise level of the image, estimated robustly as Donoho and
Johnstone's ``sigma = median(|HH|) / 0.6745`` of the finest diagonal Haar wavelet coefficients
``HH = (x[2i, 2j] - x[2i, 2j+1] - x[2i+1, 2j] + x[2i+1, 2j+1]) / 2``. The median ignores edges and strokes (a minority
of 2x2 blocks), so natural images score near zero noise, while a sign step of size lambda puts most blocks' ``|HH|``
at about lambda. The score is in 8-bit grey levels (1/255 of the input range), so that Adaptive Misinformation's
steep switch (nu = 1000 per unit of score) separates a fraction of a grey level.

| Paper link: https://doi.org/10.1093/biomet/81.3.425 (the noise estimator)
"""

from __future__ import annotations

import numpy as np

from art_am.defences.ood_scores.base import OODScore
from art_am.validation import check_bool, check_real

# median(|N(0, 1)|): makes the estimate the standard deviation of Gaussian noise
_GAUSSIAN_MAD = 0.6745


class NoiseLevel(OODScore):
    """
    Minus the robust wavelet estimate of each query's pixel noise level in grey levels (higher: cleaner, more like
    natural images).
    Needs the queries ``(N, C, H, W)`` (or ``(N, H, W, C)`` with ``channels_first=False``, or ``(N, H, W)``), with
    ``H, W >= 2``.
    """

    name = "noise-level"
    needs_input = True
    bounds = (-np.inf, 0.0)

    def __init__(self, channels_first: bool = True, input_range: float = 1.0) -> None:
        """
        :param channels_first: Whether 4-D queries are ``(N, C, H, W)`` (ART's PyTorch convention) or ``(N, H, W, C)``.
        :param input_range: Width of the input's value range (1 for [0, 1] images, 255 for [0, 255]); the score is in
               1/255 of it.
        """
        check_bool(channels_first, "channels_first")
        check_real(input_range, "input_range", low=0.0, low_open=True)
        self.channels_first = channels_first
        self.input_range = float(input_range)

    def noise_level(self, x: np.ndarray) -> np.ndarray:
        """
        :param x: Queries.
        :return: ``(N,)`` estimated noise standard deviations, in grey levels (1/255 of ``input_range``).
        """
        images = np.asarray(x, dtype=np.float64)
        if images.ndim == 3:
            images = images[:, None]
        elif images.ndim == 4 and not self.channels_first:
            images = images.transpose(0, 3, 1, 2)
        if images.ndim != 4 or images.shape[2] < 2 or images.shape[3] < 2:
            raise ValueError(
                "The noise-level score needs images shaped (N, C, H, W), (N, H, W, C) or (N, H, W) with H, W >= 2, "
                f"got {np.shape(x)}."
            )
        images = images[:, :, : images.shape[2] // 2 * 2, : images.shape[3] // 2 * 2]
        diagonal = (images[:, :, 0::2, 0::2] - images[:, :, 0::2, 1::2] - images[:, :, 1::2, 0::2]) + images[
            :, :, 1::2, 1::2
        ]
        sigma = np.median(np.abs(diagonal / 2.0).reshape(len(images), -1), axis=1) / _GAUSSIAN_MAD
        return sigma * 255.0 / self.input_range

    def _score(self, probabilities: np.ndarray, logits: np.ndarray | None, x: np.ndarray | None) -> np.ndarray:
        assert x is not None  # checked by __call__
        return -self.noise_level(x)

    def __repr__(self) -> str:
        return f"NoiseLevel(channels_first={self.channels_first}, input_range={self.input_range})"
