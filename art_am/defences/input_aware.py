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
The query path of postprocessors that need the query ``x`` as well as the model outputs (Adaptive Misinformation,
Prediction Poisoning), in the order a call takes it: how the defence finds ``x`` (:func:`find_query_input`), how it
runs an auxiliary model on ``x`` (a misinformation model, a surrogate: :func:`auxiliary_probabilities`), and the base
class whose ``__call__`` strings them together with the output checks of :mod:`art_am.defences.probabilities`.

**Finding x.** ART calls a postprocessor with the model outputs only: ``defence(preds)`` from
``estimator._apply_postprocessing``, which every ART estimator calls from a method that has the query as its argument
``x`` (``predict(self, x, ...)``). So the postprocessor walks up the calling frames of its own thread to the first
frame whose ``self`` is an estimator listing this very postprocessor in ``postprocessing_defences`` and that has a
local ``x``, and takes that ``x``.

Why this and not a hook: frames belong to the calling thread, so concurrent ``predict`` calls cannot see each
other's queries, nothing is stored between calls, the whole ``x`` of that call is seen (any ``batch_size``), and it
works for ``nn.Sequential`` models whose forward hooks ART bypasses. Limits: it needs CPython frame introspection and
ART's argument name ``x``; the ``x`` is the raw input, before ART's preprocessing. When no such frame exists the
caller gets an error telling it to pass ``x=`` explicitly; a length mismatch is an error too, never a guess.
The clean upstream fix is a backward-compatible ``Postprocessor.__call__(preds, x=None)`` (see docs/upstream.md).

