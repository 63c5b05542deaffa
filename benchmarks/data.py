"""
Data sources of a benchmark, named by strings: ``embedded:<part>`` (the packaged default: train, test, outliers,
queries) or ``<dataset>:<train|test>`` (any name of :data:`art_am.datasets.DATASET_NAMES`, read from ``--data-root``).
"""

from __future__ import annotations

import functools

import numpy as np

from art_am.datasets import DatasetNotFoundError, load_dataset, load_embedded_default

_EMBEDDED_PARTS = {
    "train": ("x_train", "y_train"),
    "test": ("x_test", "y_test"),
    "outliers": ("x_outliers", None),
    "queries": ("x_queries", "y_queries"),
}


@functools.lru_cache(maxsize=16)
def load_source(spec: str, data_root: str) -> tuple[np.ndarray, np.ndarray | None]:
    """
    :param spec: ``embedded:<part>`` or ``<dataset>:<train|test>``.
    :param data_root: Folder of real data.
    :return: ``(x, y)``; ``y`` is None for the embedded outliers.
    :raises ValueError: For a malformed spec.
    :raises DatasetNotFoundError: With the command that would fetch the missing files.
    """
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
