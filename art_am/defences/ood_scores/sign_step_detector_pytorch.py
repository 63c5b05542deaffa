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
A learned detector of gradient-sign perturbed queries (JBDA, its variants, FGSM-style steps), as an in-distribution
score.

JBDA's queries are in-distribution images plus ``lambda * sign(gradient)``, possibly several such steps. The defender
cannot know the attacker's gradient, but the perturbation's form is known: a step of one size on every pixel, with a
sign that changes from pixel to pixel. A small convolutional network (a fixed diagonal high-pass filter, then four
convolutions and global pooling) learns to tell the defender's own training images from copies perturbed by
:func:`sign_step_perturbation`: one to ``max_steps`` steps of a random size (log-uniform over ``step_range``), with
independent random signs or signs of smoothed noise (gradient signs are spatially correlated), clipped to the input
range and rounded to the 8-bit grid, so that the detector cannot rely on the perturbed values falling between grey
levels (an attacker would round them). The score is minus the detector's logit.

Unlike a fixed noise statistic, it keeps working on textured images (Fashion-MNIST), where the clean images' own
fine-scale detail hides small steps from a noise-level estimate.

``family="broad"`` trains against a wider family, so that the detector does not depend on the exact form of JBDA's
step: each step's profile is drawn from signs of independent or spatially smoothed noise, continuous
noise magnitudes (independent or smoothed over 3x3 or 5x5), and smoothed sign maps, and is kept on a random share of
the pixels (all, or 10-60 %); step sizes are log-uniform over ``step_range``. Every JBDA-like step of bounded size
moves pixels by such a profile; which forms an attacker uses is not assumed.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from art_am.defences.ood_scores.base import OODScore
from art_am.inference import batched_outputs
from art_am.validation import check_choice, check_integer, check_real

FAMILIES = ("sign", "broad")


def _broad_profiles(shape: tuple[int, ...], generator: torch.Generator) -> torch.Tensor:
    """
    :return: One step profile per image with values in [-1, 1] (see the module description), drawn per image.
    """
    noise = torch.randn(shape, generator=generator)
    smooth3 = nn.functional.avg_pool2d(torch.randn(shape, generator=generator), 3, 1, 1, count_include_pad=False)
    smooth5 = nn.functional.avg_pool2d(torch.randn(shape, generator=generator), 5, 1, 2, count_include_pad=False)

    def unit(t: torch.Tensor) -> torch.Tensor:
        return t / t.abs().amax(dim=(1, 2, 3), keepdim=True).clamp_min(1e-12)

    smoothed_signs = nn.functional.avg_pool2d(torch.sign(noise), 3, 1, 1, count_include_pad=False)
    candidates = torch.stack(
        [torch.sign(noise), torch.sign(smooth3), unit(noise), unit(smooth3), unit(smooth5), smoothed_signs]
    )
    choice = torch.randint(0, len(candidates), (shape[0],), generator=generator)
    profile = candidates[choice, torch.arange(shape[0])]
    share = torch.empty(shape[0], 1, 1, 1).uniform_(0.1, 0.6, generator=generator)
    sparse = torch.rand(shape[0], 1, 1, 1, generator=generator) < 0.5
    mask = torch.where(sparse, (torch.rand(shape, generator=generator) < share).float(), torch.ones(shape))
    return profile * mask


