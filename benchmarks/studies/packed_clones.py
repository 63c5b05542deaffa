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
Training many clones of one architecture at once. The KnockoffNets clones of one query set differ only in their labels
(one label set per defence setting), so they can share every batch of images: their parameters are stacked and one
``torch.func.vmap`` of the model trains all of them in each step, which fills a GPU that one LeNet leaves idle.

:func:`train_packed` and :func:`train_one_by_one` run the same loop (SGD with momentum and weight decay, soft-label
cross-entropy, one shuffled order shared by all clones), so a packed clone equals the one trained alone up to float
rounding (``tests/benchmarks/test_packed_clones.py``), and their speeds compare like for like:

    python -m benchmarks.studies.packed_clones --device cuda --clones 1,8,32,128 --output runs/packing.json
"""

from __future__ import annotations

import argparse
import copy
import time
from collections.abc import Iterator

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap

from art_am.atomic import write_json_atomic
from art_am.models import create_model


def _soft_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return -(targets * torch.log_softmax(logits, dim=-1)).sum(dim=-1).mean()


def _shuffled_batches(count: int, epochs: int, batch_size: int, seed: int, device: str) -> Iterator[torch.Tensor]:
    """
    :return: The row indices of every step: a fresh permutation per epoch from ``seed``, cut into batches.
    """
    generator = np.random.default_rng(seed)
    for _ in range(epochs):
        order = torch.as_tensor(generator.permutation(count), device=device)
        for begin in range(0, count, batch_size):
            yield order[begin : begin + batch_size]


def train_packed(
    template: nn.Module,
    x: np.ndarray,
    labels: np.ndarray,
    epochs: int,
    lr: float,
    batch_size: int = 128,
    seed: int = 0,
    device: str = "cpu",
) -> list[nn.Module]:
    """
    :param template: The clones' common initialisation (copied, not changed).
    :param x: ``(N, ...)`` queries shared by every clone.
    :param labels: ``(M, N, K)`` soft labels, one set per clone.
    :param epochs: Epochs.
    :param lr: SGD learning rate (momentum 0.9, weight decay 5e-4).
    :param batch_size: Images per step.
    :param seed: Seed of the shared shuffled order.
    :param device: Torch device.
    :return: The ``M`` trained clones.
    """
    clones = [copy.deepcopy(template).to(device) for _ in range(len(labels))]
    if any(buffer.numel() for clone in clones for buffer in clone.buffers()):
        raise ValueError("train_packed supports models without buffers (no BatchNorm running statistics).")
    parameters, buffers = stack_module_state(clones)
    base = copy.deepcopy(template).to("meta")
    optimizer = torch.optim.SGD(parameters.values(), lr=lr, momentum=0.9, weight_decay=5e-4)
    images = torch.as_tensor(x, dtype=torch.float32, device=device)
    targets = torch.as_tensor(labels, dtype=torch.float32, device=device)

    def loss_of_one(params: dict, buffs: dict, batch: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return _soft_cross_entropy(functional_call(base, (params, buffs), (batch,)), target)

    # The loss of each clone is a function of its own parameters only, so the gradient of the sum is each clone's own.
    losses = vmap(loss_of_one, in_dims=(0, 0, None, 0))
    for rows in _shuffled_batches(len(images), epochs, batch_size, seed, device):
        optimizer.zero_grad(set_to_none=True)
        losses(parameters, buffers, images[rows], targets[:, rows]).sum().backward()
        optimizer.step()
    for index, clone in enumerate(clones):
        clone.load_state_dict({name: value[index].detach() for name, value in parameters.items()}, strict=False)
    return clones


def train_one_by_one(
    template: nn.Module,
    x: np.ndarray,
    labels: np.ndarray,
    epochs: int,
    lr: float,
    batch_size: int = 128,
    seed: int = 0,
    device: str = "cpu",
) -> list[nn.Module]:
    """
    The same training as :func:`train_packed`, written as the plain PyTorch loop, one clone after the other: the
    reference that packing is checked and timed against.
    """
    images = torch.as_tensor(x, dtype=torch.float32, device=device)
    clones = []
    for clone_labels in labels:
        clone = copy.deepcopy(template).to(device).train()
        optimizer = torch.optim.SGD(clone.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4)
        targets = torch.as_tensor(clone_labels, dtype=torch.float32, device=device)
        for rows in _shuffled_batches(len(images), epochs, batch_size, seed, device):
            optimizer.zero_grad(set_to_none=True)
            _soft_cross_entropy(clone(images[rows]), targets[rows]).backward()
            optimizer.step()
        clones.append(clone.eval())
    return clones


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--clones", default="1,4,16", help="comma-separated numbers of clones trained together")
    parser.add_argument("--queries", type=int, default=5000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    x = rng.random((args.queries, 1, 28, 28), dtype=np.float32)
    torch.manual_seed(0)
    template = create_model("lenet5")
    rows = []
    for count in (int(value) for value in args.clones.split(",")):
        labels = rng.dirichlet(np.full(10, 0.3), size=(count, args.queries)).astype(np.float32)
        timings: dict[str, list[float]] = {"packed": [], "one_by_one": []}
        for repeat in range(args.repeats):
            order = ("packed", "one_by_one") if repeat % 2 == 0 else ("one_by_one", "packed")
            for name in order:
                train = train_packed if name == "packed" else train_one_by_one
                if args.device.startswith("cuda"):
                    torch.cuda.synchronize()
                start = time.perf_counter()
                train(template, x, labels, args.epochs, 0.1, device=args.device)
                if args.device.startswith("cuda"):
                    torch.cuda.synchronize()
                timings[name].append(time.perf_counter() - start)
        samples = count * args.queries * args.epochs
        row = {
            "clones": count,
            "seconds": timings,
            "packed_samples_per_second": samples / float(np.median(timings["packed"])),
            "one_by_one_samples_per_second": samples / float(np.median(timings["one_by_one"])),
        }
        row["speedup"] = row["packed_samples_per_second"] / row["one_by_one_samples_per_second"]
        rows.append(row)
        print(
            f"{count} clones: packed {row['packed_samples_per_second']:.0f} samples/s, one by one "
            f"{row['one_by_one_samples_per_second']:.0f} samples/s, speedup {row['speedup']:.2f}",
            flush=True,
        )
    result = {"device": args.device, "queries": args.queries, "epochs": args.epochs, "rows": rows}
    if args.output:
        write_json_atomic(args.output, result)
    return result


if __name__ == "__main__":
    main()
