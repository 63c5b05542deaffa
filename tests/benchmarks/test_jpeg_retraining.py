"""The JPEG retraining script's image helpers and its over-seeds summary, on small generated inputs."""

import importlib.util
import json
import os

import numpy as np
import pytest
from scipy import stats

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _script(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, "scripts", f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def retraining():
    return _script("jpeg_retraining")


@pytest.fixture(scope="module")
def summary():
    return _script("jpeg_retraining_summary")


def test_psnr_against_its_definition(retraining):
    a = np.zeros((2, 3, 4, 4), dtype=np.float32)
    b = a.copy()
    b[0] += 0.1  # MSE 0.01: 20 dB
    b[1, 0, 0, 0] = 0.5  # MSE 0.25 / 48
    expected = np.mean([10 * np.log10(1 / 0.01), 10 * np.log10(48 / 0.25)])
    assert retraining.psnr(a, b) == pytest.approx(expected, rel=1e-5)


def test_reencoding_loses_more_at_lower_quality_and_keeps_the_format(retraining):
    rng = np.random.default_rng(0)
    # smooth images (a JPEG's easy case) with some texture: every quality changes them, lower ones more
    base = rng.random((4, 3, 4, 4))
    x = np.kron(base, np.ones((1, 1, 8, 8)))[:, :, :32, :32] * 0.8 + 0.2 * rng.random((4, 3, 32, 32))
    x = (np.rint(x * 255) / 255).astype(np.float32)
    high, low = retraining.reencode(x, 95), retraining.reencode(x, 10)
    assert high.shape == x.shape and high.dtype == np.float32
    assert np.all(np.rint(high * 255) == high * 255), "decoded pixels are 8-bit values"
    assert retraining.psnr(x, high) > retraining.psnr(x, low) + 3


def _result(seed, quality, retrained, reference, epochs=4, psnr=29.0):
    name = "stored (75)" if quality is None else f"re-encoded at {quality}"
    return {
        "quality": quality,
        "seed": seed,
        "recipe": {"epochs": epochs, "lr": 1.5, "seed": seed},
        "retrained": {f"test {name}": retrained, "test as stored (75)": 0.5},
        "reference": {f"test {name}": reference, "test as stored (75)": 0.9},
        "psnr_db": {f"test, stored (75) vs {name}": None if quality is None else psnr},
    }


def _write(tmp_path, results):
    paths = []
    for i, result in enumerate(results):
        path = tmp_path / f"run{i}.json"
        path.write_text(json.dumps(result))
        paths.append(str(path))
    return paths


def test_summary_pairs_each_run_with_its_seeds_control(summary, tmp_path, capsys):
    controls = {0: 0.87, 1: 0.88, 2: 0.86}
    reencoded = {0: 0.845, 1: 0.85, 2: 0.84}
    results = [_result(s, None, a, 0.91) for s, a in controls.items()]
    results += [_result(s, 50, a, 0.84 + s / 100, psnr=29.0 + s) for s, a in reencoded.items()]
    assert summary.main(_write(tmp_path, results[::-1])) == 0
    rows = {line.split(" | ")[0].strip("| "): line for line in capsys.readouterr().out.splitlines()}
    changes = np.array([reencoded[s] - controls[s] for s in (0, 1, 2)]) * 100
    half = stats.t.ppf(0.975, 2) * changes.std(ddof=1) / np.sqrt(3)
    row = rows["re-encoded at 50"]
    assert " / ".join(f"{c:+.2f}" for c in changes) in row
    assert f"{changes.mean():.2f} ± {changes.std(ddof=1):.2f}" in row
    assert f"[{changes.mean() - half:.1f}, {changes.mean() + half:.1f}]" in row
    assert "| 30.0 |" in row  # the mean PSNR over the seeds' files
    assert "85.00 ± 1.00" in row  # the committed defenders on the re-encoded test images: 0.84, 0.85, 0.86
    cells = [cell.strip() for cell in rows["stored (quality 75)"].strip("|").split("|")]
    assert cells == ["stored (quality 75)", "0, 1, 2", "–", "87.00 ± 1.00", "–", "–", "–", "91.00 ± 0.00"]


@pytest.mark.parametrize(
    "results, message",
    [
        ([], "none given"),
        ([_result(0, 50, 0.8, 0.8)], "seed(s) 0 have no control"),
        ([_result(0, None, 0.8, 0.9), _result(0, None, 0.81, 0.9)], "a second run of seed 0 at quality stored"),
        ([_result(0, None, 0.8, 0.9), _result(0, 50, 0.7, 0.8, epochs=12)], "recipe differs from"),
        ([{"quality": 50}], "lacks seed, recipe"),
    ],
)
def test_summary_refuses_files_that_do_not_pair(summary, tmp_path, capsys, results, message):
    assert summary.main(_write(tmp_path, results)) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and message in error