def sign_step_perturbation(
    x: torch.Tensor,
    generator: torch.Generator,
    step_range: tuple[float, float] = (0.005, 0.15),
    max_steps: int = 3,
    clip_values: tuple[float, float] = (0.0, 1.0),
    levels: int = 255,
    family: str = "sign",
) -> torch.Tensor:
    """
    Synthetic queries of the kind JBDA sends, for training the detector.

    :param x: Clean images ``(N, C, H, W)``.
    :param generator: Random generator.
    :param step_range: Smallest and largest step, as fractions of the input range (log-uniform between them).
    :param max_steps: Each image gets 1 to ``max_steps`` steps.
    :param clip_values: Input range.
    :param levels: The result is rounded to this many steps of the input range (255 for 8-bit images).
    :param family: ``"sign"`` (JBDA's signed steps) or ``"broad"`` (see the module description).
    :return: Perturbed images, same shape.
    """
    low, high = clip_values
    width = high - low
    count = len(x)
    shape = (count, 1, 1, 1)
    steps = torch.exp(
        torch.empty(shape).uniform_(float(np.log(step_range[0])), float(np.log(step_range[1])), generator=generator)
    )
    nb_steps = torch.randint(1, max_steps + 1, shape, generator=generator)
    correlated = torch.rand(shape, generator=generator) < 0.5
    perturbed = x.clone()
    for index in range(max_steps):
        if family == "broad":
            signs = _broad_profiles(tuple(x.shape), generator)
        else:
            independent = torch.sign(torch.randn(x.shape, generator=generator))
            smoothed = torch.sign(nn.functional.avg_pool2d(torch.randn(x.shape, generator=generator), 3, 1, 1))
            signs = torch.where(correlated, smoothed, independent)
        stepped = torch.clamp(perturbed + steps * width * signs, low, high)
        perturbed = torch.where(index < nb_steps, stepped, perturbed)
    return torch.round((perturbed - low) / width * levels) / levels * width + low


