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
A JBDA attacker who knows the defence's code: the sign-step detector of Adaptive Misinformation's combined
score is public, so the attacker trains its own copy on its seed images and, for every synthetic point, sends the form
of the Jacobian step that its copy finds least perturbed. Every form moves each changed pixel in the direction of the
sign of the thief's Jacobian (the direction JBDA needs), within the same L-infinity step, and costs one query, so the
query budget is JBDA's. With ``optimise_iterations > 0`` the attacker also optimises the step against its copy's
gradient (:func:`optimised_step`): per-pixel magnitudes of the signed step, found by projected gradient descent on the
copy's logit, with a floor on how far the point moves.

| Paper link: https://arxiv.org/abs/1602.02697 (JBDA); https://arxiv.org/abs/2002.08347 (adaptive attacks)
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from art_am.attacks.jacobian_augmentation import JacobianDatasetAugmentation
from art_am.defences.ood_scores import SignStepDetector
from art_am.defences.ood_scores.sign_step_detector_pytorch import FAMILIES
from art_am.validation import check_choice, check_integer, check_real

# name -> what the form does to the signed step (all keep sign(step) = sign(gradient) where a pixel moves)
STEP_FORMS = ("sign", "gradient", "smooth", "sparse", "half", "quarter")


def step_forms(gradients: np.ndarray, step: float, forms: tuple[str, ...] = STEP_FORMS) -> np.ndarray:
    """
    :param gradients: ``(N, C, H, W)`` input gradients.
    :param step: The signed step size lambda.
    :param forms: Which forms, from :data:`STEP_FORMS`:

        - ``sign``: ``lambda * sign(g)`` (Papernot's step);
        - ``gradient``: ``lambda * g / max|g|`` per image (the gradient's own magnitudes);
        - ``smooth``: the sign map averaged over 3x3 neighbourhoods (a low-frequency step);
        - ``sparse``: ``lambda * sign(g)`` on the quarter of pixels with the largest ``|g|``, zero elsewhere;
        - ``half`` / ``quarter``: ``lambda / 2`` and ``lambda / 4`` times ``sign(g)``.
    :return: ``(len(forms), N, C, H, W)`` perturbations.
    """
    unknown = set(forms) - set(STEP_FORMS)
    if unknown or not forms:
        raise ValueError(f"step_forms must be a non-empty subset of {STEP_FORMS}, got {forms!r}.")
    signs = np.sign(gradients)
    flat = np.abs(gradients).reshape(len(gradients), -1)
    largest = np.maximum(flat.max(axis=1), 1e-30).reshape(-1, *([1] * (gradients.ndim - 1)))
    out = []
    for form in forms:
        if form == "sign":
            out.append(step * signs)
        elif form == "gradient":
            out.append(step * gradients / largest)
        elif form == "smooth":
            channels = gradients.shape[1]
            with torch.no_grad():
                smoothed = nn.functional.avg_pool2d(
                    torch.as_tensor(signs, dtype=torch.float32), 3, stride=1, padding=1, count_include_pad=False
                ).numpy()
            # where smoothing flipped a pixel's sign against the gradient, that pixel does not move
            out.append(
                step * np.where(np.sign(smoothed) == signs, smoothed, 0.0).reshape(-1, channels, *gradients.shape[2:])
            )
        elif form == "sparse":
            cut = np.quantile(flat, 0.75, axis=1).reshape(largest.shape)
            out.append(step * signs * (np.abs(gradients) >= cut))
        else:
            out.append((0.5 if form == "half" else 0.25) * step * signs)
    return np.stack(out).astype(np.float32)


