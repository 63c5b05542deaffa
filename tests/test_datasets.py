import os
import re

import numpy as np
import pytest

from art_am.datasets import (
    DatasetNotFoundError,
    load_dataset,
    load_embedded_default,
    load_npz,
    to_float_images,
)


def _write_idx(path, array):
    array = np.asarray(array, dtype=np.uint8)
    magic = 0x0800 | array.ndim
    header = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    with open(path, "wb") as handle:
        handle.write(header + array.tobytes())


def test_torchvision_layout_is_read(tmp_path, rng):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    images = rng.integers(0, 256, (12, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 12, dtype=np.uint8)
    for split in ("train", "t10k"):  # torchvision wants all four files present
        _write_idx(raw / f"{split}-images-idx3-ubyte", images)
        _write_idx(raw / f"{split}-labels-idx1-ubyte", labels)
    x, y = load_dataset("mnist", tmp_path, train=False)
    assert x.shape == (12, 1, 28, 28) and x.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_allclose(x[:, 0] * 255.0, images, atol=1e-3)
    np.testing.assert_array_equal(y, labels)


def test_npz_file_under_data_root_is_used(tmp_path, rng):
    (tmp_path / "npz").mkdir()
    images = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    np.savez(tmp_path / "npz" / "notmnist_test.npz", x=images, y=np.arange(5))
    x, y = load_dataset("notmnist", tmp_path, train=False)
    assert x.shape == (5, 1, 28, 28) and 0.0 <= x.min() and x.max() <= 1.0
    np.testing.assert_array_equal(y, np.arange(5))


def test_missing_dataset_error_names_path_and_download(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="download=True") as info:
        load_dataset("fashion_mnist", tmp_path, train=True)
    assert os.path.join(str(tmp_path), "FashionMNIST") in str(info.value)
    with pytest.raises(DatasetNotFoundError, match="notmnist_train.npz"):
        load_dataset("notmnist", tmp_path, train=True)


def test_svhn_is_read_with_its_split_argument(tmp_path, monkeypatch, rng):
    import torchvision

    class FakeSVHN:  # torchvision's SVHN interface: split=..., .data (N, 3, H, W) uint8, .labels
        def __init__(self, root, split, download):
            assert split == "test" and not download
            self.data = rng.integers(0, 256, (4, 3, 32, 32), dtype=np.uint8)
            self.labels = np.array([0, 1, 2, 3])

    monkeypatch.setattr(torchvision.datasets, "SVHN", FakeSVHN)
    x, y = load_dataset("svhn", tmp_path, train=False)
    assert x.shape == (4, 3, 32, 32) and x.dtype == np.float32
    np.testing.assert_array_equal(y, [0, 1, 2, 3])


def test_unknown_dataset_lists_valid_names(tmp_path):
    with pytest.raises(ValueError, match="fashion_mnist"):
        load_dataset("imagenet", tmp_path)


def test_npz_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_npz(tmp_path / "absent.npz")
    np.savez(tmp_path / "bad.npz", x=np.zeros((3, 4, 4)))
    with pytest.raises(ValueError, match="'y'"):
        load_npz(tmp_path / "bad.npz")
    np.savez(tmp_path / "short.npz", x=np.zeros((3, 4, 4)), y=np.zeros(2))
    with pytest.raises(ValueError, match="one label per image"):
        load_npz(tmp_path / "short.npz")


def test_image_layouts_and_range():
    hwc = np.full((2, 8, 8, 3), 255, dtype=np.uint8)
    assert to_float_images(hwc).shape == (2, 3, 8, 8)
    assert to_float_images(hwc).max() == 1.0
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        to_float_images(np.full((2, 8, 8), 2.0))
    with pytest.raises(ValueError, match="expected images"):
        to_float_images(np.zeros((2, 5, 8, 8)))


def test_embedded_default_is_real_and_complete():
    data = load_embedded_default()
    assert data.x_train.shape[1:] == (1, 28, 28)
    for x in (data.x_train, data.x_test, data.x_outliers, data.x_queries):
        assert len(x) >= 2000 and x.dtype == np.float32 and 0.0 <= x.min() and x.max() <= 1.0
    assert set(np.unique(data.y_train)) == set(range(10))
    assert len(data.y_test) == len(data.x_test)


def test_embedded_missing_file_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="build_embedded_data.py"):
        load_embedded_default(str(tmp_path / "none.npz"))


def test_source_selections_and_conversions_equal_a_direct_computation():
    from PIL import Image  # pylint: disable=import-outside-toplevel

    from benchmarks.data import load_source  # pylint: disable=import-outside-toplevel

    data = load_embedded_default()
    x, y = load_source("embedded:test?classes=2-4&limit=50", "unused")
    candidates = np.flatnonzero((data.y_test >= 2) & (data.y_test <= 4))
    keep = np.sort(np.random.default_rng(0).permutation(candidates)[:50])
    np.testing.assert_array_equal(x, data.x_test[keep])
    np.testing.assert_array_equal(y, data.y_test[keep])
    # size: antialiased bilinear, which is what Pillow's BILINEAR resize does on float images
    small, _ = load_source("embedded:test?limit=5&size=12&channels=3", "unused")
    assert small.shape == (5, 3, 12, 12) and small.dtype == np.float32
    originals = data.x_test[np.sort(np.random.default_rng(0).permutation(len(data.x_test))[:5])]
    for image, converted in zip(originals, small):
        reference = np.asarray(Image.fromarray(image[0], mode="F").resize((12, 12), Image.Resampling.BILINEAR))
        for channel in converted:
            np.testing.assert_allclose(channel, np.clip(reference, 0, 1), atol=2e-3)
    # concatenation: images of every part in order, no labels (the parts' label spaces differ)
    joined, labels = load_source("embedded:test?limit=7 + embedded:outliers?limit=3", "unused")
    assert labels is None and len(joined) == 10
    np.testing.assert_array_equal(joined[:7], load_source("embedded:test?limit=7", "unused")[0])
    with pytest.raises(ValueError, match="differ in shape"):
        load_source("embedded:test?limit=2 + embedded:test?limit=2&channels=3", "unused")
    for bad, message in (("size=0", "size must be"), ("channels=2", "channels=3"), ("colour=1", "unknown selection")):
        with pytest.raises(ValueError, match=message):
            load_source(f"embedded:test?{bad}", "unused")


def test_a_model_source_without_labels_is_a_clear_error():
    from benchmarks.data import load_labelled, load_source  # pylint: disable=import-outside-toplevel

    x, y = load_labelled("embedded:test?limit=7", "unused", "test source")
    reference_x, reference_y = load_source("embedded:test?limit=7", "unused")
    np.testing.assert_array_equal(x, reference_x)
    np.testing.assert_array_equal(y, reference_y)
    for unlabelled in ("embedded:outliers", "embedded:test?limit=2 + embedded:test?limit=2"):
        with pytest.raises(ValueError, match=f"train source '{re.escape(unlabelled)}' has no labels"):
            load_labelled(unlabelled, "unused", "train source")
