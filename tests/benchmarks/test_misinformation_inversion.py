"""The misinformation-inversion study (benchmarks.studies.misinformation_inversion), against values computed by hand."""

import json

import numpy as np
import pytest
import torch

from art_am.models import create_model
from art_am.training import save_checkpoint
from benchmarks.studies import misinformation_inversion as study


def test_inversion_counts_top1_argmin_and_rank_by_hand():
    answers = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.5, 0.1, 0.4], [0.2, 0.5, 0.3]])
    labels = np.array([2, 0, 1, 1])
    measured = study.inversion(answers, labels)
    # top-1 classes 0, 2, 0, 1: one of four is the label; argmin classes 2, 0, 1, 0: three of four
    assert measured["top1"] == 0.25 and measured["argmin"] == 0.75
    # the labels' ranks from the lowest: 0, 0, 0, 2
    assert measured["mean_rank_from_lowest"] == 0.5


def test_the_decoder_reads_a_label_that_the_answers_encode():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, 400)
    # f_hat gives the true class nothing and the next class most: a fixed permutation the decoder can learn, which
    # argmin cannot (three classes share the lowest mass)
    answers = np.full((400, 4), 0.05)
    answers[np.arange(400), (labels + 1) % 4] = 0.85
    answers[np.arange(400), labels] = 1e-6
    answers /= answers.sum(axis=1, keepdims=True)
    assert study.decoder_accuracy(answers, labels, fitted_on=100) == 1.0
    # answers that carry no label: the decoder is near chance on the held-out half
    noise = rng.dirichlet(np.ones(4), 400)
    assert study.decoder_accuracy(noise, labels, fitted_on=150) < 0.4


def test_the_study_reads_every_seed_of_a_checkpoint_folder(tmp_path):
    for seed in (0, 1):
        for kind in ("misinformation", "oe"):
            torch.manual_seed(10 * seed + len(kind))
            metadata = {"architecture": "lenet5", "num_classes": 10}
            save_checkpoint(tmp_path / f"micro-{kind}-seed{seed}-0123456789ab.pt", create_model("lenet5", 10), metadata)
    # another scenario's checkpoint must not be read as this one's
    save_checkpoint(tmp_path / "micro-long-misinformation-seed5-0123456789ab.pt", create_model("lenet5", 10), metadata)
    output = tmp_path / "out.json"
    arguments = ["--preset", "micro", "--checkpoints", str(tmp_path), "--queries", "50", "--output", str(output)]
    (result,) = study.main(arguments)
    assert set(result["seeds"]) == {"0", "1"} and result["queries"] == 50
    for row in result["seeds"].values():
        assert {"top1", "argmin", "mean_rank_from_lowest", "defender_top1"} <= set(row["test"])
        assert any(key.startswith("decoder_") for key in row["test"]) and "queries" in row
    assert json.loads(output.read_text()) == [result]
    assert "| test images (true class) | f_hat argmin |" in study.markdown(result)
    with pytest.raises(SystemExit):
        study.main(["--preset", "micro", "--checkpoints", str(tmp_path / "missing")])
