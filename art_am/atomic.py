# MIT License
#
# Copyright (C) The Adversarial Robustness Toolbox (ART) Authors 2026
#
# Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated
# documentation files (the "Software"), to deal in the Software without restriction, including without limitation the
# rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit
# persons to whom the Software is furnished to do so, subject to the following conditions:
#
# The above copyright notice and this permission notice shall be included in all copies or substantial portions of the
# Software.
#
# THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE
# WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
# AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT,
# TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
# SOFTWARE.
"""
Atomic file writes: write a temporary file in the destination's folder, then rename it over the destination, so that
a reader (or a concurrent writer, or a process killed mid-write) never sees half a file. One helper for the library and
the benchmarks.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from typing import Any


def write_atomic(path: str | os.PathLike, write: Callable[[str], None]) -> None:
    """
    :param path: Destination file; its folder is created.
    :param write: Writes the content to the temporary path it is given.
    """
    folder = os.path.dirname(os.fspath(path)) or "."
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    os.close(handle)
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def write_json_atomic(path: str | os.PathLike, payload: Any, indent: int | None = 1) -> None:
    """
    :param path: Destination file.
    :param payload: JSON-serialisable content.
    :param indent: As in :func:`json.dump`.
    """

    def write(temporary: str) -> None:
        with open(temporary, "w", encoding="utf-8") as stream:
            json.dump(payload, stream, indent=indent)

    write_atomic(path, write)


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """
    :param path: Destination file.
    :param text: Its content.
    """

    def write(temporary: str) -> None:
        with open(temporary, "w", encoding="utf-8") as stream:
            stream.write(text)

    write_atomic(path, write)


def write_npz_atomic(path: str | os.PathLike, arrays: dict, compressed: bool = False) -> None:
    """
    :param path: Destination ``.npz`` file.
    :param arrays: Named arrays.
    :param compressed: Use ``numpy.savez_compressed``.
    """
    import numpy as np  # pylint: disable=import-outside-toplevel

    save = np.savez_compressed if compressed else np.savez

    def write(temporary: str) -> None:
        with open(temporary, "wb") as stream:  # a file object: savez would append ".npz" to a name
            save(stream, **arrays)

    write_atomic(path, write)