**Auxiliary models.** An auxiliary model is checked when the defence is built (its type, that its weights are
materialised) and on the defence's first call (that it runs on the query and returns the protected model's class
count), so that a mismatch is a ``ValueError`` naming the argument on the first query, not a raw torch error on the
first out-of-distribution one.
"""

from __future__ import annotations

import abc
import sys
import threading
import warnings
from typing import Any

import numpy as np
from art.defences.postprocessor.postprocessor import Postprocessor

from art_am.defences.probabilities import PREDS_TYPES, as_logits, check_predictions, on_simplex, to_probabilities
from art_am.validation import check_choice, check_integer

# The ART versions CI tests (tests/test_art_contract.py among the whole suite): the lowest, constraints-lowest.txt,
# and the pinned one, constraints.txt; setup.py declares the same range.
SUPPORTED_ART_VERSIONS = ">=1.17.1,<1.21"


def _lists_postprocessor(owner: Any, postprocessor: Any) -> bool:
    defences = getattr(owner, "postprocessing_defences", None)
    if not defences:
        return False
    return any(defence is postprocessor for defence in defences)


def _query_from_calling_frames(postprocessor: Any) -> tuple[Any, Any]:
    """
    Walk up the calling frames of this thread to the first whose ``self`` is an estimator listing ``postprocessor``
    and that has a local ``x`` (how an unpatched ART reaches the query; see the module docstring).

    :return: ``(x, estimator)``, or ``(None, None)`` when no such frame exists.
    """
    frame = sys._getframe(2)  # pylint: disable=protected-access
    try:
        while frame is not None:
            local_vars = frame.f_locals
            if "x" in local_vars and _lists_postprocessor(local_vars.get("self"), postprocessor):
                return local_vars["x"], local_vars["self"]
            frame = frame.f_back  # type: ignore[assignment]
        return None, None
    finally:
        del frame


def find_query_input(
    postprocessor: Any, preds: np.ndarray, x: np.ndarray | None = None, estimator: Any = None
) -> tuple[np.ndarray, Any]:
    """
    Return the query whose outputs ``preds`` the postprocessor is processing, and the estimator that called it.

    :param postprocessor: The calling postprocessor (compared by identity).
    :param preds: The outputs being post-processed, ``(N, K)``.
    :param x: The query, when the caller passes it (a direct call, or an ART estimator that passes its input to
              postprocessors: ``docs/upstream.md``, PR 1); it is then only checked and no frame is read.
    :param estimator: The calling estimator, when the caller passes it with ``x``.
    :return: ``(query, estimator)``: the query array ``(N, ...)``, raw (before the estimator's preprocessing), and the
             calling estimator (None when ``x`` was passed without it).
    :raises ValueError: If no calling ART estimator lists the postprocessor, or if ``x`` and ``preds`` differ in length.
    """
    name = type(postprocessor).__name__
    if x is None:
        x, estimator = _query_from_calling_frames(postprocessor)
        if x is None:
            raise ValueError(
                f"{name} needs the query x but was not called from the predict method of an ART estimator that lists "
                f"it in postprocessing_defences. Call it as {name.lower()}(preds, x=x)."
            )
    # contiguous: a reversed or strided view (negative strides) is the query all the same, but torch cannot wrap it
    x_array = np.ascontiguousarray(x)
    if len(x_array) != len(preds):
        raise ValueError(f"{name}: x has {len(x_array)} rows but preds has {len(preds)}; they must be the same query.")
    return x_array, estimator


# Rows of an auxiliary ``nn.Module``'s outputs that all lie this close to the simplex are taken for probabilities (a
# model ending in a softmax) instead of being softmaxed a second time.
AUXILIARY_SIMPLEX_TOLERANCE = 1e-4


def is_torch_module(model: Any) -> bool:
    """
    :return: Whether ``model`` is a ``torch.nn.Module``, without importing torch (a program that never imported torch
             holds no module).
    """
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(model, torch.nn.Module)


def check_auxiliary_model(model: Any, name: str) -> None:
    """
    :param model: A ``torch.nn.Module`` returning logits, or any ART classifier (of any framework) whose ``predict``
                  takes the raw query.
    :param name: Argument name for error messages.
    :raises ValueError: For anything else, or a module whose weights are on the meta device (not materialised).
    """
    from art.estimators.classification.classifier import ClassifierMixin  # pylint: disable=import-outside-toplevel

    if not (is_torch_module(model) or isinstance(model, ClassifierMixin)):
        raise ValueError(f"{name} must be a torch.nn.Module returning logits or an ART classifier, got {type(model)}.")
    module: Any = model if is_torch_module(model) else getattr(model, "model", None)
    if is_torch_module(module) and any(tensor.is_meta for tensor in [*module.parameters(), *module.buffers()]):
        raise ValueError(f"{name} has weights on the meta device (not materialised): load real weights into it first.")


def auxiliary_probabilities(model: Any, x: np.ndarray, batch_size: int, name: str, nb_classes: int) -> np.ndarray:
    """
    Probabilities of an auxiliary model on the raw query.

    :param model: A ``torch.nn.Module`` returning logits (evaluated as in eval mode, without changing the module,
                  without gradients, on its own device and dtype; a module whose outputs all lie on the simplex is
                  taken to end in a softmax, with a warning) or any ART classifier (its own preprocessing applies;
                  its outputs are auto-detected as logits or probabilities).
    :param x: Raw query.
    :param batch_size: Rows per forward pass.
    :param name: Argument name for error messages.
    :param nb_classes: Number of classes of the protected model, which the auxiliary model must match.
    :return: ``(N, K)`` float64 probabilities.
    :raises ValueError: If the model cannot run on the query, the class counts differ or the outputs are not finite.
    """
    try:
        if is_torch_module(model):
            from art_am.inference import batched_logits  # pylint: disable=import-outside-toplevel

            outputs = batched_logits(model, x, batch_size).numpy()
        else:
            outputs = model.predict(np.asarray(x, dtype=np.float32), batch_size=batch_size)
    except (RuntimeError, TypeError, ValueError, IndexError) as error:
        raise ValueError(
            f"{name} could not be evaluated on the query (rows of shape {np.shape(x)[1:]}, dtype "
            f"{np.asarray(x).dtype}); it must take the same raw input as the protected estimator: {error}"
        ) from error
    if not is_torch_module(model):
        return to_probabilities(outputs, "auto", f"{name} output", nb_classes)
    preds_type = "logits"
    if np.ndim(outputs) == 2 and len(outputs) and on_simplex(outputs, AUXILIARY_SIMPLEX_TOLERANCE).all():
        warnings.warn(
            f"{name} returns probabilities (every output row lies on the simplex): it seems to end in a softmax; they "
            "are used as they are, not softmaxed again. Pass a model returning logits to silence this.",
            UserWarning,
            stacklevel=3,
        )
        preds_type = "probabilities"
    return to_probabilities(outputs, preds_type, f"{name} output", nb_classes)


def _identity(operation: Any) -> bool:
    """
    :return: Whether an ART preprocessing operation leaves the input unchanged (ART's default standardisation, mean 0
             and std 1, is in every estimator's list).
    """
    if not type(operation).__name__.startswith("StandardisationMeanStd"):
        return False
    mean, std = np.asarray(getattr(operation, "mean", 1.0)), np.asarray(getattr(operation, "std", 0.0))
    return bool(np.all(mean == 0.0) and np.all(std == 1.0))


class InputAwarePostprocessor(Postprocessor, abc.ABC):
    """
    A postprocessor computed from the model outputs and the query that produced them. In the plain ART call
    (``PyTorchClassifier(..., postprocessing_defences=[defence])``) the query is found by :func:`find_query_input`;
    a direct call passes it: ``defence(preds, x=x)``. Subclasses implement
    :meth:`_postprocess` on validated probabilities and list their auxiliary models in :meth:`_auxiliary_models`.
    Parameters are checked again at every call, so that one reassigned after construction (``am.threshold = nan``)
    is an error, not a defence silently switched off.
    """

    def __init__(
        self, preds_type: str = "auto", batch_size: int = 512, apply_fit: bool = False, apply_predict: bool = True
    ):
        """
        :param preds_type: What the protected model returns: ``"logits"``, ``"probabilities"`` or ``"auto"``
                           (see :mod:`art_am.defences.probabilities`).
        :param batch_size: Rows per forward pass of the auxiliary model.
        :param apply_fit: Apply during training (never needed; ART ignores it in ``fit``).
        :param apply_predict: Apply at prediction time.
        """
        super().__init__(is_fitted=True, apply_fit=apply_fit, apply_predict=apply_predict)
        self.preds_type = preds_type
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._checked_models: set[int] = set()
        self._warned_estimators: set[int] = set()

    def __getstate__(self) -> dict[str, Any]:
        # Locks cannot be copied or pickled; copies (e.g. deepcopy of the estimator) get their own.
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __call__(  # type: ignore[override]
        self, preds: np.ndarray, x: np.ndarray | None = None, estimator: Any = None
    ) -> np.ndarray:
        """
        Defend the outputs ``preds`` of the query ``x``.

        :param preds: ``(N, K)`` outputs of the protected model (logits or probabilities, see ``preds_type``).
        :param x: The query; found in the calling ART ``predict`` when omitted.
        :param estimator: The protected estimator, passed with ``x`` by an ART that gives postprocessors their input
                          (PR 1 in ``docs/upstream.md``); found with ``x`` otherwise. Needed only by defences that use
                          the estimator's model (Prediction Poisoning's default surrogate).
        :return: ``(N, K)`` float32 probabilities.
        :raises ValueError: On bad parameters or outputs, an auxiliary model that does not fit the query, or when
                            ``x`` is omitted outside an ART ``predict``.
        """
        self._check_params()
        check_predictions(preds, "preds")  # before x is matched to it, so that a bad shape is named as such
        query, estimator = find_query_input(self, preds, x, estimator)
        probabilities = to_probabilities(preds, self.preds_type, "preds")
        if len(probabilities) == 0:
            return probabilities.astype(np.float32)
        self._check_auxiliary_models_on(query[:1], probabilities.shape[1], estimator)
        self._warn_about_preprocessing(estimator)
        logits = as_logits(preds, self.preds_type)
        return self._postprocess(probabilities, query, estimator, logits).astype(np.float32)

    def _check_auxiliary_models_on(self, query: np.ndarray, nb_classes: int, estimator: Any) -> None:
        """
        Run each auxiliary model once on one query row, the first time it is seen, so that a model that does not fit
        the protected one fails on the first query rather than on the first row that needs it.
        """
        for name, model in self._auxiliary_models(estimator):
            if id(model) in self._checked_models:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the real call warns
                auxiliary_probabilities(model, query, 1, name, nb_classes)
            with self._lock:
                self._checked_models.add(id(model))

    def _warn_about_preprocessing(self, estimator: Any) -> None:
        """
        Warn once per calling estimator that applies preprocessing (preprocessing defences, or a standardisation other
        than the identity): its model sees the preprocessed input, while this defence's auxiliary models and input
        scores get the raw query.
        """
        if estimator is None or id(estimator) in self._warned_estimators:
            return
        operations = [op for op in getattr(estimator, "preprocessing_operations", None) or [] if not _identity(op)]
        with self._lock:
            self._warned_estimators.add(id(estimator))
        if operations:
            names = ", ".join(type(op).__name__ for op in operations)
            warnings.warn(
                f"{type(self).__name__}: the calling estimator preprocesses its input ({names}) before its model, but "
                "this defence's auxiliary models and input scores receive the raw query x. Give them the same "
                "preprocessing (e.g. wrap them in a module that applies it) or move it into the protected model.",
                UserWarning,
                stacklevel=3,
            )

    def _auxiliary_models(self, estimator: Any) -> list[tuple[str, Any]]:
        """
        :param estimator: The calling ART estimator, or None for a direct call.
        :return: ``(argument name, model)`` of every auxiliary model the defence runs on the query.
        """
        return []

    @abc.abstractmethod
    def _postprocess(
        self, probabilities: np.ndarray, x: np.ndarray, estimator: Any, logits: np.ndarray | None
    ) -> np.ndarray:
        """
        :param probabilities: ``(N, K)`` float64 probabilities of the protected model.
        :param x: The query.
        :param estimator: The calling ART estimator, or None for a direct call.
        :param logits: ``(N, K)`` float64 logits when the protected model returns logits, else None.
        :return: ``(N, K)`` defended probabilities.
        """
        raise NotImplementedError

    def _check_params(self) -> None:
        check_choice(self.preds_type, "preds_type", PREDS_TYPES)
        check_integer(self.batch_size, "batch_size", low=1)
