"""
Outliers synthesised from training images (:mod:`art_am.training.synthetic_outliers`) against references computed
another way: each shuffled image's patches matched one by one to the original's, and each blend's share and partner
read back from images of one constant value per class; then the benchmark's ``synthesise`` source option.
"""

from __future__ import annotations

import numpy as np
import pytest

from art_am.training import class_blends, shuffled_patches
from benchmarks.data import load_source


def _patches(image: np.ndarray, size: int) -> list[np.ndarray]:
    """The image's patches, row by row, by plain slicing."""
    return [
        image[:, r : r + size, c : c + size]
        for r in range(0, image.shape[1], size)
        for c in range(0, image.shape[2], size)
    ]


def test_shuffled_patches_are_a_rearrangement_of_each_images_own_patches(rng):
    x = rng.random((20, 3, 16, 12)).astype(np.float32)
    out = shuffled_patches(x, patch_size=4, random_state=0)
    assert out.shape == x.shape and out.dtype == np.float32
    for original, shuffled in zip(x, out):
        source, target = _patches(original, 4), _patches(shuffled, 4)
        # the random values make every patch unique: find where each output patch came from
        origin = [next(k for k, patch in enumerate(source) if np.array_equal(patch, t)) for t in target]
        assert sorted(origin) == list(range(12))  # every patch used exactly once
        assert origin != list(range(12))  # never the original order


def test_a_two_patch_grid_can_only_swap(rng):
    x = rng.random((50, 1, 4, 8)).astype(np.float32)
    out = shuffled_patches(x, patch_size=4, random_state=3)
    np.testing.assert_array_equal(out[..., :4], x[..., 4:])
    np.testing.assert_array_equal(out[..., 4:], x[..., :4])


def test_shuffled_patches_are_reproducible_and_vary_per_image(rng):
    x = np.repeat(rng.random((1, 3, 8, 8)).astype(np.float32), 30, axis=0)
    first, again = shuffled_patches(x, 2, random_state=5), shuffled_patches(x, 2, random_state=5)
    np.testing.assert_array_equal(first, again)
    assert len({image.tobytes() for image in first}) > 25  # 16 patches: orders differ between copies of one image


def test_class_blends_keep_a_share_of_the_image_and_mix_another_class():
    # class c lights channel c only: a blend's channels read back its share (own channel) and its partner's class
    y = np.repeat(np.arange(4), 500)
    x = np.zeros((len(y), 4, 3, 3), dtype=np.float32)
    x[np.arange(len(y)), y] = 1.0
    out = class_blends(x, y, weight=(0.3, 0.7), random_state=0)
    assert out.shape == x.shape and out.dtype == np.float32
    channels = out[:, :, 0, 0]
    np.testing.assert_array_equal(out, np.broadcast_to(channels[:, :, None, None], out.shape))
    share = channels[np.arange(len(y)), y]
    others = channels.copy()
    others[np.arange(len(y)), y] = 0.0
    partner = others.argmax(1)
    assert np.all(partner != y)  # always another class
    np.testing.assert_allclose(others.max(1), 1.0 - share, atol=1e-6)
    assert np.count_nonzero(others) == len(y)  # one partner each
    assert share.min() >= 0.3 and share.max() <= 0.7
    assert abs(share.mean() - 0.5) < 0.01 and share.min() < 0.32 and share.max() > 0.68
    # partners drawn at random among the other classes: each pair about a third of a class's images
    counts = np.array([[np.sum((y == a) & (partner == b)) for b in range(4)] for a in range(4)])
    assert np.all(counts[~np.eye(4, dtype=bool)] > 120)


def test_class_blends_are_reproducible(rng):
    x, y = rng.random((40, 3, 4, 4)).astype(np.float32), rng.integers(0, 3, 40)
    np.testing.assert_array_equal(class_blends(x, y, random_state=1), class_blends(x, y, random_state=1))
    assert not np.array_equal(class_blends(x, y, random_state=1), class_blends(x, y, random_state=2))


@pytest.mark.parametrize(
    "call, argument",
    [
        (lambda x, y: shuffled_patches(x, patch_size=5), "patch_size"),  # does not tile 16 x 12
        (lambda x, y: shuffled_patches(x, patch_size=16), "patch_size"),  # not two patches
        (lambda x, y: shuffled_patches(x, patch_size=0), "patch_size"),
        (lambda x, y: shuffled_patches(x[0], patch_size=4), "x"),
        (lambda x, y: shuffled_patches((x * 255).astype(np.uint8), patch_size=4), "x"),
        (lambda x, y: class_blends(x, np.zeros(len(x), dtype=int)), "y"),  # one class
        (lambda x, y: class_blends(x, y[:-1]), "y"),
        (lambda x, y: class_blends(x, y.astype(float)), "y"),
        (lambda x, y: class_blends(x, y, weight=(0.7, 0.3)), "weight"),
        (lambda x, y: class_blends(x, y, weight=(-0.1, 0.5)), "weight"),
        (lambda x, y: class_blends(x, y, weight=[0.3, 0.6]), "weight"),
        (lambda x, y: class_blends(x, y, weight=(0.3, True)), "weight"),
    ],
)
def test_bad_arguments_are_named(rng, call, argument):
    x, y = rng.random((6, 3, 16, 12)).astype(np.float32), np.array([0, 1, 2, 0, 1, 2])
    with pytest.raises(ValueError, match=argument):
        call(x, y)


def test_a_source_can_synthesise_outliers_from_its_images(tmp_path, rng):
    x, y = rng.integers(0, 256, (30, 3, 8, 8), dtype=np.uint8), np.repeat(np.arange(3), 10)
    np.savez(tmp_path / "set.npz", x=x, y=y)
    spec = f"file:{tmp_path / 'set.npz'}"
    images, labels = load_source(spec, "unused")
    patches, none = load_source(spec + "?synthesise=patches", "unused")
    assert none is None  # outliers: the labels no longer apply
    np.testing.assert_array_equal(patches, shuffled_patches(images, patch_size=2, random_state=0))
    blends, _ = load_source(spec + "?limit=20&synthesise=blends", "unused")
    chosen, chosen_labels = load_source(spec + "?limit=20", "unused")
    np.testing.assert_array_equal(blends, class_blends(chosen, chosen_labels, random_state=0))
    np.savez(tmp_path / "unlabelled.npz", x=x)
    with pytest.raises(ValueError, match="needs labels"):
        load_source(f"file:{tmp_path / 'unlabelled.npz'}?synthesise=blends", "unused")
    with pytest.raises(ValueError, match="synthesise must be one of"):
        load_source(spec + "?synthesise=noise", "unused")
