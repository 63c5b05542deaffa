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
import warnings
import zipfile
from collections.abc import Callable

import numpy as np
import torch
from art.estimators.classification import PyTorchClassifier
from torch import nn

from art_am.attacks import (
    DetectorAwareJBDA,
    JacobianDatasetAugmentation,
    SelectiveExtraction,
    augment_seed_images,
)
from art_am.datasets import load_npz
from art_am.datasets.packed_jpeg import decode_packed_jpeg
from art_am.defences import AdaptiveMisinformation, DeceptivePerturbation, PredictionPoisoning
from art_am.defences.ood_scores import Mahalanobis, SignStepDetector
from art_am.models import create_model, load_backbone
from art_am.training import class_blends, load_checkpoint, save_checkpoint, shuffled_patches
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


def _softmaxed_logits() -> str:
    probabilities = torch.softmax(torch.as_tensor(_logits()), 1).numpy()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        served = _am(preds_type="logits", threshold=0.0)(probabilities, x=_x())
    assert any("declared logits" in str(w.message) for w in caught), "no warning"
    expected = torch.softmax(torch.as_tensor(probabilities, dtype=torch.float64), 1).numpy()
    np.testing.assert_allclose(served, expected, atol=1e-6)
    return "served as declared (softmax of the values), with a warning naming preds_type"


def _logits_on_the_simplex() -> str:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        served = DeceptivePerturbation(preds_type="logits")(np.array([[0.5, 0.5]]))
    reference = DeceptivePerturbation(preds_type="probabilities")(np.array([[0.5, 0.5]]))  # softmax of equal logits
    np.testing.assert_allclose(served, reference, atol=1e-7)
    assert caught, "no warning"
    return "served as logits, with a warning"


def _reversed_query() -> str:
    x = _x()[::-1]
    am = _am(threshold=1.0)  # every row misinformed: the misinformation model runs on the reversed rows
    np.testing.assert_array_equal(am(_logits(), x=x), am(_logits(), x=x.copy()))
    return "same answers as a contiguous copy"


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


def _thief(num_classes: int = 10, loss: nn.Module | None = None) -> PyTorchClassifier:
    model = _tiny(num_classes, seed=3)
    return PyTorchClassifier(
        model,
        loss if loss is not None else nn.CrossEntropyLoss(),
        (1, 28, 28),
        num_classes,
        optimizer=torch.optim.SGD(model.parameters(), lr=0.01),
        clip_values=(0.0, 1.0),
    )


def _jbda_extract(x: np.ndarray, thief_classes: int = 10, **kwargs) -> None:
    _jbda(**kwargs).extract(x, thieved_classifier=_thief(thief_classes))


def _nan_pixel(x: np.ndarray) -> np.ndarray:
    x = x.copy()
    x[3, 0, 5, 5] = np.nan
    return x


def _selective_extract(x: np.ndarray | None = None, thief: PyTorchClassifier | None = None, **kwargs) -> None:
    settings = {"nb_stolen": 20, "nb_epochs": 1, "use_probability": False, "seed": 0, **kwargs}
    attack = SelectiveExtraction(_jbda().estimator, **settings)
    attack.extract(_x(40) if x is None else x, thieved_classifier=_thief() if thief is None else thief)


def _selective_twice() -> str:
    attack = SelectiveExtraction(_jbda().estimator, nb_stolen=20, nb_epochs=1, use_probability=False, seed=0)
    for _ in range(2):
        attack.extract(_x(40), thieved_classifier=_thief())
    assert attack.queries_used == 20, attack.queries_used
    return "queries_used counts the last call (20), not both"


def _npz(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "set.npz")
        np.savez(path, x=x, y=y)
        return load_npz(path)


def _npz_bytes(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "set.npz")
        with open(path, "wb") as stream:
            stream.write(content)
        load_npz(path)


