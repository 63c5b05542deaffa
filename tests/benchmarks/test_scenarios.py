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
