"""
Data sources of a benchmark, named by strings: ``embedded:<part>`` (the packaged default: train, test, outliers,
queries) or ``<dataset>:<train|test>`` (any name of :data:`art_am.datasets.DATASET_NAMES`, read from ``--data-root``),
optionally followed by a selection: ``?classes=A-B`` keeps the images of classes A to B (inclusive), ``&limit=N`` the
first N of those after a fixed shuffle (seed 0), e.g. ``tinyimagenet32:train?classes=0-99&limit=20000``; and a
conversion: ``&size=S`` resizes to S x S (box filter: bilinear antialiased), ``&channels=3`` repeats a grey channel;
and outliers synthesised from the selected images (:mod:`art_am.training.synthetic_outliers`, random state 0, labels
dropped): ``&synthesise=patches`` (a 4 x 4 grid of patches shuffled), ``&synthesise=blends`` (each blended with an
image of another class).
Sources joined by `` + `` are concatenated without labels (their label spaces differ), e.g. the conservative CIFAR-10
outliers ``kmnist:test?size=32&channels=3 + notmnist:test?size=32&channels=3``. One's own images are
``file:<path>`` (:func:`load_image_file`), e.g. ``file:/data/heldout.npz?size=32``; the path may hold no ``?``.
"""

from __future__ import annotations

import functools
import os
import zipfile
from dataclasses import dataclass

import numpy as np

from art_am.datasets import DatasetNotFoundError, load_dataset, load_embedded_default
from art_am.datasets.arrays import to_float_images
from art_am.datasets.npz import load_npz, read_npz_arrays
from art_am.datasets.packed_jpeg import decode_packed_jpeg
from art_am.training.synthetic_outliers import class_blends, shuffled_patches

# A source that is a file of one's own images rather than a named dataset (benchmarks.query_sources adds such sets).
FILE_PREFIX = "file:"

