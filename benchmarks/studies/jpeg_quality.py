"""
How lossy is a packed JPEG data set? Per image, the JPEG quality its luminance quantisation table was written at and
its chroma subsampling, read from the files' headers without decoding a pixel. The quality is found by encoding a
blank image with Pillow (libjpeg's IJG tables) at every quality from 1 to 100 and matching the tables exactly; a table
that matches none (another encoder's) is reported as ``None``.

The fast recipe's CIFAR-10 is such a re-encoding (``../shared/data/npz/cifar10_*_jpeg.npz``); this measures what the
93 % target is up against:

    python -m benchmarks.studies.jpeg_quality ../shared/data/npz/cifar10_train_jpeg.npz \
        ../shared/data/npz/cifar10_test_jpeg.npz --output results/cifar10-fast/jpeg_quality.json
"""

from __future__ import annotations

import argparse
import io
from collections import Counter
from functools import lru_cache

from PIL import Image, JpegImagePlugin

from art_am.datasets.packed_jpeg import read_packed_files
from benchmarks.cli import write_output

# Pillow's codes for JPEG chroma subsampling (JpegImagePlugin.get_sampling)
SUBSAMPLING = {-1: "unknown", 0: "4:4:4", 1: "4:2:2", 2: "4:2:0"}


def luma_table(quality: int) -> tuple[int, ...]:
    """
    :param quality: IJG quality, 1 to 100.
    :return: The 64 entries of the luminance quantisation table that libjpeg writes at this quality (through
             Pillow; natural, row-major order since Pillow 8).
    """
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="JPEG", quality=quality)
    with Image.open(io.BytesIO(buffer.getvalue())) as image:
        return tuple(image.quantization[0])  # type: ignore[attr-defined]


@lru_cache(maxsize=1)
def _ijg_tables() -> dict[tuple[int, ...], int]:
    """
    :return: ``{luminance table: quality}`` for qualities 1 to 100, as libjpeg writes them (through Pillow).
    """
    tables: dict[tuple[int, ...], int] = {}
    for quality in range(1, 101):
        tables.setdefault(luma_table(quality), quality)
    return tables


def jpeg_settings(data: bytes) -> tuple[int | None, str]:
    """
    :param data: One JPEG file.
    :return: The IJG quality of its luminance table (None where the table is not an IJG one) and its chroma
             subsampling (``4:4:4``, ``4:2:2``, ``4:2:0`` or ``unknown``).
    """
    with Image.open(io.BytesIO(data)) as image:
        if image.format != "JPEG":
            raise ValueError(f"data: expected a JPEG file, got {image.format}")
        table = tuple(image.quantization[0])  # type: ignore[attr-defined]
        return _ijg_tables().get(table), SUBSAMPLING[JpegImagePlugin.get_sampling(image)]


def packed_settings(path: str, sample: int | None = None) -> Counter:
    """
    :param path: A packed JPEG file (``jpeg`` bytes back to back, ``offsets``; ``../shared/data/README.md``).
    :param sample: Read every k-th image so that about ``sample`` are read; None: every image.
    :return: How many of the read images have each (quality, subsampling).
    :raises ValueError: If ``sample`` is not a positive integer, or the archive is damaged
                        (:func:`~art_am.datasets.packed_jpeg.read_packed_files`).
    """
    if sample is not None and (isinstance(sample, bool) or not isinstance(sample, int) or sample < 1):
        raise ValueError(f"sample must be a positive integer or None (every image), got {sample!r}.")
    jpeg, offsets, _ = read_packed_files(path)
    count = len(offsets) - 1
    step = 1 if sample is None else max(1, count // sample)
    return Counter(jpeg_settings(jpeg[offsets[i] : offsets[i + 1]].tobytes()) for i in range(0, count, step))


def main(argv: list[str] | None = None) -> dict:
    """
    :return: Per file, the images read and the share of each (quality, subsampling).
    """
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", help="packed JPEG files (.npz)")
    parser.add_argument("--sample", type=int, default=None, help="about this many images per file (default: all)")
    parser.add_argument("--output", default=None, help="a JSON file for the result (default: print only)")
    args = parser.parse_args(argv)
    result = {}
    for path in args.paths:
        counts = packed_settings(path, args.sample)
        total = sum(counts.values())
        result[path] = {
            "images_read": total,
            "settings": [
                {"quality": quality, "subsampling": subsampling, "share": n / total}
                for (quality, subsampling), n in counts.most_common()
            ],
        }
    write_output(args.output, result)
    return result


if __name__ == "__main__":
    main()
