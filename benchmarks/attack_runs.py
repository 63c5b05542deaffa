"""
Running the two attacks against one defence setting: ART's KnockoffNets (random policy) on precomputed answers, and
JBDA against the live defended estimator. Both train a clone of the defender's architecture.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from art.attacks.extraction import KnockoffNets
from art.estimators.classification import BlackBoxClassifier, PyTorchClassifier

from art_am.attacks import DetectorAwareJBDA, JacobianDatasetAugmentation, SelectiveExtraction
from art_am.defences.probabilities import top1_one_hot
from benchmarks.model_cache import scenario_model
from benchmarks.scenarios import Scenario


def make_clone(
    scenario: Scenario, lr: float, seed: int, device: str, x_attacker: np.ndarray | None = None
) -> PyTorchClassifier:
    """
    :param x_attacker: Images the attacker holds before its first query (its query set, or JBDA's seeds): a model with
                       a data-initialised layer (FastNet's patch whitening, frozen during training) is initialised
                       from them, as the defender's is from its training images; without them that layer stays a
                       random projection and the clone is weaker than the attacker could make it.
    :return: A fresh clone of the defender's architecture (from the scenario's pretrained backbone where it has one, as
             the paper's attacker starts from ImageNet weights), trained by ART's ``fit`` with SGD (momentum 0.9,
             weight decay 5e-4) on soft targets (``CrossEntropyLoss`` keeps probability labels).
    """
    model = scenario_model(scenario, seed)
    init_whitening = getattr(model, "init_whitening", None)
    if x_attacker is not None and callable(init_whitening):
        init_whitening(x_attacker)
    return PyTorchClassifier(
        model=model,
        loss=torch.nn.CrossEntropyLoss(),
        optimizer=torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4),
        input_shape=tuple(scenario_input_shape(scenario)),
        nb_classes=scenario.num_classes,
        clip_values=(0.0, 1.0),
        device_type="gpu" if device.startswith("cuda") else "cpu",
    )


def scenario_input_shape(scenario: Scenario) -> tuple[int, ...]:
    """
    :return: The input shape of the scenario's images.
    """
    return tuple(scenario.input_shape)


def defended_estimator(scenario: Scenario, model: torch.nn.Module, defence, device: str) -> PyTorchClassifier:
    """
    :return: ``model`` as an ART classifier with ``defence`` (None for none) as its postprocessor.
    """
    return PyTorchClassifier(
        model=model,
        loss=torch.nn.CrossEntropyLoss(),
        input_shape=scenario_input_shape(scenario),
        nb_classes=scenario.num_classes,
        clip_values=(0.0, 1.0),
        postprocessing_defences=None if defence is None else [defence],
        device_type="gpu" if device.startswith("cuda") else "cpu",
    )


class AnswerLookup:
    """
    A victim's prediction function that serves precomputed answers, matched by the exact bytes of each query, and
    keeps the indices of the queries it answered (in order, repeats included).
    """

    def __init__(self, x: np.ndarray, answers: np.ndarray) -> None:
        self.index = {row.tobytes(): i for i, row in enumerate(np.ascontiguousarray(x, dtype=np.float32))}
        self.answers = answers.astype(np.float32)
        self.asked: list[int] = []

    def __call__(self, x: np.ndarray) -> np.ndarray:
        rows = np.ascontiguousarray(x, dtype=np.float32)
        try:
            indices = [self.index[row.tobytes()] for row in rows]
        except KeyError as error:
            raise ValueError("AnswerLookup was asked a query it has no answer for.") from error
        self.asked += indices
        return self.answers[indices]


def run_knockoff(
    scenario: Scenario,
    x_queries: np.ndarray,
    answers: np.ndarray,
    soft: bool,
    seed: int,
    device: str,
    verbose: bool,
    y_queries: np.ndarray | None = None,
    retrain: bool = False,
) -> tuple[PyTorchClassifier, int, np.ndarray]:
    """
    :param y_queries: The attacker's labels of its query set: given, ART's adaptive policy runs (a bandit over those
                      classes, rewarded by the victim's answers; it trains on top-1 labels whatever ``soft`` says);
                      None, the random policy.
    :param retrain: With ``y_queries``: let ART's policy choose the queries (its per-query clone updates go to a
                    throwaway copy, which the ``cert`` reward never reads), then train a fresh clone on the chosen
                    queries and their answers as the random policy trains (``soft`` or top-1 labels, the clone's
                    epochs). ART's own adaptive clone, updated on one image per query, collapses at the clones'
                    learning rates; this attacker keeps the policy and drops the collapse.
    :return: The clone trained by KnockoffNets, the number of queries used, and the index in ``x_queries`` of each
             query sent (in order; ART's adaptive policy repeats some).
    """
    if retrain and y_queries is None:
        raise ValueError("retrain needs the attacker's labels y_queries: it retrains after ART's adaptive policy.")
    if y_queries is not None:
        # ART's bandit has one action per distinct label and draws action k among the queries labelled k, so labels
        # must be 0..k-1: a query set holding classes 100-199 of its source (Tiny ImageNet) would make it draw from
        # an empty class and fail. Renumbered in sorted order, labels that are already 0..k-1 stay as they are.
        y_queries = np.unique(y_queries, return_inverse=True)[1]
    lookup = AnswerLookup(x_queries, answers)
    victim = BlackBoxClassifier(lookup, scenario_input_shape(scenario), scenario.num_classes, clip_values=(0.0, 1.0))
    budget = min(scenario.attacks.knockoff_queries, len(x_queries))
    np.random.seed(seed)  # KnockoffNets draws its sample with NumPy's global generator
    attack = KnockoffNets(
        victim,
        batch_size_fit=128,
        batch_size_query=1024,
        nb_epochs=scenario.attacks.clone_epochs,
        nb_stolen=budget,
        sampling_strategy="random" if y_queries is None else "adaptive",
        # ART's "all" reward divides by a running variance that is zero while a reward term stays constant (e.g.
        # against a victim whose answers do not vary), which makes the policy NaN; "cert" is always defined.
        reward="cert",
        use_probability=soft,
        verbose=verbose,
    )
    clone = make_clone(scenario, scenario.attacks.clone_lr, seed, device, x_queries)
    if not retrain:
        clone = attack.extract(x_queries, y_queries, thieved_classifier=clone)
        return clone, budget, np.asarray(lookup.asked, dtype=np.int64)
    attack.set_params(nb_epochs=1)  # the throwaway's last fit; the clone is trained below
    attack.extract(
        x_queries,
        y_queries,
        thieved_classifier=make_clone(scenario, scenario.attacks.clone_lr, seed, device, x_queries),
    )
    chosen = np.asarray(lookup.asked, dtype=np.int64)
    labels = answers[chosen].astype(np.float32)
    if not soft:
        labels = top1_one_hot(labels)
    clone.fit(x_queries[chosen], labels, nb_epochs=scenario.attacks.clone_epochs, batch_size=128)
    return clone, budget, chosen


class QueryRecorder:
    """
    A victim prediction function that forwards to the live defended estimator and keeps every query it saw.
    """

    def __init__(self, victim: PyTorchClassifier) -> None:
        self.victim = victim
        self.queries: list[np.ndarray] = []

    def __call__(self, x: np.ndarray) -> np.ndarray:
        self.queries.append(np.array(x, dtype=np.float32))
        return self.victim.predict(x, batch_size=len(x))


def run_jbda(
    scenario: Scenario,
    live_victim: PyTorchClassifier,
    x_seeds: np.ndarray,
    soft: bool,
    seed: int,
    device: str,
    verbose: bool,
    step_size: float | None = None,
    detector_aware: bool = False,
    detector_family: str = "sign",
    optimise_iterations: int = 0,
) -> tuple[PyTorchClassifier, int, np.ndarray, dict]:
    """
    :param detector_aware: Run :class:`~art_am.attacks.DetectorAwareJBDA` (the attacker who shapes its steps against
                           its own copy of the sign-step detector) instead of plain JBDA.
    :param detector_family: The perturbation family of the attacker's detector copy (the deployed one's).
    :param optimise_iterations: The detector-aware attacker's descent steps against its copy's gradient (0: it only
                                chooses among the step forms).
    :return: The JBDA clone, the number of queries, all queries sent (for the MSP CDF), and what the attack recorded
             (for the detector-aware attacker: how often it chose each step form).
    """
    recorder = QueryRecorder(live_victim)
    victim = BlackBoxClassifier(recorder, scenario_input_shape(scenario), scenario.num_classes, clip_values=(0.0, 1.0))
    settings = scenario.attacks
    aware: dict[str, Any] = (
        {"detector_family": detector_family, "optimise_iterations": optimise_iterations} if detector_aware else {}
    )
    attack_class = DetectorAwareJBDA if detector_aware else JacobianDatasetAugmentation
    attack = attack_class(
        victim,
        nb_rounds=settings.jbda_rounds,
        step_size=settings.jbda_step if step_size is None else step_size,
        nb_epochs=settings.jbda_epochs,
        batch_size_fit=64,
        batch_size_query=1024,
        use_probability=soft,
        seed=seed,
        verbose=verbose,
        **aware,
    )
    clone = make_clone(scenario, settings.jbda_lr, seed, device, x_seeds)
    attack.extract(x_seeds, thieved_classifier=clone)
    recorded = {"step_forms_chosen": attack.chosen_forms} if detector_aware else {}
    return clone, attack.queries_used, np.concatenate(recorder.queries), recorded


def run_selective(
    scenario: Scenario,
    live_victim: PyTorchClassifier,
    x_queries: np.ndarray,
    selection: str,
    soft: bool,
    seed: int,
    device: str,
) -> tuple[PyTorchClassifier, int, dict]:
    """
    :param selection: ``confidence`` (the paper's Section 6 attacker), ``low_confidence`` or ``consistency``
                      (:class:`~art_am.attacks.SelectiveExtraction`).
    :return: The clone, the number of queries, and what the attack recorded (answers kept).
    """
    settings = scenario.attacks
    attack = SelectiveExtraction(
        live_victim,
        selection=selection,
        nb_stolen=settings.knockoff_queries,
        nb_epochs=settings.clone_epochs,
        batch_size_fit=128,
        use_probability=soft,
        seed=seed,
    )
    clone = make_clone(scenario, settings.clone_lr, seed, device, x_queries)
    attack.extract(x_queries, thieved_classifier=clone)
    return clone, attack.queries_used, {"answers_kept": attack.kept}


def seeds_only_clone(
    scenario: Scenario, victim: PyTorchClassifier, x_seeds: np.ndarray, soft: bool, seed: int, device: str
) -> PyTorchClassifier:
    """
    The floor of a JBDA result: a clone trained on the victim's answers to the seed images alone, for as many epochs
    as JBDA trains in all its rounds. A defence cannot push a JBDA clone below it without misinforming benign images.

    :return: The clone.
    """
    answers = victim.predict(x_seeds, batch_size=1024)
    labels = answers if soft else top1_one_hot(answers, scenario.num_classes)
    clone = make_clone(scenario, scenario.attacks.jbda_lr, seed, device, x_seeds)
    settings = scenario.attacks
    clone.fit(x_seeds, labels, batch_size=64, nb_epochs=settings.jbda_rounds * settings.jbda_epochs, verbose=False)
    return clone
