"""
What a benchmark scenario is: the defender task (data, model, recipes), the attacks run against it and the defence
sweeps (:class:`Scenario`, :class:`AttackSettings`, :class:`Pretraining`). The presets themselves, data only, are in
:mod:`benchmarks.presets`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from art_am.training import TrainingConfig


@dataclass
class AttackSettings:
    """
    Settings of the two attacks.

    :param knockoff_sources: Query sets of KnockoffNets, by label.
    :param knockoff_queries: Query budget of KnockoffNets (random policy).
    :param clone_epochs: Epochs of the KnockoffNets clone.
    :param clone_lr: Learning rate of the clones (SGD, momentum 0.9).
    :param jbda_seeds: Number of seed images, taken from the start of the test split (the clone is scored on the rest).
    :param jbda_rounds: JBDA rounds.
    :param jbda_epochs: Clone epochs per JBDA round.
    :param jbda_step: JBDA step lambda.
    :param jbda_lr: Learning rate of the JBDA clone.
    :param jbda_optimise_iterations: Descent steps of the ``jbda-optimised`` attacker against its detector copy.
    """

    knockoff_sources: dict[str, str]
    knockoff_queries: int
    clone_epochs: int
    clone_lr: float
    jbda_seeds: int = 150
    jbda_rounds: int = 6
    jbda_epochs: int = 10
    jbda_step: float = 0.1
    jbda_lr: float = 0.01
    jbda_optimise_iterations: int = 10


@dataclass(frozen=True)
class Pretraining:
    """
    Pretraining of every model of a scenario (defenders, misinformation model and the attackers' clones) on another
    labelled set: the stand-in for the ImageNet weights the paper starts its ResNet-18 models from (Section 5). One
    pretrained model per scenario, shared by all seeds, defender and attacker alike, as public weights are.

    :param source: Labelled data source of the pretraining (its own classes; the head is replaced after it).
    :param recipe: Its training recipe (plain cross-entropy).
    :param test_source: Held-out images of the same classes, whose accuracy the checkpoint records; None for none.
    """

    source: str
    recipe: TrainingConfig
    test_source: str | None = None


# The sweep of every scenario that does not set its own. AM's thresholds on the maximum softmax probability; the same
# with the Section 6 countermeasure ("am_cm": temperatures fitted so that a confidence threshold cannot tell true
# answers on validation images from misinformation on the OE outliers); AM on MSP + the sign-step detector, thresholds
# on its rank scale (the share of benign reference queries either part flags), and the same with the detector trained
# on the broad perturbation family; PP's L1 budgets (MAD and MAD-argmax); DCP's betas.
DEFAULT_SWEEPS: dict[str, tuple] = {
    "am": (0.5, 0.7, 0.8, 0.9, 0.95, 0.99),
    "am_cm": (0.5, 0.7, 0.8, 0.9, 0.95, 0.99),
    "am_detector": (0.002, 0.005, 0.01, 0.02, 0.05),
    "am_detector_broad": (0.002, 0.005, 0.01, 0.02, 0.05),
    "pp_extreme": (0.1, 0.5, 1.0, 1.5, 2.0),
    "pp_argmax": (0.1, 0.5, 1.0, 1.5, 2.0),
    "dcp": (0.3, 0.6, 1.0),
}


def defence_sweeps(
    base: dict[str, tuple] | None = None,
    *,
    am: tuple | None = None,
    am_detector: tuple | None = None,
    pp: tuple | None = None,
    dcp: tuple | None = None,
    confidence_matching: bool | None = None,
    broad_detector: bool | None = None,
) -> dict[str, tuple]:
    """
    A scenario's ``sweeps`` by defence family: AM's thresholds sweep AM and (with ``confidence_matching``) AM with the
    countermeasure; the detector thresholds sweep AM on both detectors (the broad one with ``broad_detector``); PP's
    budgets sweep PP-MAD and PP-argmax.

    :param base: The sweeps to start from (None: :data:`DEFAULT_SWEEPS`); families not given keep its settings.
    :param confidence_matching: Sweep AM with the countermeasure (None: as ``base`` does).
    :param broad_detector: Sweep AM on the broad-family detector (None: as ``base`` does).
    :return: The mapping, by registry name.
    """
    sweeps = dict(DEFAULT_SWEEPS if base is None else base)
    matching = "am_cm" in sweeps if confidence_matching is None else confidence_matching
    broad = "am_detector_broad" in sweeps if broad_detector is None else broad_detector
    for names, settings in ((("am",), am), (("am_detector",), am_detector), (("pp_extreme", "pp_argmax"), pp)):
        for name in names:
            if settings is not None:
                sweeps[name] = tuple(settings)
    if dcp is not None:
        sweeps["dcp"] = tuple(dcp)
    for name, source, wanted in (("am_cm", "am", matching), ("am_detector_broad", "am_detector", broad)):
        if wanted:
            sweeps[name] = sweeps.get(source, ())
        else:
            sweeps.pop(name, None)
    return sweeps


@dataclass
class Scenario:
    """
    One defender task with everything the benchmark does to it.
    """

    name: str
    train_source: str
    test_source: str
    outlier_source: str
    attacks: AttackSettings
    architecture: str = "lenet5"
    model_kwargs: dict = field(default_factory=dict)
    num_classes: int = 10
    input_shape: tuple[int, ...] = (1, 28, 28)
    # Shuffle the test split (fixed seed) before cutting seeds, validation and test: for sets stored in class order.
    shuffle_test: bool = False
    defender_recipe: TrainingConfig = field(default_factory=TrainingConfig)
    misinformation_recipe: TrainingConfig = field(default_factory=lambda: TrainingConfig(epochs=15))
    # None: the outlier-exposure defender trains from scratch with ``defender_recipe``. A recipe: it starts from the
    # seed's trained plain defender and is fine-tuned with outlier exposure (as Hendrycks et al. do for CIFAR), which
    # costs a few epochs instead of a whole training.
    oe_fine_tuning: TrainingConfig | None = None
    dcp_gamma: float = 0.2
    nu: float = 1000.0
    detector_images: int = 60000
    ood_sources: dict[str, str] = field(default_factory=dict)
    overhead_repeats: int = 9
    overhead_all_parameter_rows: int = 1000
    pretraining: Pretraining | None = None
    # The pretrained checkpoint's path, set by benchmarks.model_cache.with_pretrained_weights (never by hand): every
    # model of a scenario with ``pretraining`` starts from it.
    pretrained_weights: str | None = None
    # The settings swept per defence, by its registry name (benchmarks.registry): a defence without an entry is not run.
    # Build it with defence_sweeps; ART's postprocessors opt in the same way, e.g. {"art_class_labels": (None,)}.
    sweeps: dict[str, tuple] = field(default_factory=lambda: dict(DEFAULT_SWEEPS))
    # Record each epoch's test accuracy in the checkpoints' training history (costs one test pass per epoch).
    record_epoch_accuracy: bool = False

    @property
    def am_detector_thresholds(self) -> tuple:
        """
        :return: AM's thresholds on the combined score (MSP + sign-step detector); empty: no detector is trained.
        """
        return tuple(self.sweeps.get("am_detector", ()))

    @property
    def broad_detector(self) -> bool:
        """
        :return: Whether AM on MSP + the broad-family detector is swept (its detector is then trained too).
        """
        return bool(self.sweeps.get("am_detector_broad"))

    @property
    def confidence_matching(self) -> bool:
        """
        :return: Whether AM with the Section 6 countermeasure is swept (its temperatures are then fitted).
        """
        return bool(self.sweeps.get("am_cm"))

    def with_device(self, device: str, progress: bool) -> Scenario:
        """
        :return: A copy whose training recipes use ``device`` and show progress or not.
        """
        changes: dict = {
            name: dataclasses.replace(getattr(self, name), device=device, progress=progress)
            for name in ("defender_recipe", "misinformation_recipe", "oe_fine_tuning")
            if getattr(self, name) is not None
        }
        if self.pretraining is not None:
            recipe = dataclasses.replace(self.pretraining.recipe, device=device, progress=progress)
            changes["pretraining"] = dataclasses.replace(self.pretraining, recipe=recipe)
        return dataclasses.replace(self, **changes)
