"""Packed JPEG archives (CIFAR-10, Tiny ImageNet): decoding, resizing, the decode-once cache and clear errors."""

import io
import os

import numpy as np
import pytest
import torch
import torchvision
from PIL import Image

from art_am.datasets import load_dataset
from art_am.datasets.packed_jpeg import decode_packed_jpeg
from art_am.training import load_checkpoint


def _pack(path, images, labels, grey=()):
    """Write an archive the way ../shared/data does: JPEG files back to back, N + 1 offsets."""
    files = []
    for index, image in enumerate(images):
        buffer = io.BytesIO()
        picture = Image.fromarray(image).convert("L") if index in grey else Image.fromarray(image)
        picture.save(buffer, format="JPEG", quality=95)
        files.append(np.frombuffer(buffer.getvalue(), dtype=np.uint8))
    offsets = np.concatenate([[0], np.cumsum([len(f) for f in files])]).astype(np.int64)
    np.savez(path, jpeg=np.concatenate(files), offsets=offsets, y=np.asarray(labels, dtype=np.int64))


@pytest.fixture
def smooth_images(rng):
    # smooth images survive JPEG nearly unchanged, so decoders agree to a grey level or two
    base = rng.integers(0, 256, (6, 4, 4, 3)).astype(np.float32)
    return np.stack([np.kron(b, np.ones((16, 16, 1))) for b in base]).astype(np.uint8)


def test_decoding_agrees_with_torchvisions_decoder(tmp_path, smooth_images):
    archive = tmp_path / "set_train_jpeg.npz"
    _pack(archive, smooth_images, [3, 1, 4, 1, 5, 9], grey=(2,))
    x, y = decode_packed_jpeg(archive, cache_dir=tmp_path / "cache")
    assert x.shape == (6, 64, 64, 3) and x.dtype == np.uint8
    np.testing.assert_array_equal(y, [3, 1, 4, 1, 5, 9])
    data = np.load(archive)
    for index in range(6):  # reference: libjpeg through torchvision, on the bytes between the offsets
        raw = data["jpeg"][data["offsets"][index] : data["offsets"][index + 1]]
        mode = torchvision.io.ImageReadMode.RGB
        reference = torchvision.io.decode_jpeg(torch.as_tensor(raw.copy()), mode=mode).permute(1, 2, 0).numpy()
        assert np.abs(x[index].astype(int) - reference.astype(int)).max() <= 2, index
    assert (x[2, ..., 0] == x[2, ..., 1]).all()  # the greyscale file became RGB


def test_resizing_is_the_block_mean(tmp_path, smooth_images):
    archive = tmp_path / "set_val_jpeg.npz"
    _pack(archive, smooth_images, range(6))
    native, _ = decode_packed_jpeg(archive, cache_dir=tmp_path / "cache")
    small, _ = decode_packed_jpeg(archive, size=32, cache_dir=tmp_path / "cache")
    assert small.shape == (6, 32, 32, 3)
    reference = native.astype(np.float64).reshape(6, 32, 2, 32, 2, 3).mean(axis=(2, 4))
    assert np.abs(small - reference).max() <= 1.0


def test_the_cache_is_read_instead_of_decoding_again(tmp_path, smooth_images, monkeypatch):
    archive = tmp_path / "set_train_jpeg.npz"
    _pack(archive, smooth_images, range(6))
    first, _ = decode_packed_jpeg(archive, cache_dir=tmp_path / "cache")
    assert len(list((tmp_path / "cache").iterdir())) == 1

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded again although a cached array exists")

    monkeypatch.setattr(Image, "open", no_decoding)
    again, _ = decode_packed_jpeg(archive, cache_dir=tmp_path / "cache")
    np.testing.assert_array_equal(again, first)
    _pack(archive, smooth_images[::-1], range(6))  # a changed archive has another digest: decoded again
    monkeypatch.undo()
    changed, _ = decode_packed_jpeg(archive, cache_dir=tmp_path / "cache")
    np.testing.assert_array_equal(changed, first[::-1])


