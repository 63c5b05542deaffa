"""
The in-distribution-looking query set (:func:`art_am.attacks.augment_seed_images`) against references computed
another way: which seed each query came from, pixel by pixel for the shifts, and the blend's weights read back from
constant images.
"""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest

from art_am.attacks import augment_seed_images
from art_am.attacks.seed_augmentation import _shifted
from benchmarks.data import evaluation_split, load_image_file, load_source
from benchmarks.presets import PRESETS
from tests.test_packed_jpeg import _pack


def _reflect(index: int, size: int) -> int:
    """numpy's 'reflect' padding, one index at a time: -1 -> 1, size -> size - 2."""
    if index < 0:
        return -index
    if index >= size:
        return 2 * (size - 1) - index
    return index


def test_a_shift_moves_every_pixel_and_reflects_the_uncovered_border(rng):
    x = rng.random((3, 2, 7, 6)).astype(np.float32)
    shifts = np.array([[2, -1], [0, 0], [-2, 2]])
    out = _shifted(x, shifts)
    for i, (dy, dx) in enumerate(shifts):
        for r in range(7):
            for c in range(6):
                np.testing.assert_array_equal(out[i, :, r, c], x[i, :, _reflect(r - dy, 7), _reflect(c - dx, 6)])


def test_without_blends_every_query_is_a_seed_mirrored_or_not_and_shifted_within_the_limit(rng):
    seeds = rng.random((5, 1, 8, 8)).astype(np.float32)
    queries = augment_seed_images(seeds, 23, max_shift=1, mix_probability=0.0, random_state=3)
    assert queries.shape == (23, 1, 8, 8) and queries.dtype == np.float32
    candidates = {}  # every seed, mirrored or not, shifted by every allowed amount
    for j, seed in enumerate(seeds):
        for image in (seed, seed[..., ::-1]):
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    candidates[(j, dy, dx, image is seed)] = _shifted(image[None], np.array([[dy, dx]]))[0]
    sources = []
    for query in queries:
        matches = [key for key, image in candidates.items() if np.array_equal(query, image)]
        assert matches, "a query is not a mirrored / shifted seed"
        sources.append(matches[0][0])
    # the seeds are cycled: 23 queries of 5 seeds use each 4 or 5 times
    counts = np.bincount(sources, minlength=5)
    assert counts.sum() == 23 and counts.min() == 4 and counts.max() == 5


def test_a_blend_keeps_the_seed_s_weight_and_the_share_of_blends_follows_the_probability():
    seeds = np.zeros((4, 3, 8, 8), np.float32)
    pool = np.ones((9, 3, 8, 8), np.float32)
    queries = augment_seed_images(
        seeds, 4000, max_shift=2, mix_probability=0.3, seed_weight=(0.6, 0.8), pool=pool, random_state=0
    )
    value = queries[:, 0, 0, 0]  # a blend of 0 (the seed) and 1 (the pool) holds 1 - the seed's weight everywhere
    assert np.all(queries == value[:, None, None, None])
    blended = value > 0
    assert np.all((value[blended] >= 0.2 - 1e-6) & (value[blended] <= 0.4 + 1e-6))
    # binomial(4000, 0.3): standard deviation 29 queries
    assert abs(blended.sum() - 1200) < 5 * 29
    # the weight is uniform on its range: the mean of 1 - w is 0.3
    assert abs(value[blended].mean() - 0.3) < 0.01


def test_blends_without_a_pool_mix_seeds_with_seeds_and_the_draw_is_reproducible(rng):
    seeds = np.stack([np.full((1, 6, 6), v, np.float32) for v in (0.0, 1.0)])
    queries = augment_seed_images(seeds, 500, max_shift=0, mix_probability=1.0, seed_weight=(0.7, 0.7), random_state=1)
    values = {float(v) for v in np.round(queries.astype(np.float64), 5).ravel()}
    # each query keeps 0.7 of its seed and 0.3 of a seed drawn at random: 0, 0.3, 0.7 or 1
    assert values <= {0.0, 0.3, 0.7, 1.0} and {0.3, 0.7} <= values
    again = augment_seed_images(seeds, 500, max_shift=0, mix_probability=1.0, seed_weight=(0.7, 0.7), random_state=1)
    np.testing.assert_array_equal(queries, again)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"x_seeds": np.zeros((0, 1, 8, 8), np.float32)}, "x_seeds"),
        ({"x_seeds": np.zeros((2, 8, 8), np.float32)}, "x_seeds"),
        ({"x_seeds": np.zeros((2, 1, 8, 8), np.uint8)}, "x_seeds"),
        ({"nb_queries": 0}, "nb_queries"),
        ({"max_shift": 4}, "max_shift"),  # 8-pixel images: at most 3
        ({"max_shift": -1}, "max_shift"),
        ({"mix_probability": 1.5}, "mix_probability"),
        ({"seed_weight": (0.5, 0.9)}, "seed_weight"),
        ({"seed_weight": (0.9, 0.8)}, "seed_weight"),
        ({"seed_weight": [0.6, 0.9]}, "seed_weight"),
        ({"pool": np.zeros((3, 3, 8, 8), np.float32)}, "pool"),
        ({"pool": np.zeros((0, 1, 8, 8), np.float32)}, "pool"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    arguments = {"x_seeds": np.zeros((2, 1, 8, 8), np.float32), "nb_queries": 5, "max_shift": 1} | kwargs
    with pytest.raises(ValueError, match=message):
        augment_seed_images(**arguments)


def test_the_script_writes_the_scenario_s_seed_queries_as_the_benchmark_reads_them(tmp_path, rng, monkeypatch):
    monkeypatch.setenv("ART_AM_CACHE", str(tmp_path / "decoded"))
    data = tmp_path / "data" / "npz"
    data.mkdir(parents=True)
    cifar = rng.integers(0, 256, (80, 32, 32, 3), dtype=np.uint8)
    _pack(data / "cifar10_train_jpeg.npz", cifar[:50], np.arange(50) % 10)
    _pack(data / "cifar10_test_jpeg.npz", cifar[50:], np.sort(np.arange(30) % 10))
    _pack(data / "tinyimagenet_train_jpeg.npz", rng.integers(0, 256, (60, 64, 64, 3), np.uint8), np.arange(60) * 3)
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "scripts", "seed_queries.py")
    spec = importlib.util.spec_from_file_location("seed_queries", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    common = ["--preset", "cifar10-micro", "--scenario", "cifar10-micro", "--data-root", str(tmp_path / "data")]
    module.main(common + ["--pool", "tinyimagenet", "--queries", "37", "--output", str(tmp_path / "q.npz")])
    x, y = load_image_file(str(tmp_path / "q.npz"))
    assert y is None and x.shape == (37, 3, 32, 32)
    # the same draw from the library, rounded to the 8-bit pixels the file stores
    (scenario,) = PRESETS["cifar10-micro"]
    split = evaluation_split(scenario.test_source, scenario.attacks.jbda_seeds, str(tmp_path / "data"), True)
    pool, _ = load_source(scenario.attacks.knockoff_sources["tinyimagenet"], str(tmp_path / "data"))
    expected = augment_seed_images(split.x_seeds, 37, pool=pool, random_state=0)
    np.testing.assert_allclose(x, np.round(expected * 255) / 255, atol=1e-6)
    with pytest.raises(SystemExit):
        module.main(common + ["--pool", "cifar100", "--output", str(tmp_path / "r.npz")])
    assert not (tmp_path / "r.npz").exists()
