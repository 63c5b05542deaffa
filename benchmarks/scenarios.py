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
    am_thresholds: tuple[float, ...] = (0.5, 0.7, 0.8, 0.9, 0.95, 0.99)
    pp_epsilons: tuple[float, ...] = (0.1, 0.5, 1.0, 1.5, 2.0)
    dcp_betas: tuple[float, ...] = (0.3, 0.6, 1.0)
    dcp_gamma: float = 0.2
    nu: float = 1000.0
    # AM with the combined score (MSP + sign-step detector): thresholds on its rank scale, i.e. the share of benign
    # reference queries that either part flags (nu counts in the score's unit, a percentile: a hard switch there too).
    am_detector_thresholds: tuple[float, ...] = (0.002, 0.005, 0.01, 0.02, 0.05)
    # Also sweep AM on MSP + a detector trained on the broad perturbation family, at the same thresholds.
    broad_detector: bool = True
    # AM with the Section 6 countermeasure (temperatures fitted so that a confidence threshold cannot tell true answers
    # on validation images from misinformation on the OE outliers), at every AM threshold.
    confidence_matching: bool = True
    detector_images: int = 60000
    ood_sources: dict[str, str] = field(default_factory=dict)
    overhead_repeats: int = 9
    overhead_all_parameter_rows: int = 1000
    pretraining: Pretraining | None = None
    # The pretrained checkpoint's path, set by benchmarks.model_cache.with_pretrained_weights (never by hand): every
    # model of a scenario with ``pretraining`` starts from it.
    pretrained_weights: str | None = None
    # Settings of the registry's defences that have no field above (benchmarks.registry), e.g. ART's postprocessors:
    # {"art_reverse_sigmoid": (0.5, 1.0), "art_class_labels": (None,)}.
    sweeps: dict[str, tuple] = field(default_factory=dict)
    # Record each epoch's test accuracy in the checkpoints' training history (costs one test pass per epoch).
    record_epoch_accuracy: bool = False

    def with_device(self, device: str, progress: bool) -> Scenario:
        """
        :return: A copy whose training recipes use ``device`` and show progress or not.
        """
        changes: dict = {
            name: dataclasses.replace(getattr(self, name), device=device, progress=progress)
            for name in ("defender_recipe", "misinformation_recipe")
        }
        if self.pretraining is not None:
            recipe = dataclasses.replace(self.pretraining.recipe, device=device, progress=progress)
            changes["pretraining"] = dataclasses.replace(self.pretraining, recipe=recipe)
        return dataclasses.replace(self, **changes)