def test_load_dataset_finds_packed_archives_with_their_split_names(tmp_path, smooth_images, monkeypatch):
    monkeypatch.setenv("ART_AM_CACHE", str(tmp_path / "cache"))
    (tmp_path / "npz").mkdir()
    _pack(tmp_path / "npz" / "tinyimagenet_val_jpeg.npz", smooth_images, [7, 0, 199, 3, 3, 1])
    x, y = load_dataset("tinyimagenet32", tmp_path, train=False)
    assert x.shape == (6, 3, 32, 32) and x.dtype == np.float32 and 0.0 <= x.min() and x.max() <= 1.0
    np.testing.assert_array_equal(y, [7, 0, 199, 3, 3, 1])
    x64, _ = load_dataset("tinyimagenet", tmp_path, train=False)
    assert x64.shape == (6, 3, 64, 64)
    with pytest.raises(FileNotFoundError, match="tinyimagenet_train_jpeg.npz"):
        load_dataset("tinyimagenet", tmp_path, train=True)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(offsets=d["offsets"][:-1]), "offsets"),
        (lambda d: d.update(offsets=d["offsets"][::-1].copy()), "offsets"),
        (lambda d: d.pop("jpeg"), "jpeg"),
    ],
)
def test_damaged_archives_are_refused(tmp_path, smooth_images, change, message):
    archive = tmp_path / "set_train_jpeg.npz"
    _pack(archive, smooth_images, range(6))
    data = dict(np.load(archive))
    change(data)
    np.savez(archive, **data)
    with pytest.raises(ValueError, match=message):
        decode_packed_jpeg(archive, cache_dir=tmp_path / "cache")
    with pytest.raises(ValueError, match="size"):
        decode_packed_jpeg(archive, size=0, cache_dir=tmp_path / "cache")


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["cifar10-micro", "cifar10-fast-micro", "flowers17-micro"])
def test_the_colour_pipelines_run_end_to_end_on_generated_files(tmp_path, rng, monkeypatch, preset):
    """The cifar10-micro and flowers17-micro presets: CIFAR-10 and Tiny ImageNet archives and Flowers-17 npz files as
    the GPU and CPU presets read them."""
    from benchmarks import run as run_module  # pylint: disable=import-outside-toplevel

    monkeypatch.setenv("ART_AM_CACHE", str(tmp_path / "decoded"))
    data = tmp_path / "data" / "npz"
    data.mkdir(parents=True)
    if preset.startswith("cifar10"):
        cifar = rng.integers(0, 256, (80, 32, 32, 3), dtype=np.uint8)
        _pack(data / "cifar10_train_jpeg.npz", cifar[:50], np.arange(50) % 10)
        _pack(data / "cifar10_test_jpeg.npz", cifar[50:], np.sort(np.arange(30) % 10))  # stored in class order
    else:
        flowers = rng.integers(0, 256, (102, 64, 64, 3), dtype=np.uint8)
        np.savez(data / "flowers17_train.npz", x=flowers[:68], y=np.arange(68) % 17)
        np.savez(data / "flowers17_test.npz", x=flowers[68:], y=np.sort(np.arange(34) % 17))
    tiny = rng.integers(0, 256, (60, 64, 64, 3), dtype=np.uint8)
    tiny_labels = np.arange(60) * 3 % 200
    _pack(data / "tinyimagenet_train_jpeg.npz", tiny, tiny_labels)
    run_dir = tmp_path / "run"
    arguments = ["--preset", preset, "--data-root", str(tmp_path / "data"), "--run-dir", str(run_dir)]
    run_module.main(arguments + ["--cache-dir", str(tmp_path / "cache"), "--no-progress", "--skip-overhead"])
    points = sorted((run_dir / "points" / preset / "seed0").glob("*.json"))
    # 7 defence settings (AM with and without confidence matching; no sign detector on the CPU presets) x 2 attacks
    # x 2 label modes
    assert len(points) == 28
    import json  # pylint: disable=import-outside-toplevel

    records = [json.loads(point.read_text()) for point in points]
    assert all(r["queries"] > 0 and 0.0 <= r["clone_accuracy"] <= 1.0 for r in records)
    if preset == "flowers17-micro":  # 17 classes at 64x64: the clones answer in the defender's class space
        assert {r["scenario"] for r in records} == {"flowers17-micro"}
        # pretrained once on the Tiny ImageNet archive (in its class space), and every defender keyed by it
        (pretrained,) = (tmp_path / "cache").glob("pretrained-*.pt")
        assert load_checkpoint(str(pretrained))[1]["num_classes"] == tiny_labels.max() + 1
        defenders = list((tmp_path / "cache").glob("flowers17-micro-*.pt"))
        assert len(defenders) == 3 and all("pretrained" in load_checkpoint(str(p))[1] for p in defenders)
    assert (run_dir / "figures" / f"msp-cdf-{preset}.png").is_file()


