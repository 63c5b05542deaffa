"""
One's own images as a KnockoffNets query set (``--query-source NAME=SPEC``): the file source reads what it is given,
an added set is queried exactly as a preset's set of the same images is, and a run folder refuses a name that stood for
other images.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from art_am.datasets.packed_jpeg import decode_packed_jpeg
from benchmarks import run as run_module
from benchmarks.cli import UsageError
from benchmarks.data import load_source
from benchmarks.query_sources import check_against_run, fingerprints, parse_query_sources, with_query_sources
from tests.test_packed_jpeg import _pack


def test_a_file_source_reads_every_layout_and_keeps_its_labels(tmp_path, rng):
    images = rng.integers(0, 256, (5, 8, 8, 3), dtype=np.uint8)
    np.savez(tmp_path / "last.npz", x=images)
    np.savez(tmp_path / "first.npz", x=images.transpose(0, 3, 1, 2), y=np.array([4, 0, 2, 2, 9]))
    np.savez(tmp_path / "floats.npz", x=images.astype(np.float32) / 255)
    x, y = load_source(f"file:{tmp_path / 'last.npz'}", "unused")
    assert y is None and x.shape == (5, 3, 8, 8) and x.dtype == np.float32
    np.testing.assert_array_equal(x, images.transpose(0, 3, 1, 2) / np.float32(255))
    x_first, y_first = load_source(f"file:{tmp_path / 'first.npz'}", "unused")
    np.testing.assert_array_equal(x_first, x)
    np.testing.assert_array_equal(y_first, [4, 0, 2, 2, 9])
    np.testing.assert_allclose(load_source(f"file:{tmp_path / 'floats.npz'}", "unused")[0], x, atol=1e-7)
    # the selections of every other source apply (the resizing itself: tests/test_datasets.py)
    x_small, y_small = load_source(f"file:{tmp_path / 'first.npz'}?classes=2-4&size=4", "unused")
    np.testing.assert_array_equal(y_small, [4, 2, 2])
    assert x_small.shape == (3, 3, 4, 4)


def test_a_packed_jpeg_file_is_decoded_as_the_shared_data_is(tmp_path, rng):
    images = np.stack([np.kron(b, np.ones((8, 8, 1))) for b in rng.integers(0, 256, (3, 2, 2, 3))]).astype(np.uint8)
    _pack(tmp_path / "mine_jpeg.npz", images, [1, 2, 3])
    x, y = load_source(f"file:{tmp_path / 'mine_jpeg.npz'}", "unused")
    decoded, labels = decode_packed_jpeg(tmp_path / "mine_jpeg.npz")
    np.testing.assert_array_equal(x, decoded.transpose(0, 3, 1, 2) / np.float32(255))
    np.testing.assert_array_equal(y, labels)


@pytest.mark.parametrize(
    "content,message",
    [
        (None, "no such file"),
        (b"not a zip", "not a readable NumPy archive"),
        ("npy", "not a readable NumPy archive"),
        ({"images": np.zeros((2, 8, 8, 3), np.uint8)}, "lacks the array(s) ['x']"),
        ({"x": np.zeros((0, 8, 8, 3), np.uint8)}, "holds no images"),
        ({"x": np.zeros((2, 8, 8, 3), np.uint8), "y": np.zeros(3, np.int64)}, "one label per image"),
        ({"x": np.zeros((2, 8, 8, 3), np.uint8), "y": np.array([0.5, 1])}, "integer class labels"),
        ({"x": np.full((2, 8, 8, 3), 2.0)}, "in [0, 1]"),
        ({"x": np.zeros((2, 8, 8, 5), np.uint8)}, "expected images shaped"),
    ],
)
def test_a_bad_file_is_named_with_what_is_wrong(tmp_path, content, message):
    path = tmp_path / "mine.npz"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content == "npy":
        np.save(tmp_path / "mine.npy", np.zeros(3))
        os.replace(tmp_path / "mine.npy", path)
    elif content is not None:
        np.savez(path, **content)
    with pytest.raises(ValueError) as error:
        load_source(f"file:{path}", "unused")
    assert message in str(error.value) and "mine.npz" in str(error.value)


def test_added_sources_are_parsed_checked_and_made_absolute(tmp_path, micro_preset, monkeypatch):
    np.savez(tmp_path / "mine.npz", x=np.zeros((2, 8, 8), np.uint8))
    monkeypatch.chdir(tmp_path)
    sources = parse_query_sources(["mine=file:mine.npz?size=4", "letters=notmnist:test"])
    assert sources == {"mine": f"file:{tmp_path / 'mine.npz'}?size=4", "letters": "notmnist:test"}
    scenario = with_query_sources(micro_preset, sources)
    assert scenario.attacks.knockoff_sources == micro_preset.attacks.knockoff_sources | sources
    assert scenario.ood_sources == micro_preset.ood_sources | sources
    assert micro_preset.attacks.knockoff_sources.keys().isdisjoint(sources)  # the preset itself is left alone
    assert with_query_sources(micro_preset, {}) is micro_preset
    for bad, why in [
        ("mine", "give NAME=SPEC"),
        ("mine=", "give NAME=SPEC"),
        ("my set=embedded:queries", "NAME may hold only"),
        ("../x=embedded:queries", "NAME may hold only"),
        ("other=file:absent.npz", "no file at 'absent.npz'"),
    ]:
        with pytest.raises(UsageError, match="--query-source") as error:
            parse_query_sources([bad])
        assert why in str(error.value)
    with pytest.raises(UsageError, match="given twice"):
        parse_query_sources(["a=embedded:queries", "a=embedded:outliers"])
    with pytest.raises(UsageError, match="already has a query set"):
        with_query_sources(micro_preset, {"fashion_mnist": "embedded:outliers"})


def test_a_name_must_keep_standing_for_the_same_images(tmp_path):
    path = tmp_path / "mine.npz"
    np.savez(path, x=np.zeros((2, 8, 8), np.uint8))
    first = fingerprints({"mine": f"file:{path}"})
    assert len(first["mine"]["sha256"]) == 64
    check_against_run(first, first)  # the same images: nothing to say
    check_against_run({}, first)  # a name new to the run
    np.savez(path, x=np.ones((2, 8, 8), np.uint8))
    with pytest.raises(UsageError, match="other file contents"):
        check_against_run(first, fingerprints({"mine": f"file:{path}"}))
    with pytest.raises(UsageError, match="was 'embedded:queries'"):
        check_against_run(fingerprints({"mine": "embedded:queries"}), first)


def test_an_added_set_is_queried_as_the_presets_set_of_the_same_images(tmp_path, micro_preset, capsys):
    """The micro preset's KnockoffNets queries, written to a file and added under another name, give the same points."""
    x_queries, _ = load_source(micro_preset.attacks.knockoff_sources["fashion_mnist"], "unused")
    np.savez(tmp_path / "same.npz", x=x_queries)
    common = ["--preset", "micro", "--cache-dir", str(tmp_path / "cache"), "--skip-overhead", "--no-progress"]
    common += ["--attacks", "knockoff", "--labels", "soft", "--defences", "undefended,am-0.9"]
    added = ["--query-source", f"mine=file:{tmp_path / 'same.npz'}", "--sources", "mine"]
    assert run_module.main(common + ["--run-dir", str(tmp_path / "added")] + added) == 0
    assert run_module.main(common + ["--run-dir", str(tmp_path / "preset"), "--sources", "fashion_mnist"]) == 0
    folder = "points/micro/seed0"
    for defence in ("undefended", "am-0.9"):
        mine = json.load(open(tmp_path / "added" / folder / f"knockoff_mine-soft-{defence}.json"))
        preset = json.load(open(tmp_path / "preset" / folder / f"knockoff_fashion_mnist-soft-{defence}.json"))
        assert mine["attack"] == "knockoff:mine" and preset["attack"] == "knockoff:fashion_mnist"
        for field in ("clone_accuracy", "clone_accuracy_validation", "clone_fidelity", "queries", "defender_accuracy"):
            assert mine[field] == preset[field], (defence, field)
    # where the added queries sit under the OE defender is stored as for any query set ...
    with (
        np.load(tmp_path / "added" / folder / "queries-mine.npz") as mine,
        np.load(tmp_path / "preset" / folder / "queries-fashion_mnist.npz") as preset,
    ):
        np.testing.assert_array_equal(mine["msp_queries"], preset["msp_queries"])
    # ... and the run folder remembers what the name stood for, and refuses it for other images
    description = json.load(open(tmp_path / "added" / "RUN.json"))
    assert description["query_sources"]["mine"]["spec"] == f"file:{tmp_path / 'same.npz'}"
    # only the selected query set's answers were served (--sources mine)
    context = tmp_path / "added" / "context" / "micro" / "seed0"
    assert sorted(p.name for p in context.glob("answers-*.npz")) == ["answers-mine.npz"]
    capsys.readouterr()
    np.savez(tmp_path / "same.npz", x=x_queries[::-1])
    assert run_module.main(common + ["--run-dir", str(tmp_path / "added")] + added) == 2
    error = capsys.readouterr().err
    assert "--query-source" in error and "other file contents" in error
