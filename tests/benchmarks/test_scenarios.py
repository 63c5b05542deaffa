"""A scenario's sweeps: one mapping by defence name, built per family by defence_sweeps."""

from benchmarks.registry import defence_points
from benchmarks.scenarios import DEFAULT_SWEEPS, defence_sweeps


def test_families_fill_their_variants_and_the_rest_is_kept():
    sweeps = defence_sweeps(am=(0.3,), pp=(1.0,), dcp=(2.0,), am_detector=())
    assert sweeps == {
        "am": (0.3,),
        "am_cm": (0.3,),
        "am_detector": (),
        "am_detector_broad": (),
        "pp_extreme": (1.0,),
        "pp_argmax": (1.0,),
        "dcp": (2.0,),
    }
    # a family not given keeps the base's settings; the variants follow their family
    assert defence_sweeps(sweeps, am=(0.5, 0.9))["am_cm"] == (0.5, 0.9)
    assert defence_sweeps(sweeps, am=(0.5,))["pp_argmax"] == (1.0,)
    assert defence_sweeps() == DEFAULT_SWEEPS


def test_the_countermeasure_and_broad_detector_can_be_left_out_and_stay_out():
    sweeps = defence_sweeps(am=(0.3,), am_detector=(0.01,), confidence_matching=False, broad_detector=False)
    assert "am_cm" not in sweeps and "am_detector_broad" not in sweeps
    assert "am_cm" not in defence_sweeps(sweeps, am=(0.4,))  # as the base does
    assert defence_sweeps(sweeps, confidence_matching=True)["am_cm"] == (0.3,)


def test_the_registry_sweeps_exactly_the_mapping(micro_preset):
    import dataclasses  # pylint: disable=import-outside-toplevel

    sweeps = {"am": (0.7,), "dcp": (1.0, 2.0), "art_rounded": (2,)}
    scenario = dataclasses.replace(micro_preset, sweeps=sweeps)
    assert [(p.defence, p.parameter) for p in defence_points(scenario)] == [
        ("undefended", None),
        ("oe_only", None),
        ("am", 0.7),
        ("dcp", 1.0),
        ("dcp", 2.0),
        ("art_rounded", 2),
    ]
    assert not scenario.confidence_matching and not scenario.broad_detector and scenario.am_detector_thresholds == ()


def _tiny_imagenet_classes(spec: str) -> set[int]:
    """The Tiny ImageNet classes a data source selects (all 200 where it names no range), read off its spec."""
    selection = spec.partition("?")[2]
    options = dict(item.partition("=")[::2] for item in selection.split("&") if item)
    low, _, high = options.get("classes", "0-199").partition("-")
    return set(range(int(low), int(high) + 1))


def test_no_preset_queries_with_the_images_its_outlier_exposure_trained_on():
    # Outlier exposure trained on the attacker's own query images would flag them by memory, not by what they are.
    from benchmarks.presets import PRESETS  # pylint: disable=import-outside-toplevel

    checked = 0
    for scenarios in PRESETS.values():
        for scenario in scenarios:
            outliers = [part.strip() for part in (scenario.outlier_source or "").split(" + ")]
            outlier_classes = set().union(
                *(_tiny_imagenet_classes(p) for p in outliers if p.startswith("tinyimagenet"))
            )
            for spec in scenario.attacks.knockoff_sources.values():
                for part in (p.strip() for p in spec.split(" + ")):
                    if part.startswith("tinyimagenet") and part.partition(":")[2].startswith("train"):
                        assert not outlier_classes & _tiny_imagenet_classes(part), (scenario.name, part)
                        checked += 1
                    assert part not in outliers, (scenario.name, part)  # the same images as outliers and queries
    assert checked >= 5  # the CIFAR-10 and Flowers-17 presets' Tiny ImageNet query sets were all read


def test_the_fast_cpu_scenarios_query_natural_images_from_outside_imagenet_at_the_defenders_size():
    from benchmarks.presets import NATURAL_QUERIES_AT_32, PRESETS  # pylint: disable=import-outside-toplevel

    for scenario in PRESETS["cifar10-fast-cpu"]:
        assert scenario.attacks.knockoff_sources["flowers17"] == NATURAL_QUERIES_AT_32
        assert scenario.ood_sources["flowers17 (natural images, not ImageNet)"] == NATURAL_QUERIES_AT_32
    parts = NATURAL_QUERIES_AT_32.split(" + ")
    assert sorted(p.partition("?")[0] for p in parts) == ["flowers17:test", "flowers17:train"]
    assert all("size=32" in p for p in parts)
