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
Prediction Poisoning with MAD (Orekondy et al., ICLR 2020): perturb each answer towards the posterior that most
misdirects a surrogate's training gradient, within an L1 or L2 budget epsilon::

    y~ = (1 - a) y + a y*,   a = min(1, epsilon / ||y - y*||_p),

with ``y*`` from the ``extreme`` oracle (best one-hot vertex) or the ``argmax`` oracle (MAD-argmax, keeps the
top-1 class). The oracles live in :mod:`art_am.defences.mad_oracles`.

| Paper link: https://arxiv.org/abs/1906.10908
"""

from __future__ import annotations

import logging
import weakref
from typing import Any

import numpy as np
import torch
from torch import nn

from art_am.defences.input_aware import InputAwarePostprocessor, auxiliary_probabilities, check_auxiliary_model
from art_am.defences.mad_oracles import DenseGram, LastLayerGram, argmax_oracle, extreme_oracle
from art_am.defences.top1 import keep_top1
from art_am.inference import eval_view, model_device, model_dtype
from art_am.models.reinit import reinitialised_copy
from art_am.validation import check_choice, check_integer, check_real

logger = logging.getLogger(__name__)

ORACLES = ("extreme", "argmax")
NORMS = ("l1", "l2")
JACOBIANS = ("last_layer", "all")


def budget_step(y: np.ndarray, target: np.ndarray, epsilon: float, norm: str) -> np.ndarray:
    """
    Move each row of ``y`` towards ``target`` as far as the budget allows.

    :param y: ``(B, K)`` true posteriors.
    :param target: ``(B, K)`` targets ``y*`` on the simplex.
    :param epsilon: Budget (>= 0) on ``||y~ - y||_p``.
    :param norm: ``"l1"`` or ``"l2"``.
    :return: ``(B, K)`` perturbed posteriors, on the simplex and inside the budget.
    """
    step = target - y
    length = np.abs(step).sum(axis=1) if norm == "l1" else np.sqrt((step**2).sum(axis=1))
    fraction = np.where(length > epsilon, epsilon / np.maximum(length, 1e-300), 1.0)
    return y + fraction[:, None] * step


def all_parameter_gram(model: nn.Module, x: np.ndarray, chunk_size: int = 32) -> np.ndarray:
    """
    Gram matrices ``J J^T`` of the per-sample Jacobians ``J`` (``K x P``) of the negative log-likelihood of every
    class w.r.t. all parameters, computed with ``torch.func`` (vmap over jacrev) in chunks of ``chunk_size`` samples,
    so memory stays at ``chunk_size * K * P`` floats.

    :param model: Module returning logits; evaluated as in eval mode, without changing it.
    :param x: Inputs.
    :param chunk_size: Samples per vectorised Jacobian.
    :return: ``(N, K, K)`` float64 Gram matrices.
    """
    from torch.func import functional_call, jacrev, vmap  # pylint: disable=import-outside-toplevel

    device, dtype = model_device(model), model_dtype(model)
    model = eval_view(model)  # never flip the caller's module to eval mode and back: other threads may be using it
    parameters = {name: value.detach() for name, value in model.named_parameters()}
    buffers = {name: value.detach() for name, value in model.named_buffers()}

    def class_nll(params: dict[str, torch.Tensor], sample: torch.Tensor) -> torch.Tensor:
        logits = functional_call(model, (params, buffers), (sample[None],))
        return -torch.log_softmax(logits, dim=1)[0]

    per_sample_jacobian = vmap(jacrev(class_nll), in_dims=(None, 0))
    grams = []
    for begin in range(0, len(x), chunk_size):
        chunk = torch.as_tensor(x[begin : begin + chunk_size], dtype=dtype, device=device)
        jacobians = per_sample_jacobian(parameters, chunk)
        flat = torch.cat([value.flatten(start_dim=2) for value in jacobians.values()], dim=2).double()
        grams.append((flat @ flat.transpose(1, 2)).cpu().numpy())
    return np.concatenate(grams)


class PredictionPoisoningPyTorch(InputAwarePostprocessor):
    """
    Prediction Poisoning (MAD / MAD-argmax) as an ART postprocessor, in the plain call
    ``PyTorchClassifier(..., postprocessing_defences=[PredictionPoisoningPyTorch(surrogate, epsilon=0.5)])`` or
    directly as ``pp(preds, x=x)``.

    With the default last-layer Jacobian the whole batch costs one surrogate forward pass (closed form, see
    :mod:`art_am.defences.mad_oracles`); ``jacobian="all"`` uses every parameter via ``torch.func``.

    | Paper link: https://arxiv.org/abs/1906.10908
    """

    params = [
        "surrogate_model",
        "epsilon",
        "norm",
        "oracle",
        "jacobian",
        "preds_type",
        "batch_size",
        "jacobian_chunk_size",
        "surrogate_seed",
    ]

    def __init__(
        self,
        surrogate_model: Any = None,
        epsilon: float = 0.5,
        norm: str = "l1",
        oracle: str = "extreme",
        jacobian: str = "last_layer",
        preds_type: str = "auto",
        batch_size: int = 512,
        jacobian_chunk_size: int = 32,
        surrogate_seed: int = 0,
        apply_fit: bool = False,
        apply_predict: bool = True,
    ) -> None:
        """
        :param surrogate_model: The attacker's model as the defender imagines it: a ``torch.nn.Module`` returning
               logits for the raw input (or an ART ``PyTorchClassifier`` for the last-layer Jacobian). None (default)
               uses, as the authors do, a randomly initialised copy of the protected estimator's model, made at the
               first call (seeded by ``surrogate_seed``).
        :param epsilon: Perturbation budget (>= 0) on ``||y~ - y||_p``.
        :param norm: ``"l1"`` or ``"l2"``.
        :param oracle: ``"extreme"`` (MAD) or ``"argmax"`` (MAD-argmax, top-1 kept).
        :param jacobian: ``"last_layer"`` (closed form, the authors' choice) or ``"all"`` (all parameters).
        :param preds_type: What the protected model returns: ``"logits"``, ``"probabilities"`` or ``"auto"``.
        :param batch_size: Rows per surrogate forward pass.
        :param jacobian_chunk_size: Samples per vectorised Jacobian with ``jacobian="all"``.
        :param surrogate_seed: Seed of the default surrogate's initialisation.
        :param apply_fit: Apply during training.
        :param apply_predict: Apply at prediction time.
        """
        super().__init__(preds_type=preds_type, batch_size=batch_size, apply_fit=apply_fit, apply_predict=apply_predict)
        self.surrogate_model = surrogate_model
        self.epsilon = epsilon
        self.norm = norm
        self.oracle = oracle
        self.jacobian = jacobian
        self.jacobian_chunk_size = jacobian_chunk_size
        self.surrogate_seed = surrogate_seed
        # Keyed by the protected model itself, held weakly: an id() key would hand a freed model's surrogate to a new
        # model that happens to reuse its address.
        self._default_surrogates: weakref.WeakKeyDictionary[nn.Module, dict[Any, nn.Module]] = (
            weakref.WeakKeyDictionary()
        )
        self._check_params()

    def __getstate__(self) -> dict[str, Any]:
        # default surrogates are rebuilt on demand (seeded, so identical); weak references cannot be pickled
        state = super().__getstate__()
        del state["_default_surrogates"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._default_surrogates = weakref.WeakKeyDictionary()

    def surrogate(self, estimator: Any = None) -> Any:
        """
        The surrogate the defence runs for queries of ``estimator``.

        :param estimator: The protected ART estimator; needed only for the default surrogate.
        :return: ``surrogate_model``, or the default surrogate of the calling estimator's model (built once per
                 model and kept apart from the constructor argument, which stays as given).
        """
        if self.surrogate_model is not None:
            return self.surrogate_model
        model = getattr(estimator, "model", None)
        if not isinstance(model, nn.Module):
            raise ValueError(
                "PredictionPoisoningPyTorch has no surrogate_model and the caller is not an ART PyTorch estimator "
                "whose model could be copied; pass surrogate_model=<torch.nn.Module>."
            )
        with self._lock:
            per_seed = self._default_surrogates.setdefault(model, {})
            if self.surrogate_seed not in per_seed:
                per_seed[self.surrogate_seed] = reinitialised_copy(model, self.surrogate_seed)
            return per_seed[self.surrogate_seed]

    def target_posteriors(self, probabilities: np.ndarray, x: np.ndarray, estimator: Any = None) -> np.ndarray:
        """
        The oracle's targets ``y*`` (before the budget step), exposed for sweeps over epsilon.

        :param probabilities: ``(N, K)`` true posteriors.
        :param x: The query.
        :param estimator: The protected estimator, needed only for the default surrogate.
        :return: ``(N, K)`` targets.
        """
        surrogate = self.surrogate(estimator)
        if self.jacobian == "last_layer":
            surrogate_probs = auxiliary_probabilities(
                surrogate, x, self.batch_size, "surrogate_model", probabilities.shape[1]
            )
            gram: LastLayerGram | DenseGram = LastLayerGram(surrogate_probs)
        else:
            if not isinstance(surrogate, nn.Module):
                raise ValueError("jacobian='all' needs surrogate_model to be a torch.nn.Module.")
            gram = DenseGram(all_parameter_gram(surrogate, x, self.jacobian_chunk_size))
            if gram.gram.shape[1] != probabilities.shape[1]:
                raise ValueError(
                    f"surrogate_model output has {gram.gram.shape[1]} classes but {probabilities.shape[1]} were "
                    "expected."
                )
        if self.oracle == "extreme":
            return extreme_oracle(gram, probabilities)
        return argmax_oracle(gram, probabilities)

    def poison(self, probabilities: np.ndarray, target: np.ndarray, epsilon: float | None = None) -> np.ndarray:
        """
        The budget step towards the oracle's targets, exposed so that a sweep over epsilon reuses one oracle call.

        :param probabilities: ``(N, K)`` true posteriors.
        :param target: ``(N, K)`` targets from :meth:`target_posteriors`.
        :param epsilon: Budget; ``self.epsilon`` by default.
        :return: ``(N, K)`` poisoned posteriors.
        """
        poisoned = budget_step(probabilities, target, self.epsilon if epsilon is None else epsilon, self.norm)
        if self.oracle == "argmax":
            # The step keeps the top-1 in exact arithmetic but a target reached in full ties it with the other classes
            # of its set; the retreat breaks such ties (and float32 ones) in favour of the true top-1.
            poisoned, _ = keep_top1(probabilities, poisoned)
        return poisoned

    def _postprocess(
        self, probabilities: np.ndarray, x: np.ndarray, estimator: Any, logits: np.ndarray | None
    ) -> np.ndarray:
        return self.poison(probabilities, self.target_posteriors(probabilities, x, estimator))

    def _check_params(self) -> None:
        super()._check_params()
        if self.surrogate_model is not None:
            check_auxiliary_model(self.surrogate_model, "surrogate_model")
        check_real(self.epsilon, "epsilon", low=0.0)
        check_choice(self.norm, "norm", NORMS)
        check_choice(self.oracle, "oracle", ORACLES)
        check_choice(self.jacobian, "jacobian", JACOBIANS)
        check_integer(self.jacobian_chunk_size, "jacobian_chunk_size", low=1)
        check_integer(self.surrogate_seed, "surrogate_seed", low=0, high=2**63 - 1)


# The names before ART's naming rule (PyTorch-only classes carry the suffix), kept for existing code.
PredictionPoisoning = PredictionPoisoningPyTorch
