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
The shared SGD loop of the authors' recipe (SGD with momentum, weight decay, step learning rate), used by both the
defender's outlier-exposure training and the misinformation model's training.
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
    seed: int = 0
    device: str = "cpu"
    progress: bool = True

    def __post_init__(self) -> None:
        for name in ("epochs", "lr_step", "batch_size"):
            check_integer(getattr(self, name), f"TrainingConfig.{name}", low=1)
        for name in ("lr", "lr_gamma"):
            check_real(getattr(self, name), f"TrainingConfig.{name}", low=0.0, low_open=True)
        for name in ("momentum", "weight_decay", "oe_weight", "warmup_epochs"):
            check_real(getattr(self, name), f"TrainingConfig.{name}", low=0.0)
        check_integer(self.seed, "TrainingConfig.seed", low=0)
        for name in ("augment", "mixed_precision", "channels_last", "progress"):
            check_bool(getattr(self, name), f"TrainingConfig.{name}")

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


def _augment(batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """
    Random crop (reflect padding 4) and horizontal flip of every image, gathered in one indexing operation on the
    batch's device (the offsets are drawn on the CPU generator, so that a seed gives the same batches on any device).
    """
    n, channels, height, width = batch.shape
    padded = nn.functional.pad(batch, (4, 4, 4, 4), mode="reflect")
    device = batch.device
    dy = torch.randint(0, 9, (n,), generator=generator).to(device)
    dx = torch.randint(0, 9, (n,), generator=generator).to(device)
    flip = (torch.rand(n, generator=generator) < 0.5).to(device)
    rows = dy[:, None] + torch.arange(height, device=device)
    columns = dx[:, None] + torch.arange(width, device=device)
    columns = torch.where(flip[:, None], columns.flip(-1), columns)
    return padded[
        torch.arange(n, device=device)[:, None, None, None],
        torch.arange(channels, device=device)[None, :, None, None],
        rows[:, None, :, None],
        columns[:, None, None, :],
    ]


def run_sgd(
    model: nn.Module,
    x: np.ndarray,
    y: np.ndarray,
    batch_loss: Callable[[nn.Module, torch.Tensor, torch.Tensor, torch.Tensor | None], torch.Tensor],
    config: TrainingConfig,
    x_outliers: np.ndarray | None = None,
    description: str = "training",
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
    :return: Per-epoch history: mean loss, learning rate and seconds.
    """
    device = torch.device(config.device)
    generator = torch.Generator().manual_seed(config.seed)
    memory_format = torch.channels_last if config.channels_last else torch.contiguous_format
    model.to(device)
    if config.channels_last:
        model.to(memory_format=memory_format)
    optimizer = torch.optim.SGD(
        model.parameters(), lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay
    )
    steps_per_epoch = -(-len(x) // config.batch_size)
    warmup_steps = max(1, int(config.warmup_epochs * steps_per_epoch))

    def learning_rate_factor(step: int) -> float:
        warmup = min(1.0, 0.1 + 0.9 * step / warmup_steps) if config.warmup_epochs > 0 else 1.0
        return warmup * config.lr_gamma ** (step // (config.lr_step * steps_per_epoch))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, learning_rate_factor)
    x_all = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).to(device)
    y_all = torch.from_numpy(np.asarray(y, dtype=np.int64)).to(device)
    outliers = None if x_outliers is None else torch.from_numpy(np.ascontiguousarray(x_outliers, np.float32)).to(device)
    outlier_order = torch.empty(0, dtype=torch.long)
    history = []
    for epoch in tqdm(range(config.epochs), desc=description, disable=not config.progress):
        model.train()
        start, total, count = time.perf_counter(), 0.0, 0
        order = torch.randperm(len(x_all), generator=generator)
        for begin in range(0, len(order), config.batch_size):
            index = order[begin : begin + config.batch_size]
            x_batch = x_all[index.to(device)]
            if config.augment:
                x_batch = _augment(x_batch, generator)
            outlier_batch = None
            if outliers is not None:
                if len(outlier_order) < len(index):
                    outlier_order = torch.cat([outlier_order, torch.randperm(len(outliers), generator=generator)])
                outlier_batch = outliers[outlier_order[: len(index)].to(device)]
                outlier_order = outlier_order[len(index) :]
                if config.augment:
                    outlier_batch = _augment(outlier_batch, generator)
            if config.channels_last:
                x_batch = x_batch.contiguous(memory_format=memory_format)
                outlier_batch = None if outlier_batch is None else outlier_batch.contiguous(memory_format=memory_format)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=config.mixed_precision):
                loss = batch_loss(model, x_batch, y_all[index.to(device)], outlier_batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            total += float(loss.detach()) * len(index)
            count += len(index)
        history.append(
            {
                "epoch": epoch + 1,
                "loss": total / max(count, 1),
                "lr": optimizer.param_groups[0]["lr"],
                "seconds": time.perf_counter() - start,
            }
        )
        logger.debug("%s epoch %d: %s", description, epoch + 1, history[-1])
    model.eval()
    if config.channels_last:
        model.to(memory_format=torch.contiguous_format)
    return history