class SignStepNetworkPyTorch(nn.Module):
    """
    The detector: the input and its diagonal Haar high-pass (fixed), four 3x3 convolutions, global mean and max
    pooling, and a linear logit (positive: perturbed). Works for any image size of at least 2x2.
    """

    def __init__(self, in_channels: int = 1, width: int = 16) -> None:
        super().__init__()
        self.high_pass = nn.Conv2d(in_channels, in_channels, 2, bias=False, groups=in_channels)
        self.high_pass.weight.data.copy_(torch.tensor([[0.5, -0.5], [-0.5, 0.5]]).expand(in_channels, 1, 2, 2))
        self.high_pass.weight.requires_grad_(False)
        self.body = nn.Sequential(
            nn.Conv2d(2 * in_channels, width, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(width, width, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, padding=1, stride=2),
            nn.ReLU(),
            nn.Conv2d(2 * width, 2 * width, 3, padding=1),
            nn.ReLU(),
        )
        self.logit = nn.Linear(4 * width, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # The residual is tiny next to the image (a step of 0.01 gives 0.01): scaled up so both start on par.
        residual = nn.functional.pad(self.high_pass(x), (0, 1, 0, 1)) * 10.0
        hidden = self.body(torch.cat([x, residual], dim=1))
        return self.logit(torch.cat([hidden.mean(dim=(2, 3)), hidden.amax(dim=(2, 3))], dim=1)).squeeze(1)


class SignStepDetectorPyTorch(OODScore):
    """
    Minus the logit of a network trained to detect gradient-sign steps (see the module description). Fit it on the
    defender's training images; needs the queries ``(N, C, H, W)``.
    """

    name = "sign-detector"
    fit_needs = ("x",)
    fit_needs_what = "the clean in-distribution images"
    needs_input = True

    def __init__(
        self,
        in_channels: int = 1,
        step_range: tuple[float, float] = (0.005, 0.15),
        max_steps: int = 3,
        clip_values: tuple[float, float] = (0.0, 1.0),
        epochs: int = 1,
        batch_size: int = 128,
        learning_rate: float = 1e-3,
        seed: int = 0,
        device: str = "cpu",
        family: str = "sign",
    ) -> None:
        """
        :param in_channels: Image channels.
        :param step_range: Range of the training steps, as fractions of the input range; ``0 < low <= high``.
        :param max_steps: Most steps per training image (>= 1).
        :param clip_values: Input range ``(low, high)``.
        :param epochs: Training epochs over the clean images (each batch is paired with a perturbed copy).
        :param batch_size: Clean images per training batch, and rows per scoring pass.
        :param learning_rate: Adam's learning rate.
        :param seed: Seed of initialisation, order and perturbations.
        :param device: Torch device of the detector.
        :param family: The perturbations it learns to detect: ``"sign"`` or ``"broad"`` (see the module description).
        """
        if not 0 < step_range[0] <= step_range[1]:
            raise ValueError(f"step_range must be (low, high) with 0 < low <= high, got {step_range!r}.")
        if not clip_values[0] < clip_values[1]:
            raise ValueError(f"clip_values must be (low, high) with low < high, got {clip_values!r}.")
        for name, value in (("in_channels", in_channels), ("max_steps", max_steps), ("epochs", epochs)):
            check_integer(value, name, low=1)
        check_integer(batch_size, "batch_size", low=1)
        check_real(learning_rate, "learning_rate", low=0.0, low_open=True)
        check_integer(seed, "seed", low=0)
        check_choice(family, "family", FAMILIES)
        self.family = family
        self.step_range, self.max_steps, self.clip_values = step_range, max_steps, clip_values
        self.epochs, self.batch_size, self.learning_rate, self.seed = epochs, batch_size, learning_rate, seed
        with torch.random.fork_rng(devices=[]):  # seeded initialisation without touching the global generator
            torch.manual_seed(seed)
            self.network = SignStepNetworkPyTorch(in_channels).to(device)
        self.fitted = False

    def _fit(
        self, x: np.ndarray | None, y: np.ndarray | None, probabilities: np.ndarray | None, logits: np.ndarray | None
    ) -> None:
        """
        Train the detector on clean in-distribution images against their sign-step perturbed copies.

        :param x: Clean training images ``(N, C, H, W)`` in ``clip_values``; the detector is label-free.
        """
        del y, probabilities, logits
        assert x is not None  # fit checked fit_needs
        generator = torch.Generator().manual_seed(self.seed)
        clean_images = torch.as_tensor(np.asarray(x, dtype=np.float32))
        device = next(self.network.parameters()).device
        trainable = [p for p in self.network.parameters() if p.requires_grad]
        optimiser = torch.optim.Adam(trainable, lr=self.learning_rate)
        self.network.train()
        for _ in range(self.epochs):
            order = torch.randperm(len(clean_images), generator=generator)
            for begin in range(0, len(order), self.batch_size):
                clean = clean_images[order[begin : begin + self.batch_size]]
                perturbed = sign_step_perturbation(
                    clean, generator, self.step_range, self.max_steps, self.clip_values, family=self.family
                )
                detector_logits = self.network(torch.cat([clean, perturbed]).to(device))
                labels = torch.cat([torch.zeros(len(clean)), torch.ones(len(clean))]).to(device)
                loss = nn.functional.binary_cross_entropy_with_logits(detector_logits, labels)
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
        self.network.eval()
        self.fitted = True

    @property
    def is_fitted(self) -> bool:
        return self.fitted

    def _score(self, probabilities: np.ndarray, logits: np.ndarray | None, x: np.ndarray | None) -> np.ndarray:
        assert x is not None  # checked by __call__
        images = np.asarray(x, dtype=np.float32)
        if images.ndim != 4:
            raise ValueError(f"The sign-detector score needs images shaped (N, C, H, W), got {images.shape}.")
        detector_logits = batched_outputs(self.network, self.network, images, self.batch_size)
        return -detector_logits.numpy().astype(np.float64).ravel()

    def state_dict(self) -> dict[str, torch.Tensor]:
        if not self.fitted:
            raise ValueError("The sign-detector score is not fitted: nothing to save.")
        return {key: value.detach().cpu() for key, value in self.network.state_dict().items()}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> SignStepDetectorPyTorch:
        try:
            self.network.load_state_dict(state)
        except RuntimeError as error:
            raise ValueError(f"The sign-detector score's state does not fit its network: {error}") from error
        self.network.eval()
        self.fitted = True
        return self

    def __repr__(self) -> str:
        # The benchmark keys its cached detectors by this text: it keeps the class's earlier name, so that the
        # detectors trained before the rename stay valid.
        family = "" if self.family == "sign" else f", family={self.family!r}"
        return (
            f"SignStepDetector(step_range={self.step_range}, max_steps={self.max_steps}, epochs={self.epochs}{family})"
        )


# The names before ART's naming rule (PyTorch-only classes carry the suffix), kept for existing code.
SignStepDetector = SignStepDetectorPyTorch
SignStepNetwork = SignStepNetworkPyTorch
