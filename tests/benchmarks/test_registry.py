"""The defence registry: one entry per defence, unknown names refused, and ART's own postprocessors as benchmark
defences whose swept answers are what the live ART estimator serves."""

import dataclasses
import sys

import numpy as np
import pytest

from art_am.models import create_model
from benchmarks import jobs, registry
from benchmarks.attack_runs import scenario_input_shape
from benchmarks.defence_points import DefenceFactory, DefencePoint

ART_SETTINGS = {
    "art_reverse_sigmoid": (0.5, 2.0),
    "art_rounded": (1, 3),
    "art_high_confidence": (0.2,),
    "art_gaussian_noise": (0.05,),
    "art_class_labels": (None,),
}


def test_unknown_defence_names_the_known_ones():
    with pytest.raises(ValueError, match="Unknown defence 'dcp2'; known defences: undefended, oe_only, am,"):
        registry.defence("dcp2")
    with pytest.raises(ValueError, match="Unknown defence"):
        _ = DefencePoint("bogus", 1.0).true_model


def test_every_entry_is_complete_and_the_baselines_are_the_papers():
    assert registry.BASELINES == ("pp_extreme", "pp_argmax", "dcp")
    assert registry.AM_VARIANTS == ("am", "am_cm", "am_detector", "am_detector_broad")
    styles = [entry.style for entry in registry.DEFENCES.values()]
    assert len(set(styles)) == len(styles)  # one look per defence in every figure
    for name, entry in registry.DEFENCES.items():
        assert entry.name == name and entry.label and entry.true_model in ("plain", "oe")


def test_art_postprocessors_are_swept_only_where_a_scenario_lists_them(micro_preset):
    assert not any(p.defence.startswith("art_") for p in registry.defence_points(micro_preset))
    scenario = dataclasses.replace(micro_preset, sweeps=ART_SETTINGS)
    listed = [(p.defence, p.parameter) for p in registry.defence_points(scenario) if p.defence.startswith("art_")]
    assert listed == [(name, setting) for name, settings in ART_SETTINGS.items() for setting in settings]


@pytest.mark.parametrize(
    "modules",
    [
        "benchmarks.registry, benchmarks.attack_registry, benchmarks.selection, benchmarks.jobs, benchmarks.run_files",
        "benchmarks.results_page, benchmarks.report, benchmarks.figures, benchmarks.glance",
    ],
    ids=["analysis", "report"],
)
def test_the_analysis_and_report_layers_import_no_torch(modules):
    """The registry, jobs and selection are pure functions over point records, and the pages are rendered from them
    (checked in a fresh interpreter): rebuilding a report needs neither torch nor ART."""
    import subprocess  # pylint: disable=import-outside-toplevel

    code = f"import sys, {modules}; print('torch' in sys.modules, 'art' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False False"


def test_no_layer_imports_a_study():
    """The studies are leaves: no module of the layers imports one, and a study imports no other study but the score
    comparison's own parts (read from each module's import statements)."""
    import ast  # pylint: disable=import-outside-toplevel
    import pathlib  # pylint: disable=import-outside-toplevel

    root = pathlib.Path(registry.__file__).parent

    def imported(path):
        tree = ast.parse(path.read_text())
        names = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
        names += [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module]
        return {name for name in names if name.startswith("benchmarks.")}

    layers = sorted(root.glob("*.py"))
    studies = sorted((root / "studies").glob("*.py"))
    assert len(layers) > 20 and len(studies) >= 8
    for path in layers:
        assert not {m for m in imported(path) if m.startswith("benchmarks.studies")}, path.name
    score_parts = {
        "benchmarks.studies.score_study",
        "benchmarks.studies.score_report",
        "benchmarks.studies.score_candidates",
    }
    for path in studies:
        own = {m for m in imported(path) if m.startswith("benchmarks.studies")}
        assert own <= score_parts and (not own or path.stem.startswith("score_")), path.name