def _half_npz() -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, x=_x(4), y=np.arange(4))
    return buffer.getvalue()[: len(buffer.getvalue()) // 2]


def _jpeg(side: int, seed: int = 0) -> bytes:
    from PIL import Image  # pylint: disable=import-outside-toplevel

    pixels = np.random.default_rng(seed).integers(0, 256, (side, side, 3)).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG")
    return buffer.getvalue()


def _write_packed(path: str, files: list[bytes]) -> None:
    offsets = np.concatenate([[0], np.cumsum([len(f) for f in files])]).astype(np.int64)
    data = np.frombuffer(b"".join(files), dtype=np.uint8)
    np.savez(path, jpeg=data, offsets=offsets, y=np.arange(len(files), dtype=np.int64))


def _packed(files: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "set_train_jpeg.npz")
        _write_packed(path, files)
        decode_packed_jpeg(path, cache_dir=os.path.join(folder, "cache"))


def _truncated_decode_cache() -> str:
    with tempfile.TemporaryDirectory() as folder:
        path, cache = os.path.join(folder, "set_train_jpeg.npz"), os.path.join(folder, "cache")
        _write_packed(path, [_jpeg(8, seed) for seed in range(3)])
        first, _ = decode_packed_jpeg(path, cache_dir=cache)
        (cached,) = [os.path.join(cache, name) for name in os.listdir(cache)]
        with open(cached, "r+b") as stream:
            stream.truncate(os.path.getsize(cached) // 2)
        for _ in range(2):  # the damaged file is decoded again and replaced, so the next load reads the cache
            again, _ = decode_packed_jpeg(path, cache_dir=cache)
            np.testing.assert_array_equal(again, first)
        return "decoded again and the cache file rewritten"


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
    BadInput("model outputs", "`preds_type='logits'` on a victim ending in a softmax", _softmaxed_logits, None),
    BadInput(
        "model outputs",
        "`DeceptivePerturbation(preds_type='logits')([[0.5, 0.5]])` (valid logits on the simplex)",
        _logits_on_the_simplex,
        None,
    ),
    BadInput(
        "model outputs",
        "1-D `preds` with a query of another length",
        lambda: _am()(_logits()[0], x=_x(1)),
        r"^preds must be shaped \(nb_samples, nb_classes\)",
    ),
    BadInput("queries", "a reversed view of `x` (negative strides)", _reversed_query, None),
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
    BadInput("datasets", "npz that is not a zip", lambda: _npz_bytes(b"not a zip at all"), r"is not a readable NumPy"),
    BadInput("datasets", "npz truncated to half", lambda: _npz_bytes(_half_npz()), r"is not a readable NumPy archive"),
    BadInput("datasets", "npz of 0 bytes", lambda: _npz_bytes(b""), r"is not a readable NumPy archive"),
    BadInput("datasets", "npz with zero images", lambda: _npz(_x(4)[:0], np.arange(0)), r"holds no images"),
    BadInput(
        "datasets",
        "packed JPEG archive with an entry of random bytes",
        lambda: _packed([_jpeg(8), bytes(range(200))]),
        r"image 1 \(bytes \d+-\d+\) is not a decodable JPEG",
    ),
    BadInput(
        "datasets",
        "packed JPEG archive with a truncated entry",
        lambda: _packed([_jpeg(8), _jpeg(8)[:40]]),
        r"image 1 .* is not a decodable JPEG",
    ),
    BadInput("datasets", "packed JPEG archive of mixed sizes", lambda: _packed([_jpeg(8), _jpeg(12)]), r"of 2 sizes"),
    BadInput("datasets", "packed JPEG archive with zero images", lambda: _packed([]), r"holds no images"),
    BadInput("datasets", "truncated decode-cache file", _truncated_decode_cache, None),
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
        "`SelectiveExtraction(use_probability=True)` against a victim returning logits",
        lambda: _selective_extract(use_probability=True),
        r"use_probability=True but the victim's outputs are not probabilities",
    ),
    BadInput(
        "adaptive attackers",
        "`SelectiveExtraction` with a NaN pixel in the pool",
        lambda: _selective_extract(x=_nan_pixel(_x(40))),
        r"^x \(the query pool\) contains NaN or inf in 1 image",
    ),
    BadInput(
        "adaptive attackers",
        "`SelectiveExtraction` with a uint8 pool against `clip_values=(0, 1)`",
        lambda: _selective_extract(x=(_x(40) * 255).astype(np.uint8)),
        r"^x \(the query pool\) lies in \[0, 25\d\] but the victim's clip_values are \(0, 1\)",
    ),
    BadInput(
        "adaptive attackers",
        "`SelectiveExtraction(use_probability=True)` with an MSE-loss thief",
        lambda: _selective_extract(use_probability=True, thief=_thief(loss=nn.MSELoss())),
        r"use_probability=True but the thief's loss is MSELoss",
    ),
    BadInput(
        "adaptive attackers",
        "`SelectiveExtraction` with an empty pool",
        lambda: _selective_extract(x=_x(40)[:0]),
        r"^x \(the query pool\) must be a non-empty numeric array",
    ),
    BadInput(
        "adaptive attackers",
        "`SelectiveExtraction` with a 5-class thief against a 10-class victim",
        lambda: _selective_extract(thief=_thief(5)),
        r"^thieved_classifier has 5 classes but the victim answers with 10",
    ),
    BadInput(
        "adaptive attackers",
        "`SelectiveExtraction(selection='consistency')` on flat (N, 784) data",
        lambda: _selective_extract(x=_x(40).reshape(40, -1), selection="consistency"),
        r"selection='consistency' shifts images: x \(the query pool\) must be shaped \(N, C, H, W\)",
    ),
    BadInput("adaptive attackers", "`SelectiveExtraction.extract` called twice", _selective_twice, None),
    BadInput(
        "adaptive attackers",
        "`DetectorAwareJBDA` with seeds shaped (N, 28, 28)",
        lambda: DetectorAwareJBDA(_jbda().estimator, detector_epochs=1, nb_rounds=1, nb_epochs=1).extract(
            _x(6)[:, 0], thieved_classifier=_thief()
        ),
        r"^x \(the seed images\) must be shaped \(N, C, H, W\) for the detector copy",
    ),
    BadInput(
        "parameters",
        "`Mahalanobis(model).fit(x, y)` with a label of 0.7",
        lambda: Mahalanobis(_tiny()).fit(x=_x(4), y=np.array([0, 1, 0.7, 2])),
        r"^y must hold class indices .* such as 0\.7",
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
    BadInput(
        "adaptive attackers",
        "`augment_seed_images(x_seeds, 100, seed_weight=(0.4, 0.9))`: the seed would be the minority of a blend",
        lambda: augment_seed_images(_x(4, 3), 100, seed_weight=(0.4, 0.9)),
        r"^seed_weight must be a tuple \(low, high\)",
    ),
    BadInput(
        "adaptive attackers",
        "`augment_seed_images(x_seeds, 100, max_shift=16)` on 28x28 images: a shift of half the side or more",
        lambda: augment_seed_images(_x(4, 1), 100, max_shift=16),
        r"^max_shift must be an integer >= 0 and <= 13",
    ),
    BadInput(
        "training",
        "`shuffled_patches(x, patch_size=5)` on 28x28 images: patches that do not tile the image",
        lambda: shuffled_patches(_x(4, 1), patch_size=5),
        r"^patch_size must tile the 28x28 images",
    ),
    BadInput(
        "training",
        "`class_blends(x, y)` with every label the same: no other class to blend with",
        lambda: class_blends(_x(4, 1), np.zeros(4, dtype=np.int64)),
        r"^y must be integer labels \(N,\) of x's 4 images with at least two classes",
    ),
    BadInput(
        "training",
        "`class_blends(x, y, weight=(0.7, 0.3))`: a reversed range",
        lambda: class_blends(_x(4, 1), np.arange(4), weight=(0.7, 0.3)),
        r"^weight must be a tuple \(low, high\) of finite numbers with low <= high, both >= 0 and <= 1",
    ),
]
