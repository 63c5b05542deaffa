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
The shared SGD loop, used by the defender's (outlier-exposure) training and the misinformation model's training alike.
Two recipes run through it: the Adaptive Misinformation authors' (SGD with momentum, weight decay, step learning rate;
the defaults of :class:`TrainingConfig`) and the fast airbench recipe (:func:`art_am.training.fast_recipe`: Nesterov
SGD with a triangular schedule, label smoothing, flip + translate augmentation with alternating flips, Lookahead).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from art_am.validation import check_bool, check_integer, check_real

logger = logging.getLogger(__name__)

SCHEDULES = ("step", "triangular")
LOOKAHEAD_PERIOD = 5


@dataclass
class TrainingConfig:
    """
    Hyper-parameters of a training run. The defaults are the Adaptive Misinformation authors' MNIST recipe: SGD with
    momentum 0.9 and weight decay 5e-4, batch 128, 20 epochs, learning rate 0.1 divided by 10 every 10 epochs.

    :param epochs: Number of passes over the in-distribution data.
    :param lr: Initial learning rate.
    :param momentum: SGD momentum.
    :param weight_decay: L2 weight decay.
    :param lr_step: Epochs between learning-rate decays.
    :param lr_gamma: Learning-rate decay factor.
    :param batch_size: In-distribution batch size (outlier batches have the same size).
    :param oe_weight: Weight lambda of the outlier-exposure term (paper Eq. 6).
    :param warmup_epochs: Epochs over which the learning rate rises linearly from ``lr / 10`` to ``lr``; LeNet at
                          lr 0.1 can otherwise stall at chance in its first steps.
    :param augment: Random crop (padding 4) and horizontal flip, for natural images such as CIFAR-10 (done on the
                    training device, the whole batch at once).
    :param mixed_precision: Forward and loss in bfloat16 autocast (weights and optimiser stay float32): faster on GPUs
                            with bfloat16 units; off by default (it changes the trained weights).
    :param channels_last: Keep the model and batches in channels-last memory format (faster convolutions on GPUs).
    :param nesterov: Nesterov momentum.
    :param schedule: ``"step"`` (``lr_gamma`` every ``lr_step`` epochs after the warm-up) or ``"triangular"`` (linear
                     warm-up over ``warmup_epochs``, then linear decay to zero at the last step).
    :param warmup_start: Learning-rate factor at the first step of the warm-up.
    :param label_smoothing: Label smoothing of the in-distribution cross-entropy (not of the misinformation loss).
    :param translate: Padding (reflect) of the random-crop augmentation, i.e. the largest shift in pixels.
    :param alternating_flip: Flip each image in every other epoch (a random half in the first epoch, the other half
                             in the next, and so on) instead of a fresh coin per epoch: every epoch sees the flipped
                             and unflipped versions in turn.
    :param lookahead: Lookahead over the weights and batch-norm statistics: every 5 steps the slow copy moves towards
                      the trained weights with a decay rising as ``0.95**5 * (step / total)**3``, and the weights are
                      reset to it; training ends on the slow copy.
    :param bias_lr_scale: Learning-rate factor of the batch-norm shifts (their weight decay is divided by it, so that
                          the per-step decay stays that of the other weights).
    :param whitening_bias_epochs: For models with a ``whitening`` layer: epochs during which its bias trains (frozen
                                  afterwards; its weights never train).
    :param data_init: Call the model's ``init_whitening(x)`` on the training images before training, if it has one.
    :param fine_tune: The model arrives trained (e.g. outlier-exposure fine-tuning of a plain defender): its
                      data-initialised whitening layer is kept as it is, bias included (frozen throughout), whatever
                      ``whitening_bias_epochs`` says. Excludes ``data_init``, which would replace that layer.
    :param seed: Seed of the initialisation-independent randomness (shuffling, outlier pairing, augmentation).
    :param device: Torch device to train on.
    :param progress: Show tqdm progress bars.
    """

    epochs: int = 20
    lr: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 5e-4
    lr_step: int = 10
    lr_gamma: float = 0.1
    batch_size: int = 128
    oe_weight: float = 1.0
    warmup_epochs: float = 1.0
    augment: bool = False
    mixed_precision: bool = False
    channels_last: bool = False
    nesterov: bool = False
    schedule: str = "step"
    warmup_start: float = 0.1
    label_smoothing: float = 0.0
    translate: int = 4
    alternating_flip: bool = False
    lookahead: bool = False
    bias_lr_scale: float = 1.0
    whitening_bias_epochs: float = 0.0
    data_init: bool = False
    fine_tune: bool = False
    seed: int = 0
    device: str = "cpu"
    progress: bool = True

    def __post_init__(self) -> None:
        for name in ("epochs", "lr_step", "batch_size"):
            check_integer(getattr(self, name), f"TrainingConfig.{name}", low=1)
        for name in ("lr", "lr_gamma"):
            check_real(getattr(self, name), f"TrainingConfig.{name}", low=0.0, low_open=True)
        for name in ("momentum", "weight_decay", "oe_weight", "warmup_epochs", "whitening_bias_epochs"):
            check_real(getattr(self, name), f"TrainingConfig.{name}", low=0.0)
        check_real(self.warmup_start, "TrainingConfig.warmup_start", low=0.0, high=1.0)
        check_real(self.label_smoothing, "TrainingConfig.label_smoothing", low=0.0, high=1.0, high_open=True)
        check_real(self.bias_lr_scale, "TrainingConfig.bias_lr_scale", low=0.0, low_open=True)
        check_integer(self.translate, "TrainingConfig.translate", low=0)
        check_integer(self.seed, "TrainingConfig.seed", low=0)
        if self.schedule not in SCHEDULES:
            raise ValueError(f"TrainingConfig.schedule must be one of {SCHEDULES}, got {self.schedule!r}.")
        for name in (
            "augment",
            "mixed_precision",
            "channels_last",
            "progress",
            "nesterov",
            "alternating_flip",
            "lookahead",
            "data_init",
            "fine_tune",
        ):
            check_bool(getattr(self, name), f"TrainingConfig.{name}")
        if self.fine_tune and self.data_init:
            raise ValueError(
                "TrainingConfig.fine_tune keeps the trained model's whitening layer and data_init would replace it: "
                "set data_init=False to fine-tune."
            )

    def as_dict(self) -> dict:
        """
        :return: The configuration as a JSON-serialisable dictionary.
        """
        return asdict(self)