# Outliers synthesised from a source's images (``&synthesise=<name>``), at a fixed random state: one spec, one set.
_SYNTHESES = {
    "patches": lambda x, y: shuffled_patches(x, patch_size=max(1, x.shape[-1] // 4), random_state=0),
    "blends": lambda x, y: class_blends(x, y, random_state=0),
}

_EMBEDDED_PARTS = {
    "train": ("x_train", "y_train"),
    "test": ("x_test", "y_test"),
    "outliers": ("x_outliers", None),
    "queries": ("x_queries", "y_queries"),
}


@functools.lru_cache(maxsize=16)
def load_source(spec: str, data_root: str) -> tuple[np.ndarray, np.ndarray | None]:
    """
    :param spec: ``embedded:<part>`` or ``<dataset>:<train|test>``, optionally with ``?classes=A-B&limit=N``.
    :param data_root: Folder of real data.
    :return: ``(x, y)``; ``y`` is None for the embedded outliers.
    :raises ValueError: For a malformed spec.
    :raises DatasetNotFoundError: With the command that would fetch the missing files.
    """
    if " + " in spec:
        parts = [load_source(part.strip(), data_root)[0] for part in spec.split(" + ")]
        if len({part.shape[1:] for part in parts}) != 1:
            raise ValueError(f"data source '{spec}': the parts' images differ in shape {[p.shape[1:] for p in parts]}.")
        return np.concatenate(parts), None
    base, _, query = spec.partition("?")
    if query:
        x, y = load_source(base, data_root)
        return _select(x, y, query, spec)
    if spec.startswith(FILE_PREFIX):
        return load_image_file(spec[len(FILE_PREFIX) :])
    name, _, part = spec.partition(":")
    if name == "embedded":
        if part not in _EMBEDDED_PARTS:
            raise ValueError(f"embedded part must be one of {sorted(_EMBEDDED_PARTS)}, got '{part}'.")
        data = load_embedded_default()
        x_name, y_name = _EMBEDDED_PARTS[part]
        return getattr(data, x_name), (getattr(data, y_name) if y_name else None)
    if part not in ("train", "test"):
        raise ValueError(f"data source '{spec}' must be '<dataset>:train' or '<dataset>:test'.")
    try:
        return load_dataset(name, data_root, train=part == "train")
    except DatasetNotFoundError as error:
        raise DatasetNotFoundError(
            f'{error}\nTo fetch it on a machine with internet: python -c "from art_am.datasets import load_dataset; '
            f"load_dataset('{name}', '{data_root}', train={part == 'train'}, download=True)\""
        ) from error


def load_image_file(path: str) -> tuple[np.ndarray, np.ndarray | None]:
    """
    One's own image set: a NumPy archive holding ``x`` (``uint8`` 0-255 or floats in [0, 1], laid out ``N x H x W``,
    ``N x C x H x W`` or ``N x H x W x C``) and, optionally, integer labels ``y``; or a packed JPEG archive (``jpeg``,
    ``offsets``, ``y``; the format of ``../shared/data``).

    :param path: The ``.npz`` file.
    :return: ``(x, y)``: ``x`` float32 ``(N, C, H, W)`` in [0, 1]; ``y`` int64, or None where the file has none.
    :raises ValueError: Naming the file, if it is missing, damaged, holds no images, or its labels do not fit.
    """
    if not os.path.isfile(path):
        raise ValueError(f"data source '{FILE_PREFIX}{path}': no such file; give a .npz archive of images.")
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = set(archive.files)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, AttributeError, TypeError) as error:
        # AttributeError / TypeError: a .npy file, one bare array (no names, not a context manager)
        raise ValueError(
            f"'{path}' is not a readable NumPy archive of images ('x', or 'jpeg' and 'offsets')"
        ) from error
    if {"jpeg", "offsets"} <= names:
        images, labels = decode_packed_jpeg(path)
        return to_float_images(images, source=path), labels
    if "y" in names:  # a labelled set: the library's own loader and checks
        return load_npz(path)
    (x,) = read_npz_arrays(path, ("x",))
    if len(x) == 0:
        raise ValueError(f"'{path}' holds no images ('x' has shape {x.shape}).")
    return to_float_images(x, source=path), None


def load_labelled(spec: str, data_root: str, role: str = "source") -> tuple[np.ndarray, np.ndarray]:
    """
    :param spec: As for :func:`load_source`.
    :param data_root: Folder of real data.
    :param role: What the source is for (``train source``, ``test source``), named in the error.
    :return: ``(x, y)`` of a source whose images carry labels.
    :raises ValueError: For a source without labels (the embedded outliers, sources joined by `` + ``), which a model
                        cannot be trained or scored on.
    """
    x, y = load_source(spec, data_root)
    if y is None:
        raise ValueError(
            f"{role} '{spec}' has no labels: use a '<dataset>:<train|test>' source (sources joined by ' + ' and "
            "'embedded:outliers' carry none)."
        )
    return x, y


def _select(x: np.ndarray, y: np.ndarray | None, query: str, spec: str) -> tuple[np.ndarray, np.ndarray | None]:
    options = dict(item.partition("=")[::2] for item in query.split("&"))
    unknown = set(options) - {"classes", "limit", "size", "channels", "synthesise"}
    if unknown:
        raise ValueError(
            f"data source '{spec}': unknown selection {sorted(unknown)}; use classes=A-B, limit=N, size=S, channels=3, "
            f"synthesise={'|'.join(_SYNTHESES)}."
        )
    keep = np.arange(len(x))
    if "classes" in options:
        low, _, high = options["classes"].partition("-")
        if y is None or not (low.isdigit() and high.isdigit()) or int(low) > int(high):
            raise ValueError(f"data source '{spec}': classes=A-B needs labels and integers A <= B.")
        keep = keep[(y >= int(low)) & (y <= int(high))]
    if "limit" in options:
        if not options["limit"].isdigit() or int(options["limit"]) < 1:
            raise ValueError(f"data source '{spec}': limit must be a positive integer.")
        keep = np.sort(np.random.default_rng(0).permutation(keep)[: int(options["limit"])])
    x, y = x[keep], None if y is None else y[keep]
    if "channels" in options:
        if options["channels"] != "3" or x.shape[1] not in (1, 3):
            raise ValueError(f"data source '{spec}': channels=3 converts grey images (1 channel) to RGB.")
        x = np.repeat(x, 3 // x.shape[1], axis=1)
    if "size" in options:
        if not options["size"].isdigit() or int(options["size"]) < 1:
            raise ValueError(f"data source '{spec}': size must be a positive integer.")
        x = _resized(x, int(options["size"]))
    if "synthesise" in options:
        if options["synthesise"] not in _SYNTHESES:
            raise ValueError(f"data source '{spec}': synthesise must be one of {list(_SYNTHESES)}.")
        if options["synthesise"] == "blends" and y is None:
            raise ValueError(f"data source '{spec}': synthesise=blends needs labels (it blends images of two classes).")
        x, y = _SYNTHESES[options["synthesise"]](x, y), None  # outliers: the source's labels no longer apply
    return x, y


def _resized(x: np.ndarray, size: int) -> np.ndarray:
    """
    :return: ``(N, C, size, size)`` float32 images, bilinear with antialiasing (a box-like filter when shrinking).
    """
    import torch  # pylint: disable=import-outside-toplevel
    from torch.nn.functional import interpolate  # pylint: disable=import-outside-toplevel

    if x.shape[-2:] == (size, size):
        return x
    images = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    resized = [
        interpolate(chunk, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
        for chunk in images.split(4096)
    ]
    return torch.cat(resized).clamp_(0.0, 1.0).numpy()


@dataclass(frozen=True)
class EvaluationSplit:
    """
    A scenario's test split in three disjoint parts, so that nothing is chosen on the images that report it.

    :param x_seeds: JBDA's seed images (the attacker's only data).
    :param x_validation: Images that choose operating points and fit score reference ranks.
    :param y_validation: Their labels.
    :param x_test: Images that report every accuracy.
    :param y_test: Their labels.
    """

    x_seeds: np.ndarray
    x_validation: np.ndarray
    y_validation: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def evaluation_split(test_source: str, jbda_seeds: int, data_root: str, shuffle: bool = False) -> EvaluationSplit:
    """
    :param test_source: The scenario's test source.
    :param jbda_seeds: Number of JBDA seed images, taken from the start of the test split.
    :param data_root: Folder of real data.
    :param shuffle: Put the test split in a fixed random order (seed 0) first: for sets stored in class order (the
                    packed CIFAR-10), whose seeds and halves would otherwise hold a few classes only.
    :return: The seeds, then the first half of the remaining images as validation and the second half as test.
    """
    x, y = load_source(test_source, data_root)
    if shuffle and y is not None:
        order = np.random.default_rng(0).permutation(len(x))
        x, y = x[order], y[order]
    if y is None or not 0 <= jbda_seeds < len(x) - 1:
        raise ValueError(
            f"test source '{test_source}' needs labels and more than jbda_seeds + 1 = {jbda_seeds + 1} images."
        )
    half = jbda_seeds + (len(x) - jbda_seeds) // 2
    return EvaluationSplit(x[:jbda_seeds], x[jbda_seeds:half], y[jbda_seeds:half], x[half:], y[half:])
