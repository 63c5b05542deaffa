"""Pretraining a scenario's models (the stand-in for the paper's ImageNet weights): trained once, keyed, and the start
of every defender and clone."""

import dataclasses

import pytest
import torch

from art_am.training import TrainingConfig, load_checkpoint
from benchmarks import model_cache
from benchmarks.attack_runs import make_clone
from benchmarks.presets import MICRO
from benchmarks.scenarios import Pretraining

# Fashion-MNIST images as the pretraining set of the MNIST micro scenario: another labelled set of the same shape.
PRETRAINED_MICRO = dataclasses.replace(
    MICRO,
    name="micro-pretrained",
    architecture="resnet8",
    model_kwargs={"width": 8, "in_channels": 1},
    pretraining=Pretraining(
        source="embedded:queries?limit=256",
        recipe=TrainingConfig(epochs=1, lr=0.05, progress=False),
        test_source="embedded:queries?limit=64",
    ),
)


def _backbone(model):
    return {k: v for k, v in model.state_dict().items() if not k.startswith("classifier.")}


def test_models_and_clones_start_from_the_pretrained_backbone_trained_once(tmp_path, monkeypatch):
    calls = []
    original = model_cache.train_defender
    monkeypatch.setattr(model_cache, "train_defender", lambda *a, **k: calls.append(a) or original(*a, **k))
    resolved = model_cache.with_pretrained_weights(PRETRAINED_MICRO, str(tmp_path), ".")
    again = model_cache.with_pretrained_weights(PRETRAINED_MICRO, str(tmp_path), ".")
    assert len(calls) == 1 and resolved.pretrained_weights == again.pretrained_weights
    pretrained, metadata = load_checkpoint(resolved.pretrained_weights)
    assert metadata["images"] == 256 and 0.0 <= metadata["test_accuracy"] <= 1.0
    # the reference: the checkpoint's own weights, read back by load_checkpoint
    expected = _backbone(pretrained)
    for model in (model_cache.scenario_model(resolved, 3), make_clone(resolved, 0.1, 3, "cpu").model):
        got = _backbone(model)
        assert got.keys() == expected.keys()
        for key, value in expected.items():
            torch.testing.assert_close(got[key], value, rtol=0, atol=0)
    # two seeds share the backbone and differ in their heads
    heads = [model_cache.scenario_model(resolved, seed).classifier.weight for seed in (0, 1)]
    assert not torch.equal(heads[0], heads[1])


def test_pretraining_is_part_of_the_models_key_and_absent_keys_are_unchanged():
    plain_key = model_cache._key(MICRO, "plain", 0)  # pylint: disable=protected-access
    assert "pretrained" not in plain_key  # the digests of cached scenarios trained from scratch stay valid
    with_pretraining = dataclasses.replace(MICRO, pretraining=PRETRAINED_MICRO.pretraining)
    pretrained_key = model_cache._key(with_pretraining, "plain", 0)  # pylint: disable=protected-access
    other_recipe = dataclasses.replace(
        with_pretraining, pretraining=dataclasses.replace(PRETRAINED_MICRO.pretraining, recipe=TrainingConfig(epochs=2))
    )
    assert (
        pretrained_key["pretrained"] != model_cache._key(other_recipe, "plain", 0)["pretrained"]
    )  # pylint: disable=protected-access


def test_an_unresolved_pretrained_scenario_is_an_error_not_a_model_from_scratch():
    with pytest.raises(ValueError, match="pretrained_weights are unset"):
        model_cache.scenario_model(PRETRAINED_MICRO, 0)
    with pytest.raises(ValueError, match="pretrained_weights are unset"):
        make_clone(PRETRAINED_MICRO, 0.1, 0, "cpu")
