"""
The registry of the benchmark's defences: one entry per defence, holding everything the benchmark needs to know of it
(its label and plot style, whether it is a baseline AM is compared against, which trained model answers truthfully
behind it, the settings a scenario sweeps, how its answers are served for a sweep and how it is built for a live
victim). Adding a defence is one entry here plus its tests (``docs/design.md``, "Adding a defence"). An unknown name is
an error listing the known ones (:func:`defence`), never a silent fallback.

The module imports no deep-learning framework: the serving and building functions import the library when called.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class ServingContext:
    """
    What a sweep's answers are computed from, once per query set.

    :param x: The queries.
    :param probabilities: ``{model kind: probabilities on x}`` for ``plain``, ``oe`` and ``misinformation``.
    :param scores: ``{AM variant: the in-distribution score it switches on}``.
    :param memo: Per-query-set results shared across settings (PP's oracle targets).
    """

    x: np.ndarray
    probabilities: dict[str, np.ndarray]
    scores: dict[str, np.ndarray]
    memo: dict[Any, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DefenceEntry:
    """
    One defence of the benchmark.

    :param name: Its name in points, flags and file names.
    :param label: Its name in tables and figures.
    :param style: Matplotlib colour and marker, the same in every figure.
    :param settings: The settings a scenario sweeps: ``settings(scenario)`` (``(None,)`` for a defence without one).
    :param serve: ``serve(factory, point, context)``: the defended probabilities on ``context.x`` for one setting.
    :param build: ``build(factory, point)``: ``(model, postprocessor or None)`` of the live victim, whose model returns
                  probabilities once the postprocessor has run.
    :param baseline: A defence AM is compared against in the headline tables (the paper's PP and DCP).
    :param true_model: The trained model that answers truthfully behind it: ``oe`` for AM and OE only, else ``plain``.
    :param parameter: What its setting is, in words (``"tau"``, ``"epsilon"``, ...).
    """

    name: str
    label: str
    style: tuple[str, str]
    settings: Callable[[Any], tuple]
    serve: Callable[[Any, Any, ServingContext], np.ndarray]
    build: Callable[[Any, Any], tuple[Any, Any]]
    baseline: bool = False
    true_model: str = "plain"
    parameter: str | None = None


def _no_setting(_scenario: Any) -> tuple:
    return (None,)


def _swept(name: str) -> Callable[[Any], tuple]:
    """Settings from ``scenario.sweeps[name]`` (empty when the scenario does not sweep the defence)."""

    def settings(scenario: Any) -> tuple:
        return tuple(scenario.sweeps.get(name, ()))

    return settings


def _serve_truthful(_factory: Any, point: Any, context: ServingContext) -> np.ndarray:
    return context.probabilities[point.true_model]


def _build_truthful(factory: Any, point: Any) -> tuple[Any, Any]:
    from torch import nn  # pylint: disable=import-outside-toplevel

    return nn.Sequential(factory.models[point.true_model], nn.Softmax(dim=1)), None


def _serve_am(factory: Any, point: Any, context: ServingContext) -> np.ndarray:
    return factory.am_answers(point, context)


def _build_am(factory: Any, point: Any) -> tuple[Any, Any]:
    return factory.models["oe"], factory.am_postprocessor(point)


def _serve_pp(factory: Any, point: Any, context: ServingContext) -> np.ndarray:
    oracle = point.defence[len("pp_") :]
    defence = factory.prediction_poisoning(oracle, point.setting)
    if ("pp", oracle) not in context.memo:  # the oracle's targets do not depend on epsilon: once per query set
        context.memo[("pp", oracle)] = defence.target_posteriors(context.probabilities["plain"], context.x)
    return defence.poison(context.probabilities["plain"], context.memo[("pp", oracle)])


def _build_pp(factory: Any, point: Any) -> tuple[Any, Any]:
    return factory.models["plain"], factory.prediction_poisoning(point.defence[len("pp_") :], point.setting)


def _serve_dcp(factory: Any, point: Any, context: ServingContext) -> np.ndarray:
    from art_am.defences import DeceptivePerturbation  # pylint: disable=import-outside-toplevel

    dcp = DeceptivePerturbation(point.setting, factory.scenario.dcp_gamma, preds_type="probabilities")
    return dcp(context.probabilities["plain"]).astype(np.float64)


def _build_dcp(factory: Any, point: Any) -> tuple[Any, Any]:
    from art_am.defences import DeceptivePerturbation  # pylint: disable=import-outside-toplevel

    return factory.models["plain"], DeceptivePerturbation(point.setting, factory.scenario.dcp_gamma, "logits")


def _art_postprocessor(class_name: str, argument: str | None) -> Callable[[Any, Any], Any]:
    """
    :return: A builder of ART's postprocessor ``class_name`` with the point's setting as ``argument`` (None: none).
    """

    def make(factory: Any, point: Any) -> Any:
        from art.defences import postprocessor  # pylint: disable=import-outside-toplevel

        kwargs = {} if argument is None else {argument: point.setting}
        return getattr(postprocessor, class_name)(**kwargs)

    return make


def _art_entry(name: str, class_name: str, argument: str | None, style: tuple[str, str]) -> DefenceEntry:
    """
    ART's own postprocessors, applied to the plain defender's probabilities (ART's postprocessors take probabilities).
    The random one (GaussianNoise draws from NumPy's global generator) is served under a seed derived from the
    benchmark seed, and the global state is restored afterwards.
    """
    make = _art_postprocessor(class_name, argument)

    def serve(factory: Any, point: Any, context: ServingContext) -> np.ndarray:
        state = np.random.get_state()
        np.random.seed(factory.seed + 777)
        try:
            answers = make(factory, point)(context.probabilities["plain"].astype(np.float32))
        finally:
            np.random.set_state(state)
        return np.asarray(answers, dtype=np.float64)

    def build(factory: Any, point: Any) -> tuple[Any, Any]:
        from torch import nn  # pylint: disable=import-outside-toplevel

        return nn.Sequential(factory.models["plain"], nn.Softmax(dim=1)), make(factory, point)

    return DefenceEntry(name, f"ART {class_name}", style, _swept(name), serve, build, parameter=argument)


def _am_entry(name: str, label: str, style: tuple[str, str], settings: Callable[[Any], tuple]) -> DefenceEntry:
    return DefenceEntry(name, label, style, settings, _serve_am, _build_am, true_model="oe", parameter="tau")


_ENTRIES = [
    DefenceEntry("undefended", "undefended", ("black", "*"), _no_setting, _serve_truthful, _build_truthful),
    DefenceEntry("oe_only", "OE only", ("grey", "P"), _no_setting, _serve_truthful, _build_truthful, true_model="oe"),
    _am_entry("am", "AM", ("tab:blue", "o"), _swept("am")),
    _am_entry("am_cm", "AM + confidence matching", ("tab:purple", "X"), _swept("am_cm")),
    _am_entry("am_detector", "AM (MSP + sign detector)", ("tab:cyan", "v"), _swept("am_detector")),
    _am_entry("am_detector_broad", "AM (MSP + broad-family detector)", ("navy", "<"), _swept("am_detector_broad")),
    DefenceEntry(
        "pp_extreme",
        "PP (MAD)",
        ("tab:red", "s"),
        _swept("pp_extreme"),
        _serve_pp,
        _build_pp,
        True,
        parameter="epsilon",
    ),
    DefenceEntry(
        "pp_argmax",
        "PP (MAD-argmax)",
        ("tab:orange", "^"),
        _swept("pp_argmax"),
        _serve_pp,
        _build_pp,
        True,
        parameter="epsilon",
    ),
    DefenceEntry("dcp", "DCP", ("tab:green", "D"), _swept("dcp"), _serve_dcp, _build_dcp, True, parameter="beta"),
    # ART's own postprocessors against model stealing, so that the benchmark covers every one ART ships: swept where a
    # scenario lists their settings in ``sweeps`` (``{"art_class_labels": (None,)}`` for the one without a setting).
    _art_entry("art_reverse_sigmoid", "ReverseSigmoid", "beta", ("olive", "d")),
    _art_entry("art_rounded", "Rounded", "decimals", ("sienna", "h")),
    _art_entry("art_high_confidence", "HighConfidence", "cutoff", ("pink", "p")),
    _art_entry("art_gaussian_noise", "GaussianNoise", "scale", ("gold", "8")),
    _art_entry("art_class_labels", "ClassLabels", None, ("teal", "H")),
]
DEFENCES: dict[str, DefenceEntry] = {entry.name: entry for entry in _ENTRIES}
DEFENCE_LABELS = {name: entry.label for name, entry in DEFENCES.items()}
STYLES = {name: entry.style for name, entry in DEFENCES.items()}
BASELINES = tuple(name for name, entry in DEFENCES.items() if entry.baseline)
# The Adaptive Misinformation variants: the defences served by AM's formula.
AM_VARIANTS = tuple(name for name, entry in DEFENCES.items() if entry.serve is _serve_am)
# AM on the OE defender's MSP; the same with the Section 6 confidence-matching temperatures; AM on MSP + the sign-step
# detector; AM on MSP + the detector trained on the broad perturbation family. Each switches on the score named here.
SWITCH_SCORES = {
    "am": "msp",
    "am_cm": "msp",
    "am_detector": "msp+sign-detector",
    "am_detector_broad": "msp+broad-detector",
}
DETECTOR_FAMILIES = {"am_detector": "sign", "am_detector_broad": "broad"}


def defence(name: str) -> DefenceEntry:
    """
    :param name: A defence name.
    :return: Its entry.
    :raises ValueError: For an unknown name, listing the known ones.
    """
    if name not in DEFENCES:
        raise ValueError(f"Unknown defence {name!r}; known defences: {', '.join(DEFENCES)}.")
    return DEFENCES[name]


@dataclass(frozen=True)
class DefencePoint:
    """
    One defence setting: the defence's name and its swept parameter (tau, epsilon or beta; None for none).
    """

    defence: str
    parameter: float | None = None

    @property
    def key(self) -> str:
        """
        :return: A file-name-safe identifier.
        """
        return self.defence if self.parameter is None else f"{self.defence}-{self.parameter:g}"

    @property
    def true_model(self) -> str:
        """
        :return: Which trained model answers truthfully behind this defence: ``oe`` for AM and OE only, else ``plain``.
        """
        return defence(self.defence).true_model

    @property
    def setting(self) -> float:
        """
        :return: The swept parameter of a defence that has one (tau, epsilon or beta).
        :raises ValueError: For a point without one, which no defence can be built from.
        """
        if self.parameter is None:
            raise ValueError(f"defence '{self.defence}' needs a parameter (tau, epsilon or beta), got None.")
        return self.parameter


def defence_points(scenario: Any) -> list[DefencePoint]:
    """
    :return: Every defence setting of the scenario's sweeps, in the registry's order.
    """
    return [DefencePoint(entry.name, setting) for entry in DEFENCES.values() for setting in entry.settings(scenario)]