def _project_magnitudes(magnitudes: torch.Tensor, min_movement: float) -> torch.Tensor:
    """
    Euclidean projection of each image's magnitudes onto ``{m in [0, 1]^d : mean(m) >= min_movement}``: clip to the box
    and, where the mean falls short, add the per-image shift ``t >= 0`` that makes ``mean(clip(m + t, 0, 1))`` reach
    the floor (found by bisection: the mean grows monotonically with ``t``).
    """
    clipped = magnitudes.clamp(0.0, 1.0)
    short = clipped.flatten(1).mean(dim=1) < min_movement
    if not bool(short.any()):
        return clipped
    rows = magnitudes[short]
    low = rows.new_zeros(len(rows), *([1] * (rows.ndim - 1)))
    high = torch.ones_like(low) + (-rows).flatten(1).amax(dim=1).clamp_min(0.0).view_as(low)
    for _ in range(40):  # the bracket [0, 1 + max(-m)] halves 40 times: far below one 8-bit grey level
        middle = (low + high) / 2
        enough = (rows + middle).clamp(0.0, 1.0).flatten(1).mean(dim=1).view_as(low) >= min_movement
        high = torch.where(enough, middle, high)
        low = torch.where(enough, low, middle)
    clipped[short] = (rows + high).clamp(0.0, 1.0)
    return clipped


def optimised_step(
    network: nn.Module,
    points: np.ndarray,
    gradients: np.ndarray,
    step: float,
    clip_values: tuple[float, float] | None,
    iterations: int,
    min_movement: float,
    learning_rate: float = 0.1,
) -> np.ndarray:
    """
    The signed step ``step * m * sign(g)`` whose per-pixel magnitudes ``m`` in ``[0, 1]`` make the detector copy see
    the least perturbation, by projected signed-gradient descent on the copy's logit (positive: perturbed), starting
    from JBDA's full step ``m = 1``. Each pixel moves along the sign of the Jacobian or not at all, within JBDA's
    L-infinity step; the mean magnitude stays at least ``min_movement`` (otherwise ``m = 0``, a query repeating its
    source point, would pass any detector and teach the thief nothing).

    :param network: The copy's network (:class:`~art_am.defences.ood_scores.SignStepNetwork`).
    :param points: Source points ``(N, C, H, W)``.
    :param gradients: The thief's input gradients, same shape.
    :param step: The signed step lambda.
    :param clip_values: The victim's input range, or None.
    :param iterations: Descent steps.
    :param min_movement: Floor on the mean magnitude, in ``[0, 1]``.
    :param learning_rate: Size of one signed-gradient step on ``m``.
    :return: The perturbations ``(N, C, H, W)`` (before clipping the points).
    """
    device = next(network.parameters()).device
    source = torch.as_tensor(points, dtype=torch.float32, device=device)
    direction = step * torch.sign(torch.as_tensor(gradients, dtype=torch.float32, device=device))
    magnitudes = torch.ones_like(source)
    for _ in range(iterations):
        magnitudes.requires_grad_(True)
        candidate = source + magnitudes * direction
        if clip_values is not None:
            candidate = candidate.clamp(clip_values[0], clip_values[1])
        (gradient,) = torch.autograd.grad(network(candidate).sum(), magnitudes)
        with torch.no_grad():
            magnitudes = _project_magnitudes(magnitudes - learning_rate * torch.sign(gradient), min_movement)
    return (magnitudes.detach() * direction).cpu().numpy().astype(np.float32)


