"""The JPEG spectrum script's block DCT, quantisation tables and coefficient statistics, on small generated inputs."""

import importlib.util
import os

import numpy as np
import pytest
from scipy import fft

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def spectrum():
    spec = importlib.util.spec_from_file_location("jpeg_spectrum", os.path.join(ROOT, "scripts", "jpeg_spectrum.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_block_dct_matches_scipy_on_each_block(spectrum):
    planes = np.random.default_rng(0).normal(size=(2, 16, 24))
    coefficients = spectrum.block_dct(planes)
    assert coefficients.shape == (2, 2, 3, 8, 8)
    for n, a, b in [(0, 0, 0), (1, 1, 2), (0, 1, 1)]:
        block = planes[n, 8 * a : 8 * a + 8, 8 * b : 8 * b + 8]
        np.testing.assert_allclose(coefficients[n, a, b], fft.dctn(block, norm="ortho"), atol=1e-10)


def test_block_dct_refuses_planes_off_the_block_grid(spectrum):
    with pytest.raises(ValueError, match="planes: .*multiples of 8.*12x16"):
        spectrum.block_dct(np.zeros((1, 12, 16)))


def test_luma_tables_follow_the_ijg_scaling_of_the_quality_50_table(spectrum):
    # IJG: quality q >= 50 scales the base table (quality 50's) by 200 - 2q percent, rounded and at least 1
    base = spectrum.luma_table(50)
    for quality in (75, 90):
        scale = 200 - 2 * quality
        expected = np.maximum(np.floor((base * scale + 50) / 100), 1)
        np.testing.assert_array_equal(spectrum.luma_table(quality), expected)


def test_band_energy_ratios_see_only_the_band_that_changed(spectrum):
    stored = np.random.default_rng(1).normal(size=(5, 8, 8))
    changed = stored.copy()
    u_plus_v = np.add.outer(np.arange(8), np.arange(8))
    changed[:, u_plus_v >= 6] *= 2  # the high band's amplitude doubled: its energy four times
    ratios = spectrum.band_energy_ratios(stored, changed)
    assert ratios["high (u+v 6-14)"] == pytest.approx(4.0)
    assert ratios["low (u+v 1-2)"] == pytest.approx(1.0) and ratios["middle (u+v 3-5)"] == pytest.approx(1.0)


def test_half_step_share_counts_coefficients_half_way_between_the_new_levels(spectrum):
    steps = np.full((8, 8), 10.0)
    mask = np.zeros((8, 8), dtype=bool)
    mask[7, :4] = True
    # 15 and -25 are half-way (1.5 and 2.5 steps); 21 is not; 2 is below half a step, not counted
    stored = np.zeros((1, 8, 8))
    stored[0, 7, :4] = [15.0, -25.0, 21.0, 2.0]
    assert spectrum.half_step_share(stored, steps, mask) == pytest.approx(2 / 3)
