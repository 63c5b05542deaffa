"""
The catalogue of bad inputs a hostile but realistic user gives the public API, each with what the user must get: a
``ValueError`` whose message names the argument (``error``), or, where the input is valid after all, a correct answer
(``accepted``, checked by the case itself). ``tests/test_bad_inputs.py`` runs every case;
``scripts/bad_inputs_table.py`` writes the table in ``docs/bad_inputs.md`` from the same cases.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable

import numpy as np
import torch
from art.estimators.classification import PyTorchClassifier
from torch import nn

from art_am.attacks import DetectorAwareJBDA, JacobianDatasetAugmentation, SelectiveExtraction
from art_am.datasets import load_npz
from art_am.datasets.packed_jpeg import decode_packed_jpeg
from art_am.defences import AdaptiveMisinformation, DeceptivePerturbation, PredictionPoisoning
from art_am.defences.ood_scores import SignStepDetector
from art_am.models import create_model, load_backbone
from art_am.training import load_checkpoint, save_checkpoint
from art_am.training.checkpoint import checkpoint_digest


@dataclasses.dataclass(frozen=True)
class BadInput:
    """
    :param group: Table section.
    :param given: What the user does, in words.
    :param run: Performs it; returns a short description of the (correct) result for ``accepted`` cases.
    :param match: Regular expression the error message must match (``None`` for ``accepted`` cases).
    """

    group: str
    given: str
    run: Callable[[], str | None]
    match: str | None


def _tiny(num_classes: int = 10, in_channels: int = 1, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(in_channels, 1, 7), nn.ReLU(), nn.MaxPool2d(4), nn.Flatten(), nn.Linear(25, num_classes)
    ).eval()


def _x(rows: int = 8, channels: int = 1) -> np.ndarray:
    return np.random.default_rng(0).random((rows, channels, 28, 28), dtype=np.float32)


def _logits(rows: int = 8, classes: int = 10) -> np.ndarray:
    return (3 * np.random.default_rng(1).normal(size=(rows, classes))).astype(np.float32)


def _am(**kwargs) -> AdaptiveMisinformation:
    return AdaptiveMisinformation(**{"misinformation_model": _tiny(seed=1), "threshold": 0.9, **kwargs})


def _am_call(f_hat: nn.Module, x: np.ndarray | None = None) -> None:
    am = AdaptiveMisinformation(f_hat, threshold=0.0)  # misinforms nothing: the check must not wait for such a row
    am(_logits(), x=_x() if x is None else x)


def _reassigned_threshold() -> None:
    am = _am()
    am.threshold = float("nan")
    am(_logits(), x=_x())


def _np_float_threshold() -> str:
    served = _am(threshold=np.float32(0.9))(_logits(), x=_x())
    reference = _am(threshold=0.9)(_logits(), x=_x())
    np.testing.assert_array_equal(served, reference)
    return "same answers as threshold=0.9"


def _meta_f_hat() -> None:
    with torch.device("meta"):
        f_hat = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    AdaptiveMisinformation(f_hat, threshold=0.9)


def _float64_f_hat() -> str:
    am = AdaptiveMisinformation(_tiny(seed=1).double(), threshold=1.0)  # every row misinformed
    served = am(_logits(), x=_x())
    with torch.no_grad():
        expected = torch.softmax(_tiny(seed=1).double()(torch.as_tensor(_x(), dtype=torch.float64)), 1).numpy()
    np.testing.assert_allclose(served, expected, atol=1e-4)
    return "f_hat evaluated in float64"


def _float16_f_hat() -> str:
    am = AdaptiveMisinformation(_tiny(seed=1).half(), threshold=1.0)  # every row misinformed
    served = am(_logits(), x=_x())
    with torch.no_grad():
        expected = torch.softmax(_tiny(seed=1).half()(torch.as_tensor(_x()).half()).float(), 1).numpy()
    np.testing.assert_allclose(served, expected, atol=1e-4)
    return "f_hat evaluated in float16"


def _jbda(victim_classes: int = 10, **kwargs) -> JacobianDatasetAugmentation:
    victim = PyTorchClassifier(
        _tiny(victim_classes), nn.CrossEntropyLoss(), (1, 28, 28), victim_classes, clip_values=(0.0, 1.0)
    )
    return JacobianDatasetAugmentation(victim, **{"nb_rounds": 1, "nb_epochs": 1, "verbose": False, **kwargs})


def _thief(num_classes: int = 10) -> PyTorchClassifier:
    model = _tiny(num_classes, seed=3)
    return PyTorchClassifier(
        model,
        nn.CrossEntropyLoss(),
        (1, 28, 28),
        num_classes,
        optimizer=torch.optim.SGD(model.parameters(), lr=0.01),
        clip_values=(0.0, 1.0),
    )


def _jbda_extract(x: np.ndarray, thief_classes: int = 10, **kwargs) -> None:
    _jbda(**kwargs).extract(x, thieved_classifier=_thief(thief_classes))


def _npz(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "set.npz")
        np.savez(path, x=x, y=y)
        return load_npz(path)


def _int64_pixels() -> str:
    pixels = np.random.default_rng(0).integers(0, 256, size=(4, 28, 28))
    x, _ = _npz(pixels, np.arange(4))
    np.testing.assert_array_equal(x, _npz(pixels.astype(np.uint8), np.arange(4))[0])
    return "read as 0-255, like uint8"


def _checkpoint_bytes(mutate: Callable[[bytes], bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.pt")
        torch.manual_seed(0)
        save_checkpoint(path, create_model("lenet5"), {"architecture": "lenet5", "num_classes": 10})
        with open(path, "rb") as stream:
            content = stream.read()
        with open(path, "wb") as stream:
            stream.write(mutate(content))
        load_checkpoint(path)


def _flip_weight_byte(content: bytes) -> bytes:
    """Flip one byte in the middle of the largest stored tensor (torch stores tensors uncompressed in a zip)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        largest = max((info for info in archive.infolist() if "/data/" in info.filename), key=lambda i: i.file_size)
    offset = largest.header_offset
    name_length = int.from_bytes(content[offset + 26 : offset + 28], "little")
    extra_length = int.from_bytes(content[offset + 28 : offset + 30], "little")
    position = offset + 30 + name_length + extra_length + largest.file_size // 2
    data = bytearray(content)
    data[position] ^= 0xFF
    return bytes(data)