def check_training_arrays(x: np.ndarray, y: np.ndarray, num_classes: int | None = None) -> None:
    """
    Validate a training set.

    :param x: Images ``(N, C, H, W)``, finite.
    :param y: Integer labels ``(N,)``.
    :param num_classes: If given, labels must lie in ``[0, num_classes)``.
    :raises ValueError: On shape, value or label problems.
    """
    if x.ndim != 4:
        raise ValueError(f"x must be shaped (N, C, H, W), got {x.shape}.")
    if y.ndim != 1 or len(y) != len(x):
        raise ValueError(f"y must be 1-D with one label per image: x has {len(x)} rows, y has shape {y.shape}.")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must hold integer class indices, got dtype {y.dtype}.")
    if not np.isfinite(x).all():
        raise ValueError("x contains NaN or inf.")
    if num_classes is not None and len(y) and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"labels must lie in [0, {num_classes}), got range [{y.min()}, {y.max()}].")


def _augment(batch: torch.Tensor, generator: torch.Generator, pad: int, flip: torch.Tensor | None) -> torch.Tensor:
    """
    Random crop (reflect padding ``pad``) and horizontal flip of every image, gathered in one indexing operation on the
    batch's device (the offsets are drawn on the CPU generator, so that a seed gives the same batches on any device).
    ``flip`` gives the flips (alternating flips); None draws a coin per image.
    """
    n, channels, height, width = batch.shape
    padded = nn.functional.pad(batch, (pad, pad, pad, pad), mode="reflect") if pad else batch
    device = batch.device
    dy = torch.randint(0, 2 * pad + 1, (n,), generator=generator).to(device)
    dx = torch.randint(0, 2 * pad + 1, (n,), generator=generator).to(device)
    flip = (torch.rand(n, generator=generator) < 0.5) if flip is None else flip
    flip = flip.to(device)
    rows = dy[:, None] + torch.arange(height, device=device)
    columns = dx[:, None] + torch.arange(width, device=device)
    columns = torch.where(flip[:, None], columns.flip(-1), columns)
    return padded[
        torch.arange(n, device=device)[:, None, None, None],
        torch.arange(channels, device=device)[None, :, None, None],
        rows[:, None, :, None],
        columns[:, None, None, :],
    ]


