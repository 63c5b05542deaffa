"""The fair budget reference: the plain defender fine-tuned by the OE recipe without outliers
(benchmarks.studies.fine_tuned_reference)."""

import copy
import dataclasses
import json

import numpy as np
import torch

from art_am.training import train_defender
from benchmarks.data import evaluation_split, load_labelled
from benchmarks.model_cache import get_models
from benchmarks.presets import MICRO
from benchmarks.run_files import FINE_TUNED_REFERENCE_KIND, read_fine_tuned_reference
from benchmarks.studies import fine_tuned_reference as study

FINE_TUNING = dataclasses.replace(MICRO, name="micro-ft", oe_fine_tuning=dataclasses.replace(MICRO.defender_recipe))


def _by_hand(model: torch.nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    with torch.no_grad():
        return float((model.eval()(torch.as_tensor(x)).argmax(1).numpy() == y).mean())


def test_the_reference_is_the_plain_defender_fine_tuned_by_the_oe_recipe_without_outliers(tmp_path):
    """Reference: the halves' accuracies recomputed by a bare forward pass, and the fine-tuning replayed by hand from
    the cached plain defender (the OE recipe, its batch order seed, no outlier batches): the same accuracies. The OE
    defender, fine-tuned from the same start with outliers, is another model."""
    result = study.fine_tuned_reference(FINE_TUNING, 0, str(tmp_path), "data")
    models = get_models(FINE_TUNING, 0, str(tmp_path), "data")
    plain = models["plain"][0]
    x_train, y_train = load_labelled(FINE_TUNING.train_source, "data", "train source")
    replay = copy.deepcopy(plain)
    train_defender(replay, x_train, y_train, None, config=FINE_TUNING.oe_fine_tuning)
    split = evaluation_split(FINE_TUNING.test_source, FINE_TUNING.attacks.jbda_seeds, "data", FINE_TUNING.shuffle_test)
    halves = {"validation": (split.x_validation, split.y_validation), "test": (split.x_test, split.y_test)}
    for part, (x, y) in halves.items():
        assert result["plain"][part] == _by_hand(plain, x, y)
        assert result["fine_tuned"][part] == _by_hand(replay, x, y)
    assert len(result["history"]) == FINE_TUNING.oe_fine_tuning.epochs and result["train_seconds"] > 0
    oe = models["oe"][0].state_dict()
    assert any(not torch.equal(oe[name], value) for name, value in replay.state_dict().items())


def test_a_vanishing_learning_rate_keeps_the_plain_defenders_weights(tmp_path, monkeypatch):
    """It starts from the seed's cached plain defender, not a fresh model: at lr 1e-12 the weights stay put (batch-norm
    running statistics aside, which follow the training images)."""
    still = dataclasses.replace(FINE_TUNING, oe_fine_tuning=dataclasses.replace(MICRO.defender_recipe, lr=1e-12))
    kept = {}
    real = study.train_defender

    def spy(model, *args, **kwargs):
        kept["start"] = copy.deepcopy(model.state_dict())
        history = real(model, *args, **kwargs)
        kept["end"] = model.state_dict()
        return history

    monkeypatch.setattr(study, "train_defender", spy)
    study.fine_tuned_reference(still, 0, str(tmp_path), "data")
    plain = get_models(still, 0, str(tmp_path), "data", kinds=("plain",))["plain"][0].state_dict()
    for name, value in plain.items():
        torch.testing.assert_close(kept["start"][name], value, atol=0, rtol=0)
        if value.is_floating_point() and "running" not in name:
            torch.testing.assert_close(kept["end"][name], value, atol=1e-6, rtol=0)


def test_the_output_is_resumed_and_bad_input_is_refused_naming_the_flag(tmp_path, monkeypatch, capsys):
    calls = []

    def fake(scenario, seed, cache_dir, data_root):
        calls.append(seed)
        gain = {0: 0.01, 1: 0.03, 2: -0.01}[seed]
        return {
            "seed": seed,
            "plain": {"validation": 0.5, "test": 0.5},
            "fine_tuned": {"validation": 0.5 + gain, "test": 0.5},
        }

    monkeypatch.setattr(study, "fine_tuned_reference", fake)
    monkeypatch.setattr(study, "selected_scenarios", lambda args: [FINE_TUNING])
    output = tmp_path / "ref.json"
    argv = ["--cache-dir", str(tmp_path), "--data-root", "data", "--output", str(output)]
    assert study.main(argv + ["--seed-list", "0,1"]) == 0
    assert study.main(argv + ["--seed-list", "1,2"]) == 0
    assert calls == [0, 1, 2]  # seed 1 is kept from the file
    # the gain over seeds, against numpy: +1 / +3 / -1 pp, mean 1.0, sample std 2.0
    gains = np.array([1.0, 3.0, -1.0])
    assert f"| validation | 3 | +1.00 / +3.00 / -1.00 | {gains.mean():.2f} ± {gains.std(ddof=1):.2f} |" in (
        capsys.readouterr().out
    )
    content = read_fine_tuned_reference(str(output))
    assert sorted(content["seeds"]) == ["0", "1", "2"] and content["scenario"] == "micro-ft"
    assert content["recipe"]["epochs"] == FINE_TUNING.oe_fine_tuning.epochs
    capsys.readouterr()
    assert study.main(argv[:-2] + ["--seed-list", "0"]) == 2
    assert "--output: None is not valid" in capsys.readouterr().err
    assert study.main(argv + ["--seed-list", "x"]) == 2
    assert "--seed-list" in capsys.readouterr().err
    output.write_text(json.dumps({"kind": "other"}))
    assert study.main(argv + ["--seed-list", "0"]) == 2
    error = capsys.readouterr().err
    assert "--output: " in error and "not a fine-tuned reference file" in error
    monkeypatch.setattr(study, "selected_scenarios", lambda args: [dataclasses.replace(FINE_TUNING, name="t")])
    output.write_text(json.dumps({"kind": FINE_TUNED_REFERENCE_KIND, "scenario": "micro-ft", "seeds": {}}))
    assert study.main(argv + ["--seed-list", "0"]) == 2
    assert "holds scenario 'micro-ft'" in capsys.readouterr().err


def test_a_scenario_trained_from_scratch_needs_no_fine_tuned_reference(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(study, "selected_scenarios", lambda args: [MICRO])
    argv = ["--cache-dir", str(tmp_path), "--data-root", "data", "--output", str(tmp_path / "r.json")]
    assert study.main(argv + ["--seed-list", "0"]) == 2
    assert "trains its OE defender from scratch" in capsys.readouterr().err