class DetectorAwareJBDAPyTorch(JacobianDatasetAugmentation):
    """
    JBDA whose synthetic points are shaped to pass the attacker's own copy of the defence's sign-step detector (see the
    module description). The copy is :class:`~art_am.defences.ood_scores.SignStepDetector` with its public defaults,
    trained on the attacker's seed images only (the attacker has no other clean data).

    | Paper link: https://arxiv.org/abs/2002.08347
    """

    attack_params = JacobianDatasetAugmentation.attack_params + [
        "forms",
        "detector_epochs",
        "detector_family",
        "optimise_iterations",
        "min_movement",
    ]

    def __init__(
        self,
        classifier,
        forms: tuple[str, ...] = STEP_FORMS,
        detector_epochs: int = 40,
        detector_family: str = "sign",
        optimise_iterations: int = 0,
        min_movement: float = 0.25,
        **kwargs,
    ) -> None:
        """
        :param classifier: The victim classifier (only its ``predict`` is used).
        :param forms: The step forms the attacker chooses from, a subset of :data:`STEP_FORMS`.
        :param detector_epochs: Epochs of the detector copy over the seed images.
        :param detector_family: The perturbation family the deployed detector is trained on (``SignStepDetector``'s
                                ``family``); the attacker reads it from the defence's configuration.
        :param optimise_iterations: If > 0, also send candidates optimised against the copy's gradient
                                    (:func:`optimised_step`, this many descent steps); 0 chooses among ``forms`` only.
        :param min_movement: The optimised step's floor on the mean per-pixel magnitude, in ``[0, 1]`` (0.25: as far,
                             in L1, as the ``quarter`` form).
        :param kwargs: The parameters of :class:`JacobianDatasetAugmentation`.
        """
        self.forms = forms
        self.detector_epochs = detector_epochs
        self.detector_family = detector_family
        self.optimise_iterations = optimise_iterations
        self.min_movement = min_movement
        self.detector: SignStepDetector | None = None
        self.chosen_forms: dict[str, int] = {}
        super().__init__(classifier, **kwargs)

    def extract(self, x: np.ndarray, y: np.ndarray | None = None, **kwargs):
        """
        Train the detector copy on the seeds ``x``, then run JBDA with shaped steps.

        :param x: Seed images.
        :param y: Unused.
        :param thieved_classifier: The thief.
        :return: The trained thief.
        """
        self._check_params()
        # every check of the plain attack first: the detector copy trains on the seeds before that attack starts
        self._check_thief(kwargs.get("thieved_classifier"))
        seeds = self._check_seeds(x)
        if seeds.ndim != 4:
            raise ValueError(
                f"x (the seed images) must be shaped (N, C, H, W) for the detector copy, got {seeds.shape}; reshape "
                "flat or channel-less images to the victim's input shape."
            )
        self.detector = SignStepDetector(
            in_channels=seeds.shape[1],
            epochs=self.detector_epochs,
            seed=0 if self.seed is None else self.seed,
            family=self.detector_family,
        ).fit(seeds)
        self.chosen_forms = {form: 0 for form in self._candidate_names()}
        return super().extract(x, y, **kwargs)

    def _candidate_names(self) -> tuple[str, ...]:
        return tuple(self.forms) + (("optimised",) if self.optimise_iterations > 0 else ())

    def _step(self, points: np.ndarray, gradients: np.ndarray, step: float) -> np.ndarray:
        assert self.detector is not None  # set by extract
        clip_values = self.estimator.clip_values
        perturbations = step_forms(gradients, step, tuple(self.forms))
        if self.optimise_iterations > 0:
            assert isinstance(self.detector, SignStepDetector)  # the copy trained by extract has a network
            optimised = optimised_step(
                self.detector.network,
                points,
                gradients,
                step,
                clip_values,
                self.optimise_iterations,
                self.min_movement,
            )
            perturbations = np.concatenate([perturbations, optimised[None]])
        candidates = points[None] + perturbations
        if clip_values is not None:
            candidates = np.clip(candidates, clip_values[0], clip_values[1])
        names = self._candidate_names()
        flat = candidates.reshape(-1, *points.shape[1:])
        # the copy's in-distribution score of every candidate; the attacker sends the most in-distribution one
        scores = self.detector(np.zeros((len(flat), 1)), None, flat).reshape(len(names), len(points))
        best = scores.argmax(axis=0)
        for index, name in enumerate(names):
            self.chosen_forms[name] += int((best == index).sum())
        return candidates[best, np.arange(len(points))]

    def _check_params(self) -> None:
        super()._check_params()
        forms = tuple(self.forms) if isinstance(self.forms, (tuple, list)) else ()
        if not forms or set(forms) - set(STEP_FORMS):
            raise ValueError(f"forms must be a non-empty subset of {STEP_FORMS}, got {self.forms!r}.")
        check_integer(self.detector_epochs, "detector_epochs", low=1)
        check_choice(self.detector_family, "detector_family", FAMILIES)
        check_integer(self.optimise_iterations, "optimise_iterations", low=0)
        check_real(self.min_movement, "min_movement", low=0.0, high=1.0)


# The names before ART's naming rule (PyTorch-only classes carry the suffix), kept for existing code.
DetectorAwareJBDA = DetectorAwareJBDAPyTorch