def _parameter_groups(model: nn.Module, config: TrainingConfig) -> list[dict]:
    norm_shifts = {
        id(module.bias)
        for module in model.modules()
        if isinstance(module, nn.modules.batchnorm._BatchNorm) and module.bias is not None
    }
    shifts = [p for p in model.parameters() if id(p) in norm_shifts]
    others = [p for p in model.parameters() if id(p) not in norm_shifts]
    if config.bias_lr_scale == 1.0 or not shifts:
        return [{"params": others + shifts}]
    return [
        {"params": others},
        {
            "params": shifts,
            "lr": config.lr * config.bias_lr_scale,
            "weight_decay": config.weight_decay / config.bias_lr_scale,
        },
    ]


def _learning_rate_factor(config: TrainingConfig, steps_per_epoch: int) -> Callable[[int], float]:
    warmup_steps = max(1, int(config.warmup_epochs * steps_per_epoch))
    total_steps = config.epochs * steps_per_epoch
    start = config.warmup_start

    def factor(step: int) -> float:
        if config.schedule == "triangular":
            if step < warmup_steps:
                return start + (1.0 - start) * step / warmup_steps
            return max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))
        warmup = min(1.0, start + (1.0 - start) * step / warmup_steps) if config.warmup_epochs > 0 else 1.0
        return warmup * config.lr_gamma ** (step // (config.lr_step * steps_per_epoch))

    return factor


class _Lookahead:
    """The slow copy of the floating-point state (weights and batch-norm statistics)."""

    def __init__(self, model: nn.Module) -> None:
        self.slow = {k: v.detach().clone() for k, v in model.state_dict().items() if v.is_floating_point()}

    @torch.no_grad()
    def update(self, model: nn.Module, decay: float) -> None:
        state = model.state_dict()
        for key, slow in self.slow.items():
            slow.lerp_(state[key], 1.0 - decay)
            state[key].copy_(slow)


def run_sgd(
    model: nn.Module,
    x: np.ndarray,
    y: np.ndarray,
    batch_loss: Callable[[nn.Module, torch.Tensor, torch.Tensor, torch.Tensor | None], torch.Tensor],
    config: TrainingConfig,
    x_outliers: np.ndarray | None = None,
    description: str = "training",
    epoch_callback: Callable[[nn.Module, dict], None] | None = None,
) -> list[dict]:
    """
    Train ``model`` in place with the configured SGD recipe.

    :param model: Model returning logits.
    :param x: In-distribution images.
    :param y: Labels.
    :param batch_loss: ``batch_loss(model, x_batch, y_batch, outlier_batch_or_None)`` returning a scalar loss.
    :param config: The recipe.
    :param x_outliers: Optional outlier images; each in-distribution batch is paired with a batch of the same size,
                       drawn by walking through a reshuffled copy of the outliers.
    :param description: Progress-bar label.
    :param epoch_callback: Called after every epoch with the model (in evaluation mode) and that epoch's history
                           entry, which it may extend (e.g. with a test accuracy); its time is not counted in
                           ``seconds``. The model is returned to training mode afterwards.
    :return: Per-epoch history: mean loss, learning rate and seconds (training only).
    """
    device = torch.device(config.device)
    generator = torch.Generator().manual_seed(config.seed)
    memory_format = torch.channels_last if config.channels_last else torch.contiguous_format
    init_whitening = getattr(model, "init_whitening", None)
    if config.data_init and callable(init_whitening):
        init_whitening(x)
    model.to(device)
    if config.channels_last:
        model.to(memory_format=memory_format)
    optimizer = torch.optim.SGD(
        _parameter_groups(model, config),
        lr=config.lr,
        momentum=config.momentum,
        weight_decay=config.weight_decay,
        nesterov=config.nesterov and config.momentum > 0,
    )
    steps_per_epoch = -(-len(x) // config.batch_size)
    total_steps = config.epochs * steps_per_epoch
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _learning_rate_factor(config, steps_per_epoch))
    lookahead = _Lookahead(model) if config.lookahead else None
    whitening_bias = getattr(getattr(model, "whitening", None), "bias", None)
    x_all = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).to(device)
    y_all = torch.from_numpy(np.asarray(y, dtype=np.int64)).to(device)
    outliers = None if x_outliers is None else torch.from_numpy(np.ascontiguousarray(x_outliers, np.float32)).to(device)
    outlier_order = torch.empty(0, dtype=torch.long)
    # Alternating flips: one coin per image, inverted every other epoch.
    base_flip = torch.rand(len(x_all), generator=generator) < 0.5 if config.alternating_flip else None
    history = []
    step = 0
    for epoch in tqdm(range(config.epochs), desc=description, disable=not config.progress):
        model.train()
        if whitening_bias is not None and (config.fine_tune or config.whitening_bias_epochs > 0):
            whitening_bias.requires_grad_(not config.fine_tune and epoch < config.whitening_bias_epochs)
        start, total, count = time.perf_counter(), 0.0, 0
        order = torch.randperm(len(x_all), generator=generator)
        for begin in range(0, len(order), config.batch_size):
            index = order[begin : begin + config.batch_size]
            x_batch = x_all[index.to(device)]
            if config.augment:
                flip = None if base_flip is None else base_flip[index] ^ bool(epoch % 2)
                x_batch = _augment(x_batch, generator, config.translate, flip)
            outlier_batch = None
            if outliers is not None:
                if len(outlier_order) < len(index):
                    outlier_order = torch.cat([outlier_order, torch.randperm(len(outliers), generator=generator)])
                outlier_batch = outliers[outlier_order[: len(index)].to(device)]
                outlier_order = outlier_order[len(index) :]
                if config.augment:
                    outlier_batch = _augment(outlier_batch, generator, config.translate, None)
            if config.channels_last:
                x_batch = x_batch.contiguous(memory_format=memory_format)
                outlier_batch = None if outlier_batch is None else outlier_batch.contiguous(memory_format=memory_format)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=config.mixed_precision):
                loss = batch_loss(model, x_batch, y_all[index.to(device)], outlier_batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            step += 1
            if lookahead is not None and step % LOOKAHEAD_PERIOD == 0:
                lookahead.update(model, 0.95**LOOKAHEAD_PERIOD * (step / total_steps) ** 3)
            total += float(loss.detach()) * len(index)
            count += len(index)
        if lookahead is not None and epoch == config.epochs - 1:
            lookahead.update(model, 1.0)  # end on the slow weights
        history.append(
            {
                "epoch": epoch + 1,
                "loss": total / max(count, 1),
                "lr": optimizer.param_groups[0]["lr"],
                "seconds": time.perf_counter() - start,
            }
        )
        if epoch_callback is not None:
            model.eval()
            epoch_callback(model, history[-1])
        logger.debug("%s epoch %d: %s", description, epoch + 1, history[-1])
    model.eval()
    if config.channels_last:
        model.to(memory_format=torch.contiguous_format)
    return history
