"""
Training (or loading from the cache) the models a scenario needs: the normally trained defender (the undefended
baseline), the outlier-exposure defender, and the misinformation model, and the sign-step detector of AM's combined
score. Checkpoints carry their metadata and a hash of everything that determined them, so a changed recipe retrains
instead of reusing a stale model.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import fcntl
import glob
import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Iterator

import numpy as np
import torch

from art_am.atomic import write_atomic
from art_am.defences.ood_scores import SignStepDetector
from art_am.inference import accuracy
from art_am.models import create_model, load_backbone, set_tta_level
from art_am.training import (
    TrainingConfig,
    load_checkpoint,
    save_checkpoint,
    train_defender,
    train_misinformation_model,
)
from benchmarks.data import load_labelled, load_source
from benchmarks.scenarios import Scenario

logger = logging.getLogger(__name__)

MODEL_KINDS = ("plain", "oe", "misinformation")
# A cached checkpoint's file name, as get_models writes it: <scenario>-<kind>-seed<seed>-<training digest>.pt
CHECKPOINT_NAME = re.compile(
    r"^(?P<scenario>.+)-(?P<kind>plain|oe|misinformation)-seed(?P<seed>\d+)-(?P<digest>[0-9a-f]{12})\.pt$"
)


# Recipe fields added after models were cached (the GPU switches, then the fast recipe's): left out of the key while
# at their defaults, which reproduce the earlier training, so that every older checkpoint keeps its digest and is found
# rather than silently retrained. (Keying the fast recipe's fields always had changed every earlier digest.)
_KEYED_WHEN_SET = (
    "mixed_precision",
    "channels_last",
    "alternating_flip",
    "bias_lr_scale",
    "data_init",
    "fine_tune",
    "label_smoothing",
    "lookahead",
    "nesterov",
    "schedule",
    "translate",
    "warmup_start",
    "whitening_bias_epochs",
)
_DEFAULTS = {field.name: field.default for field in dataclasses.fields(TrainingConfig)}


def _recipe_fields(recipe) -> dict:
    fields = {k: v for k, v in recipe.as_dict().items() if k not in ("device", "progress")}
    return {k: v for k, v in fields.items() if k not in _KEYED_WHEN_SET or v != _DEFAULTS[k]}


def training_recipe(scenario: Scenario, kind: str) -> TrainingConfig:
    """
    :return: The recipe that trains the scenario's model of this kind (``plain``, ``oe`` or ``misinformation``): the
             OE defender's fine-tuning recipe where the scenario has one.
    """
    if kind == "misinformation":
        return scenario.misinformation_recipe
    if kind == "oe" and scenario.oe_fine_tuning is not None:
        return scenario.oe_fine_tuning
    return scenario.defender_recipe


def _key(scenario: Scenario, kind: str, seed: int) -> dict:
    recipe_fields = _recipe_fields(training_recipe(scenario, kind))
    if kind == "plain":
        recipe_fields.pop("oe_weight")  # no outliers, so the OE weight does not matter
    if kind == "misinformation":  # its outliers are labelled by the OE defender, which its recipe(s) determine
        recipe_fields["defender"] = _recipe_fields(scenario.defender_recipe)
        if scenario.oe_fine_tuning is not None:
            recipe_fields["defender_fine_tuning"] = _recipe_fields(scenario.oe_fine_tuning)
    if kind == "oe" and scenario.oe_fine_tuning is not None:
        # keyed only when set (older digests unchanged): the plain defender it starts from
        recipe_fields["start"] = {"plain": _digest(_key(scenario, "plain", seed))}
    return {
        "kind": kind,
        "seed": seed,
        "train_source": scenario.train_source,
        "outlier_source": None if kind == "plain" else scenario.outlier_source,
        "architecture": scenario.architecture,
        "model_kwargs": scenario.model_kwargs,
        "num_classes": scenario.num_classes,
        "recipe": recipe_fields,
        # keyed only when set, so that the checkpoints of scenarios trained from scratch keep their digests
        **({} if scenario.pretraining is None else {"pretrained": _digest(_pretraining_key(scenario))}),
    }


def _digest(key: dict) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]


def _pretraining_key(scenario: Scenario) -> dict:
    pretraining = scenario.pretraining
    assert pretraining is not None
    return {
        "kind": "pretrained",
        "source": pretraining.source,
        "architecture": scenario.architecture,
        "model_kwargs": scenario.model_kwargs,
        "recipe": _recipe_fields(pretraining.recipe),
    }


def with_pretrained_weights(scenario: Scenario, cache_dir: str, data_root: str) -> Scenario:
    """
    Train (or find in the cache) the scenario's pretrained model, once for all seeds (seed 0), and point the scenario
    at it. A scenario without ``pretraining`` is returned as it is.

    :return: A copy of ``scenario`` whose ``pretrained_weights`` is the checkpoint's path.
    """
    if scenario.pretraining is None:
        return scenario
    pretraining = scenario.pretraining
    key = _pretraining_key(scenario)
    path = os.path.join(cache_dir, f"pretrained-{scenario.architecture}-{_digest(key)}.pt")
    with exclusive(path):
        try:
            load_checkpoint(path)
            return dataclasses.replace(scenario, pretrained_weights=path)
        except FileNotFoundError:
            pass
        except ValueError as error:  # damaged: train again
            logger.warning("cached %s cannot be used (%s)", path, error)
        x, y = load_labelled(pretraining.source, data_root, "pretraining source")
        num_classes = int(y.max()) + 1  # the pretraining set's own class space; the head is replaced after it
        torch.manual_seed(0)
        model = create_model(scenario.architecture, num_classes, **scenario.model_kwargs)
        start = time.perf_counter()
        history = train_defender(model, x, y, None, config=pretraining.recipe)
        metadata = dict(
            key,
            num_classes=num_classes,
            images=len(x),
            train_seconds=time.perf_counter() - start,
            history=history,
            test_accuracy=None,
        )
        if pretraining.test_source is not None:
            x_test, y_test = load_labelled(pretraining.test_source, data_root, "pretraining test source")
            metadata["test_accuracy"] = accuracy(model, x_test, y_test)
        save_checkpoint(path, model, metadata)
        logger.info("pretrained %s: test accuracy %s", path, metadata["test_accuracy"])
    return dataclasses.replace(scenario, pretrained_weights=path)


def scenario_model(scenario: Scenario, seed: int) -> torch.nn.Module:
    """
    :return: A new model of the scenario's architecture and classes, initialised with ``seed`` and, for a scenario
             with ``pretraining``, from its pretrained backbone (the head stays fresh): the start of every defender,
             misinformation model and clone.
    :raises ValueError: For a scenario with ``pretraining`` whose weights were not resolved by
                        :func:`with_pretrained_weights` (it would silently train from scratch).
    """
    torch.manual_seed(seed)
    model = create_model(scenario.architecture, scenario.num_classes, **scenario.model_kwargs)
    if scenario.pretraining is not None:
        if scenario.pretrained_weights is None:
            raise ValueError(
                f"scenario '{scenario.name}' is pretrained but its pretrained_weights are unset; pass it through "
                "benchmarks.model_cache.with_pretrained_weights first."
            )
        pretrained, _ = load_checkpoint(scenario.pretrained_weights)
        load_backbone(model, pretrained.state_dict())
    return model


def _epoch_test_accuracy(x_test: np.ndarray, y_test: np.ndarray):
    """
    :return: An epoch callback that adds ``test_accuracy`` (without test-time augmentation, which would multiply its
             cost; the final accuracy in the metadata has it) to the epoch's history entry.
    """

    def record(model: torch.nn.Module, entry: dict) -> None:
        level = set_tta_level(model, 0)
        entry["test_accuracy"] = accuracy(model, x_test, y_test)
        if level is not None:
            set_tta_level(model, level)
        logger.info("epoch %d: %s", entry["epoch"], entry)

    return record


def get_models(
    scenario: Scenario, seed: int, cache_dir: str, data_root: str, kinds: tuple[str, ...] = MODEL_KINDS
) -> dict[str, tuple[torch.nn.Module, dict]]:
    """
    :param scenario: The scenario.
    :param seed: Seed of initialisation and training.
    :param cache_dir: Folder of cached checkpoints.
    :param data_root: Folder of real data.
    :param kinds: The models wanted (``misinformation`` brings ``oe``, which labels its outliers).
    :return: ``{kind: (model in eval mode, metadata)}`` for ``plain``, ``oe`` and ``misinformation``.
    """
    unknown = sorted(set(kinds) - set(MODEL_KINDS))
    if unknown:
        raise ValueError(f"kinds must be among {MODEL_KINDS}, got {unknown}.")
    # misinformation needs oe (which labels its outliers); a fine-tuned oe needs plain (where it starts)
    needed = set(kinds) | ({"oe"} if "misinformation" in kinds else set())
    if "oe" in needed and scenario.oe_fine_tuning is not None:
        needed.add("plain")
    wanted = [kind for kind in MODEL_KINDS if kind in needed]
    x_train, y_train = load_labelled(scenario.train_source, data_root, "train source")
    x_test, y_test = load_labelled(scenario.test_source, data_root, "test source")
    x_outliers, _ = load_source(scenario.outlier_source, data_root)
    device = scenario.defender_recipe.device
    scenario = with_pretrained_weights(scenario, cache_dir, data_root)
    models: dict[str, tuple[torch.nn.Module, dict]] = {}
    callback = _epoch_test_accuracy(x_test, y_test) if scenario.record_epoch_accuracy else None
    for kind in wanted:
        key = _key(scenario, kind, seed)
        digest = _digest(key)
        path = os.path.join(cache_dir, f"{scenario.name}-{kind}-seed{seed}-{digest}.pt")
        # Locked by the training's content, not the scenario's name: two scenarios that share a model (the plain
        # defender of the optimistic and conservative ones) prepared at once train it once.
        with exclusive(os.path.join(cache_dir, f"training-{kind}-seed{seed}-{digest}")):
            # The digest is the training's content (data, outliers where used, architecture, recipe, seed): a model
            # cached under another scenario's name with the same digest is the same model (e.g. the plain defender of
            # two scenarios that differ only in their outliers), trained once.
            same_training = sorted(glob.glob(os.path.join(glob.escape(cache_dir), f"*-{kind}-seed{seed}-{digest}.pt")))
            for candidate in ([path] if os.path.isfile(path) else []) + [c for c in same_training if c != path]:
                try:
                    models[kind] = load_checkpoint(candidate, device=device)
                    logger.info("loaded %s", candidate)
                    break
                except ValueError as error:  # damaged, or written before checkpoints carried a digest
                    logger.warning("cached %s cannot be used (%s)", candidate, error)
            if kind in models:
                continue
            fine_tuned = kind == "oe" and scenario.oe_fine_tuning is not None
            model = copy.deepcopy(models["plain"][0]) if fine_tuned else scenario_model(scenario, seed)
            recipe = training_recipe(scenario, kind)
            start = time.perf_counter()
            if kind == "misinformation":
                history = train_misinformation_model(
                    model,
                    x_train,
                    y_train,
                    x_outliers,
                    defender=models["oe"][0],
                    config=recipe,
                    epoch_callback=callback,
                )
            else:
                outliers = x_outliers if kind == "oe" else None
                history = train_defender(model, x_train, y_train, outliers, config=recipe, epoch_callback=callback)
            metadata = dict(
                key,
                scenario=scenario.name,
                dataset=scenario.train_source,
                test_accuracy=accuracy(model, x_test, y_test),
                train_seconds=time.perf_counter() - start,
                seconds_per_epoch=float(np.mean([h["seconds"] for h in history])),
                device=device,
                history=history,
            )
            save_checkpoint(path, model, metadata)
            logger.info("trained %s: test accuracy %.4f", path, metadata["test_accuracy"])
            models[kind] = (model.eval(), metadata)
    return models


def load_models(scenario: Scenario, seed: int, cache_dir: str, data_root: str) -> dict[str, torch.nn.Module]:
    """
    :return: :func:`get_models`' models without their metadata: ``{kind: model}``.
    """
    return {kind: model for kind, (model, _) in get_models(scenario, seed, cache_dir, data_root).items()}


def get_sign_detector(
    scenario: Scenario, images: int, cache_dir: str, data_root: str, seed: int = 0, family: str = "sign"
) -> SignStepDetector:
    """
    :param scenario: The scenario (its training split is what the detector learns as clean).
    :param images: The detector trains on at most this many of the training images.
    :param cache_dir: Folder of cached checkpoints.
    :param data_root: Folder of real data.
    :param seed: Seed of the detector's initialisation, order and perturbations (a benchmark seed retrains it, as it
                 retrains every other model).
    :param family: The perturbation family it is trained against (``sign`` or ``broad``).
    :return: The fitted detector, trained once per training split, image count, seed and detector settings.
    """
    x_train, _ = load_source(scenario.train_source, data_root)
    detector = SignStepDetector(in_channels=x_train.shape[1], seed=seed, family=family)
    key = f"{scenario.train_source}-{images}-{detector!r}-seed{seed}"
    path = os.path.join(cache_dir, f"sign-detector-{hashlib.sha256(key.encode()).hexdigest()[:12]}.pt")
    with exclusive(path):
        if os.path.isfile(path):
            detector.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
            logger.info("loaded %s", path)
            return detector
        detector.fit(x_train[:images])
        state = detector.state_dict()
        write_atomic(path, lambda temporary: torch.save(state, temporary))
        logger.info("trained %s", path)
    return detector


@contextlib.contextmanager
def exclusive(path: str) -> Iterator[None]:
    """
    Hold an exclusive lock on ``path + ".lock"`` (``fcntl.flock``: released by the kernel when the holder dies), so
    that concurrent processes sharing a cache (shards, Ray workers, two runs) train each model once.

    :param path: The cached file the lock guards.
    """
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path + ".lock", "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