def test_art_postprocessors_serve_what_the_live_estimator_serves(micro_preset, x_random):
    """Reference: the live victim, PyTorchClassifier(..., postprocessing_defences=[ART's postprocessor]), asked the
    same queries (GaussianNoise under the same NumPy seed)."""
    import torch  # pylint: disable=import-outside-toplevel

    models = {}
    for seed, kind in enumerate(("plain", "oe", "misinformation")):
        torch.manual_seed(seed)
        models[kind] = create_model("lenet5", 10).eval()
    scenario = dataclasses.replace(micro_preset, sweeps=ART_SETTINGS)
    factory = DefenceFactory(scenario, models, seed=3)
    points = [p for p in registry.defence_points(scenario) if p.defence.startswith("art_")]
    served = factory.served_answers(x_random, points)
    for point in points:
        victim = factory.live_victim(point, scenario_input_shape(scenario), "cpu")
        np.random.seed(factory.seed + 777)
        live = victim.predict(x_random)
        np.testing.assert_allclose(served[point], live, atol=1e-6, err_msg=point.key)
    # ART's ClassLabels as shipped (1.20.1 sets every row's argmax column in every row; ART PR #2824 fixes it): the
    # benchmark serves what ART users get, so only its 0/1 values are asserted here.
    labels = served[DefencePoint("art_class_labels", None)]
    assert set(np.unique(labels)) <= {0.0, 1.0} and (labels.sum(axis=1) >= 1).all()


def test_every_attack_has_one_entry_and_an_unknown_one_is_named():
    from benchmarks import attack_registry  # pylint: disable=import-outside-toplevel

    assert attack_registry.names() == jobs.ATTACKS
    assert attack_registry.attack("knockoff:tinyimagenet").name == "knockoff"
    with pytest.raises(
        ValueError,
        match=r"attack must be one of \['knockoff', 'jbda', .*'consistent', 'knockoff-decoded'\], got 'nope:x'",
    ):
        attack_registry.attack("nope:x")
    # the selective attackers are exactly those with a SelectiveExtraction selection, and they run per source
    selective = attack_registry.names("selective")
    assert selective == ("confident", "unconfident", "consistent")
    assert all(attack_registry.ATTACKS[n].per_source and attack_registry.ATTACKS[n].selection for n in selective)
    assert attack_registry.names("jbda") == ("jbda", "jbda-aware", "jbda-optimised")
    # every adaptive attacker says what it knows; the two plain attacks do not
    assert [n for n, e in attack_registry.ATTACKS.items() if e.knows is None] == ["knockoff", "jbda"]
    with pytest.raises(ValueError, match="family must be one of"):
        attack_registry.AttackEntry("x", "other", False)
    with pytest.raises(ValueError, match="selection is given exactly for the selective family"):
        attack_registry.AttackEntry("x", "knockoff", True, selection="confidence")
    with pytest.raises(ValueError, match="policy must be 'random', or 'adaptive' for the knockoff family"):
        attack_registry.AttackEntry("x", "jbda", False, policy="adaptive")
    with pytest.raises(ValueError, match="policy must be"):
        attack_registry.AttackEntry("x", "knockoff", True, policy="greedy")
    with pytest.raises(ValueError, match="retrain follows ART's adaptive policy"):
        attack_registry.AttackEntry("x", "knockoff", True, retrain=True)
    # the two adaptive KnockoffNets attackers are told apart by their fields, not by their names
    assert [(e.name, e.retrain) for e in attack_registry.ATTACKS.values() if e.policy == "adaptive"] == [
        ("knockoff-adaptive", False),
        ("knockoff-bandit", True),
    ]


def test_figures_order_attacks_by_family_then_planning_order():
    from benchmarks.attack_registry import figure_key  # pylint: disable=import-outside-toplevel

    names = [
        "jbda-optimised",
        "consistent:b",
        "knockoff:b",
        "zzz",
        "jbda",
        "knockoff:a",
        "confident:a",
        "knockoff-bandit:a",
    ]
    assert sorted(names, key=figure_key) == [
        "knockoff:a", "knockoff:b", "knockoff-bandit:a", "confident:a", "consistent:b", "jbda", "jbda-optimised", "zzz"
    ]  # fmt: skip
