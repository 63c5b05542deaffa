"""The fast recipe's device report: model accuracies over seeds, the OE cost on validation, the probe."""

import json

import numpy as np
import pytest

from benchmarks.studies.fast_recipe_study import _model_name, device_report, main


def _point(scenario, seed, defence, validation):
    return {
        "scenario": scenario,
        "seed": seed,
        "attack": "knockoff:q",
        "labels": "soft",
        "defence": defence,
        "parameter": None,
        "defender_accuracy": validation,
        "defender_accuracy_validation": validation,
        "clone_accuracy": 0.5,
        "clone_accuracy_validation": 0.5,
        "queries": 10,
    }


def test_model_names_are_split_into_scenario_kind_and_seed():
    assert _model_name("cifar10-fast-conservative-plain-seed2-2f09becf8a68.pt") == (
        "cifar10-fast-conservative",
        "plain",
        2,
    )
    assert _model_name("a-b-misinformation-seed10-abc.pt") == ("a-b", "misinformation", 10)
    with pytest.raises(ValueError, match="not a model cache file name"):
        _model_name("notes.txt")


def test_the_device_report_summarises_over_seeds(tmp_path):
    accuracies = [0.9088, 0.9100, 0.9090]
    models = {f"s-plain-seed{k}-d{k}.pt": {"test_accuracy": a} for k, a in enumerate(accuracies)}
    (tmp_path / "models.json").write_text(json.dumps(models))
    costs = [0.002, 0.004, 0.0]
    for seed, cost in enumerate(costs):
        folder = tmp_path / "points" / "s" / f"seed{seed}"
        folder.mkdir(parents=True)
        (folder / "u.json").write_text(json.dumps(_point("s", seed, "undefended", 0.9)))
        (folder / "o.json").write_text(json.dumps(_point("s", seed, "oe_only", 0.9 - cost)))
    (tmp_path / "recipe_probe.jsonl").write_text(
        json.dumps(
            {
                "variant": "base",
                "epochs": 12,
                "test_accuracy_tta": 0.9,
                "test_accuracy_no_tta": 0.89,
                "train_seconds": 20.4,
            }
        )
        + "\n"
    )
    text = device_report(str(tmp_path))
    mean, std = 100 * np.mean(accuracies), 100 * np.std(accuracies, ddof=1)
    assert f"| s | plain | 3 | {mean:.2f} ± {std:.2f} |" in text
    assert "90.88 / 91.00 / 90.90" in text
    assert f"| s | 3 | {100 * np.mean(costs):.2f} ± {100 * np.std(costs, ddof=1):.2f} |" in text
    assert "+0.20 / +0.40 / +0.00" in text
    assert "| base | 12 | 90.00 % | 89.00 % | 20 |" in text


def test_a_missing_folder_is_a_usage_error(tmp_path, capsys):
    assert main(["--device-report", str(tmp_path / "absent")]) == 2
    assert "--device-report needs one existing folder" in capsys.readouterr().err


def test_the_report_summarises_a_model_trained_on_several_seeds(tmp_path):
    from benchmarks.studies.fast_recipe_study import report  # pylint: disable=import-outside-toplevel

    for seed, accuracy in enumerate((0.91, 0.92, 0.93)):
        point = {"kind": "plain", "seed": seed, "history": [{"test_accuracy": 0.5, "seconds": 1.0}]}
        point.update(full_test_accuracy_tta=accuracy, validation_accuracy_tta=0.9, test_half_accuracy_tta=0.9)
        (tmp_path / f"p{seed}.json").write_text(json.dumps(dict(point, train_seconds=60.0)))
    # mean 92 %, sample std 1 pp, 95 % half-width t(0.975, 2) * 1 / sqrt(3) = 2.48 pp
    assert "| plain | 3 | 92.00 ± 1.00 | [89.5, 94.5] |" in report(str(tmp_path))


def test_the_report_gives_the_oe_cost_per_seed_from_the_plain_and_oe_points(tmp_path):
    from benchmarks.studies.fast_recipe_study import report  # pylint: disable=import-outside-toplevel

    history = [{"test_accuracy": 0.5, "seconds": 1.0}]
    # OE costs 0.3, 0.1 and -0.1 pp (seed 2: OE better); seed 3 has no plain point and no cost
    for seed, plain, oe in ((0, 0.910, 0.907), (1, 0.905, 0.904), (2, 0.900, 0.901), (3, None, 0.9)):
        for kind, validation in (("plain", plain), ("oe", oe)):
            if validation is None:
                continue
            point = {"scenario": "s", "kind": kind, "seed": seed, "history": history, "train_seconds": 60.0}
            point.update(full_test_accuracy_tta=0.9, validation_accuracy_tta=validation, test_half_accuracy_tta=0.9)
            (tmp_path / f"{kind}{seed}.json").write_text(json.dumps(point))
    # mean 0.1 pp, sample std 0.2 pp, half-width t(0.975, 2) * 0.2 / sqrt(3) = 0.50 pp
    assert "| s | 3 | 0.10 ± 0.20 | [-0.4, 0.6] | +0.30 / +0.10 / -0.10 |" in report(str(tmp_path))