def _crafted_checkpoint(metadata: dict) -> None:
    """A checkpoint whose digest is right (anyone can compute it) but whose metadata asks for something bad."""
    metadata_json = json.dumps(metadata)
    state = {"fc.weight": torch.zeros(2, 2)}
    payload = {"state_dict": state, "metadata_json": metadata_json, "extra_state": {}}
    payload["sha256"] = checkpoint_digest(state, {}, metadata_json)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.pt")
        torch.save(payload, path)
        load_checkpoint(path)


CASES: list[BadInput] = [
    # Numbers and bools
    BadInput("parameters", "`AdaptiveMisinformation(nu=True)`", lambda: _am(nu=True), r"^nu must be a finite number"),
    BadInput("parameters", "`AdaptiveMisinformation(batch_size=True)`", lambda: _am(batch_size=True), r"^batch_size"),
    BadInput(
        "parameters",
        "`AdaptiveMisinformation(victim_temperature=True)`",
        lambda: _am(victim_temperature=True),
        r"^victim_temperature",
    ),
    BadInput(
        "parameters", "`PredictionPoisoning(epsilon=True)`", lambda: PredictionPoisoning(epsilon=True), r"^epsilon"
    ),
    BadInput("parameters", "`DeceptivePerturbation(beta=True)`", lambda: DeceptivePerturbation(beta=True), r"^beta"),
    BadInput("parameters", "`DeceptivePerturbation(gamma=True)`", lambda: DeceptivePerturbation(gamma=True), r"^gamma"),
    BadInput("parameters", "`AdaptiveMisinformation(threshold=np.float32(0.9))`", _np_float_threshold, None),
    BadInput("parameters", "`am.threshold = nan` after construction, then a call", _reassigned_threshold, r"threshold"),
    BadInput(
        "parameters",
        "`PredictionPoisoning(surrogate_seed='a')`",
        lambda: PredictionPoisoning(surrogate_seed="a"),
        r"^surrogate_seed must be an integer",
    ),
    # Model outputs
    BadInput(
        "model outputs",
        "`preds_type='logits'` on a victim ending in a softmax",
        lambda: _am(preds_type="logits")(torch.softmax(torch.as_tensor(_logits()), 1).numpy(), x=_x()),
        r"preds_type='logits'.*every row is a probability vector",
    ),
    BadInput(
        "model outputs",
        "complex `preds`",
        lambda: DeceptivePerturbation()(_logits().astype(np.complex64)),
        r"^preds must be real numbers",
    ),
    BadInput(
        "model outputs",
        "1-D `preds` in a direct call",
        lambda: _am()(_logits()[0], x=_x(10)),
        r"^preds must be shaped \(nb_samples, nb_classes\)",
    ),
    # Auxiliary models
    BadInput(
        "auxiliary models",
        "`misinformation_model` taking 3 channels, victim 1 channel",
        lambda: _am_call(_tiny(in_channels=3)),
        r"^misinformation_model could not be evaluated on the query",
    ),
    BadInput(
        "auxiliary models",
        "`misinformation_model` with 5 classes, victim 10",
        lambda: _am_call(_tiny(num_classes=5)),
        r"^misinformation_model output has 5 classes but 10 were expected",
    ),
    BadInput(
        "auxiliary models", "`misinformation_model` on the meta device", _meta_f_hat, r"^misinformation_model.*meta"
    ),
    BadInput("auxiliary models", "`misinformation_model` in float64", _float64_f_hat, None),
    BadInput("auxiliary models", "`misinformation_model` in float16", _float16_f_hat, None),
    BadInput(
        "auxiliary models",
        "wrong-shape `x` in a direct call",
        lambda: _am_call(_tiny(seed=1), x=np.zeros((8, 1, 5, 5), np.float32)),
        r"^misinformation_model could not be evaluated on the query \(rows of shape \(1, 5, 5\)",
    ),
    BadInput(
        "auxiliary models",
        "`surrogate_model` with 3 input channels",
        lambda: PredictionPoisoning(_tiny(in_channels=3))(_logits(), x=_x()),
        r"^surrogate_model could not be evaluated",
    ),
    # JBDA
    BadInput("JBDA", "empty seed set", lambda: _jbda_extract(_x()[:0]), r"^x \(the seed images\) must be a non-empty"),
    BadInput(
        "JBDA",
        "NaN in the seeds",
        lambda: _jbda_extract(np.where(_x() > 0.5, np.nan, _x()).astype(np.float32)),
        r"^x \(the seed images\) contains NaN",
    ),
    BadInput(
        "JBDA",
        "uint8 seeds (0-255) against `clip_values=(0, 1)`",
        lambda: _jbda_extract((_x() * 255).astype(np.uint8)),
        r"clip_values",
    ),
    BadInput(
        "JBDA",
        "thief with 5 classes, victim 10",
        lambda: _jbda_extract(_x(), thief_classes=5, use_probability=False),
        r"^thieved_classifier has 5 classes but the victim answers with 10",
    ),
    BadInput(
        "JBDA",
        "`variant='jbtop10'` with 10 classes",
        lambda: _jbda_extract(_x(), variant="jbtop10", nb_rounds=2, use_probability=False),
        r"variant='jbtop10'.*k <= 9",
    ),
    # Datasets
    BadInput("datasets", "npz with float labels 0.5", lambda: _npz(_x(4), np.full(4, 0.5)), r"integer class labels"),
    BadInput("datasets", "npz with negative labels", lambda: _npz(_x(4), -np.arange(4)), r"labels >= 0"),
    BadInput(
        "datasets", "npz with string pixels", lambda: _npz(_x(4).astype(str), np.arange(4)), r"images must be integer"
    ),
    BadInput("datasets", "npz with int64 0-255 pixels", _int64_pixels, None),
    # Checkpoints
    BadInput(
        "checkpoints",
        "one byte of the weights flipped",
        lambda: _checkpoint_bytes(_flip_weight_byte),
        r"corrupted: its weights",
    ),
    BadInput(
        "checkpoints", "an empty file", lambda: _checkpoint_bytes(lambda _: b""), r"not a readable art_am checkpoint"
    ),
    BadInput(
        "checkpoints", "a text file", lambda: _checkpoint_bytes(lambda _: b"hello"), r"not a readable art_am checkpoint"
    ),
    BadInput(
        "checkpoints",
        "random bytes",
        lambda: _checkpoint_bytes(lambda _: bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8))),
        r"not a readable art_am checkpoint",
    ),
    BadInput(
        "checkpoints",
        "valid digest, `num_classes=100000000`",
        lambda: _crafted_checkpoint({"architecture": "lenet5", "num_classes": 10**8}),
        r"num_classes must be an integer in \[2, 100000\]",
    ),
    BadInput(
        "checkpoints",
        "valid digest, `model_kwargs={'weights_path': '/etc/passwd'}`",
        lambda: _crafted_checkpoint({"architecture": "resnet18", "model_kwargs": {"weights_path": "/etc/passwd"}}),
        r"model_kwargs may only set",
    ),
    BadInput(
        "checkpoints",
        "valid digest, weights of another shape",
        lambda: _crafted_checkpoint({"architecture": "lenet5", "num_classes": 10}),
        r"do not match the model its metadata describes",
    ),
    BadInput(
        "adaptive attackers",
        "`SelectiveExtraction(selection='loudest')`",
        lambda: SelectiveExtraction(_jbda().estimator, selection="loudest"),
        r"^selection must be one of",
    ),
    BadInput(
        "adaptive attackers",
        "`SelectiveExtraction(keep_fraction=0)`",
        lambda: SelectiveExtraction(_jbda().estimator, keep_fraction=0),
        r"^keep_fraction",
    ),
    BadInput(
        "adaptive attackers",
        "`DetectorAwareJBDA(forms=('sign', 'blur'))`",
        lambda: DetectorAwareJBDA(_jbda().estimator, forms=("sign", "blur")),
        r"^forms must be a non-empty subset",
    ),
    BadInput(
        "adaptive attackers",
        "`DetectorAwareJBDA(min_movement=1.5)`",
        lambda: DetectorAwareJBDA(_jbda().estimator, min_movement=1.5),
        r"^min_movement",
    ),
    BadInput(
        "adaptive attackers",
        "`SignStepDetector(family='all')`",
        lambda: SignStepDetector(family="all"),
        r"^family must be one of",
    ),
    BadInput(
        "datasets",
        "`decode_packed_jpeg(path, size=0)`",
        lambda: decode_packed_jpeg(__file__, size=0),
        r"^size must be a positive integer",
    ),
    BadInput(
        "checkpoints",
        "`load_backbone(resnet8, lenet5.state_dict())`: pretrained weights of another architecture",
        lambda: load_backbone(create_model("resnet8"), create_model("lenet5").state_dict()),
        r"^state_dict is not a backbone of this model's architecture",
    ),
    BadInput(
        "checkpoints",
        "`load_backbone(resnet8, resnet8_width_8.state_dict())`: pretrained weights of another width",
        lambda: load_backbone(create_model("resnet8"), create_model("resnet8", width=8).state_dict()),
        r"^state_dict entry '[^']+' has shape",
    ),
    BadInput(
        "checkpoints",
        "`load_backbone(model, weights, head='fc')` on a model whose head is `classifier`",
        lambda: load_backbone(create_model("resnet8"), create_model("resnet8").state_dict(), head="fc"),
        r"^head 'fc' names no submodule",
    ),
]
