"""The JPEG settings of a packed data set, read from the files' headers (benchmarks.studies.jpeg_quality)."""

import io

import numpy as np
import pytest
from PIL import Image

from benchmarks.studies.jpeg_quality import jpeg_settings, main, packed_settings


def _jpeg(quality, subsampling, seed=0):
    pixels = np.random.default_rng(seed).integers(0, 256, size=(32, 32, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=quality, subsampling=subsampling)
    return buffer.getvalue()


@pytest.mark.parametrize("quality", [10, 50, 75, 95])
@pytest.mark.parametrize("subsampling, name", [(0, "4:4:4"), (2, "4:2:0")])
def test_the_quality_and_subsampling_an_image_was_written_at_are_recovered(quality, subsampling, name):
    assert jpeg_settings(_jpeg(quality, subsampling)) == (quality, name)


def test_a_table_of_another_encoder_has_no_quality_and_a_png_is_refused():
    buffer = io.BytesIO()
    # a custom table (every entry 3) that no IJG quality writes
    Image.new("RGB", (16, 16)).save(buffer, format="JPEG", qtables=[[3] * 64])
    assert jpeg_settings(buffer.getvalue())[0] is None
    png = io.BytesIO()
    Image.new("RGB", (4, 4)).save(png, format="PNG")
    with pytest.raises(ValueError, match="data: expected a JPEG file"):
        jpeg_settings(png.getvalue())


def test_a_packed_file_is_summarised_by_share(tmp_path):
    files = [_jpeg(75, 2, seed) for seed in range(3)] + [_jpeg(90, 0, 9)]
    offsets = np.cumsum([0] + [len(f) for f in files])
    path = tmp_path / "packed.npz"
    np.savez(path, jpeg=np.frombuffer(b"".join(files), dtype=np.uint8), offsets=offsets, y=np.zeros(4, np.int64))
    result = main([str(path), "--output", str(tmp_path / "out.json")])[str(path)]
    assert result["images_read"] == 4
    assert result["settings"] == [
        {"quality": 75, "subsampling": "4:2:0", "share": 0.75},
        {"quality": 90, "subsampling": "4:4:4", "share": 0.25},
    ]
    assert (tmp_path / "out.json").exists()


@pytest.mark.parametrize("sample", [0, -3, 2.5, True])
def test_a_sample_that_is_not_a_positive_count_is_refused(tmp_path, sample):
    with pytest.raises(ValueError, match="sample must be a positive integer"):
        packed_settings(str(tmp_path / "unread.npz"), sample)
