"""The serving-cost study (benchmarks.studies.serving_cost) at its smallest: every case timed, ratios against the
undefended call of the same round."""

import json

import pytest

from benchmarks.studies import serving_cost


@pytest.mark.slow
def test_every_defence_is_timed_against_the_undefended_model(tmp_path, capsys):
    output = tmp_path / "cost.json"
    arguments = ["--repeats", "2", "--rows", "2", "--rows-batch-1", "1", "--output", str(output)]
    assert serving_cost.main(arguments) == 0
    result = json.loads(output.read_text())
    assert json.loads(capsys.readouterr().out) == result
    for key, rows in (("batch_128", 2), ("batch_1", 1)):
        table = {row["defence"]: row for row in result[key]}
        assert len(table) == 7 and all(row["images"] == rows for row in table.values())
        # each round's ratio is the undefended call over itself: exactly 1
        undefended = table["undefended"]
        assert undefended["ratio"] == undefended["ratio_q25"] == undefended["ratio_q75"] == 1.0
        assert all(
            row["median_seconds"] > 0 and row["ratio_q25"] <= row["ratio"] <= row["ratio_q75"] for row in table.values()
        )
    assert result["repeats"] == 2


def test_a_bad_count_is_refused_by_name(capsys):
    assert serving_cost.main(["--rows", "0"]) == 2
    assert "--rows: 0 is not valid" in capsys.readouterr().err