def test_device_data_keeps_the_first_images_of_each_class_at_32_pixels(tmp_path, smooth_images, monkeypatch):
    import importlib.util  # pylint: disable=import-outside-toplevel

    monkeypatch.setenv("ART_AM_CACHE", str(tmp_path / "decoded"))
    source = tmp_path / "shared" / "npz"
    source.mkdir(parents=True)
    labels = [5, 1, 5, 1, 5, 0]
    for name in ("cifar10_train_jpeg.npz", "cifar10_test_jpeg.npz", "kmnist_test.npz", "notmnist_test.npz"):
        (source / name).write_bytes(b"copied as it is")
    for split in ("train", "val"):
        _pack(source / f"tinyimagenet_{split}_jpeg.npz", smooth_images, labels)
    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "scripts", "pack_device_data.py")
    spec = importlib.util.spec_from_file_location("pack_device_data", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "device"
    module.main(["--data-root", str(tmp_path / "shared"), "--out", str(out), "--train-per-class", "2"])
    assert (out / "npz" / "kmnist_test.npz").read_bytes() == b"copied as it is"
    x, y = load_dataset("tinyimagenet32", out, train=True)
    # the first two of classes 5 and 1, the only one of class 0, in their original order
    np.testing.assert_array_equal(y, [5, 1, 5, 1, 0])
    reference, _ = load_dataset("tinyimagenet32", tmp_path / "shared", train=True)
    # each kept image is the resized original (a second JPEG encoding: close on average, not pixel for pixel)
    distances = np.abs(x[:, None] - reference[None]).mean(axis=(2, 3, 4))
    np.testing.assert_array_equal(distances.argmin(axis=1), [0, 1, 2, 3, 5])
    assert distances[np.arange(5), [0, 1, 2, 3, 5]].max() < 0.03


def test_device_data_for_flowers17_keeps_64_pixels_and_the_flowers_files(tmp_path, smooth_images, monkeypatch):
    import importlib.util  # pylint: disable=import-outside-toplevel

    monkeypatch.setenv("ART_AM_CACHE", str(tmp_path / "decoded"))
    source = tmp_path / "shared" / "npz"
    source.mkdir(parents=True)
    for name in ("flowers17_train.npz", "flowers17_test.npz"):
        (source / name).write_bytes(b"copied as it is")
    for split in ("train", "val"):
        _pack(source / f"tinyimagenet_{split}_jpeg.npz", smooth_images, [5, 1, 5, 1, 5, 0])
    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "scripts", "pack_device_data.py")
    spec = importlib.util.spec_from_file_location("pack_device_data", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "device"
    module.main(["--task", "flowers17", "--data-root", str(tmp_path / "shared"), "--out", str(out)])
    assert (out / "npz" / "flowers17_test.npz").read_bytes() == b"copied as it is"
    assert not (out / "npz" / "cifar10_train_jpeg.npz").exists()
    x, y = load_dataset("tinyimagenet", out, train=True)
    reference, reference_labels = load_dataset("tinyimagenet", tmp_path / "shared", train=True)
    # all six kept (60 per class by default) at 64x64: the re-encoded originals, close on average
    assert x.shape == reference.shape and x.shape[-1] == 64
    np.testing.assert_array_equal(y, reference_labels)
    assert np.abs(x - reference).mean(axis=(1, 2, 3)).max() < 0.03
