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
Parameter validation shared by every class of the library: one place that decides what counts as a number, so that
``nu=True`` is refused everywhere and ``np.float32(0.9)`` accepted everywhere, with the argument's name and the valid
range in every message.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any, cast

import numpy as np


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def _range_text(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {low:g}")
    if high is not None:
        parts.append(f"{'<' if high_open else '<='} {high:g}")
    return " and ".join(parts)


def _check_number(
    value: Any,
    name: str,
    what: str,
    kind: type,
    low: float | None,
    high: float | None,
    low_open: bool,
    high_open: bool,
    allow_none: bool,
) -> None:
    """The one rule behind :func:`check_real` and :func:`check_integer`: ``value`` is an instance of ``kind`` (not a
    bool), finite, and inside the range; else a ValueError naming the argument, what is valid and what was given."""
    if value is None and allow_none:
        return
    bounds = _range_text(low, high, low_open, high_open)
    wanted = what + (f" {bounds}" if bounds else "") + (" or None" if allow_none else "")
    # integers are always finite (and a huge one would overflow float()); they compare exactly with the bounds
    finite = isinstance(value, numbers.Integral) or (isinstance(value, numbers.Real) and np.isfinite(float(value)))
    if _is_bool(value) or not isinstance(value, kind) or not finite:
        raise ValueError(f"{name} must be {wanted}, got {value!r}.")
    number = cast(float, value)  # a real or an integer now; compared as it is, without rounding
    too_low = low is not None and (number < low or (low_open and number == low))
    too_high = high is not None and (number > high or (high_open and number == high))
    if too_low or too_high:
        raise ValueError(f"{name} must be {wanted}, got {value!r}.")


def check_real(
    value: Any,
    name: str,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    allow_none: bool = False,
) -> None:
    """
    Check a real-valued parameter: a Python or NumPy real number (not a bool), finite, inside the given range.

    :param value: The value to check.
    :param name: The argument's name, for the message.
    :param low: Lower bound, or None.
    :param high: Upper bound, or None.
    :param low_open: Exclude ``low`` itself.
    :param high_open: Exclude ``high`` itself.
    :param allow_none: Accept None as well.
    :raises ValueError: Naming the argument, the valid range and the value given.
    """
    _check_number(value, name, "a finite number", numbers.Real, low, high, low_open, high_open, allow_none)


def check_integer(
    value: Any, name: str, low: int | None = None, high: int | None = None, allow_none: bool = False
) -> None:
    """
    Check an integer parameter: a Python or NumPy integer (not a bool), inside ``[low, high]``.

    :param value: The value to check.
    :param name: The argument's name, for the message.
    :param low: Smallest valid value, or None.
    :param high: Largest valid value, or None.
    :param allow_none: Accept None as well.
    :raises ValueError: Naming the argument, the valid range and the value given.
    """
    _check_number(value, name, "an integer", numbers.Integral, low, high, False, False, allow_none)


def check_bool(value: Any, name: str) -> None:
    """
    :param value: The value to check.
    :param name: The argument's name, for the message.
    :raises ValueError: If ``value`` is not a bool.
    """
    if not _is_bool(value):
        raise ValueError(f"{name} must be a bool, got {value!r}.")


def check_choice(value: Any, name: str, choices: Iterable[Any]) -> None:
    """
    :param value: The value to check.
    :param name: The argument's name, for the message.
    :param choices: The valid values.
    :raises ValueError: If ``value`` is not one of ``choices``.
    """
    options = tuple(choices)
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {options}, got {value!r}.")


def check_interval(
    value: Any, name: str, low: float | None = None, high: float | None = None, low_open: bool = False
) -> None:
    """
    Check a ``(low, high)`` range parameter: a tuple of two finite real numbers (not bools), ordered, inside the given
    bounds (e.g. the weight a blend draws uniformly from).

    :param value: The value to check.
    :param name: The argument's name, for the message.
    :param low: Bound both ends must respect, or None.
    :param high: Upper bound both ends must respect, or None.
    :param low_open: Exclude ``low`` itself.
    :raises ValueError: Naming the argument, what is valid and the value given.
    """
    bounds = _range_text(low, high, low_open, False)
    wanted = "a tuple (low, high) of finite numbers with low <= high" + (f", both {bounds}" if bounds else "")
    if not isinstance(value, tuple) or len(value) != 2:
        raise ValueError(f"{name} must be {wanted}, got {value!r}.")
    for end in value:
        try:
            check_real(end, name, low, high, low_open)
        except ValueError:
            raise ValueError(f"{name} must be {wanted}, got {value!r}.") from None
    if value[0] > value[1]:
        raise ValueError(f"{name} must be {wanted}, got {value!r}.")


def check_image_batch(x: Any, name: str) -> np.ndarray:
    """
    :param x: The value to check.
    :param name: The argument's name, for the message.
    :return: ``x`` as an array: a non-empty float batch of images ``(N, C, H, W)``.
    :raises ValueError: Naming the argument, its shape and dtype, for anything else.
    """
    x = np.asarray(x)
    if x.ndim != 4 or len(x) == 0 or not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"{name} must be a non-empty float array (N, C, H, W), got shape {x.shape} ({x.dtype}).")
    return x
