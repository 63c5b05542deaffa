"""The benchmark's attack runners: the adaptive-policy KnockoffNets that retrains its clone on the chosen queries."""

import numpy as np
import pytest

from benchmarks import attack_runs


@pytest.mark.slow
def test_bandit_policy_clone_is_trained_on_the_chosen_queries_and_their_answers(embedded, micro_preset, monkeypatch):
    budget = micro_preset.attacks.knockoff_queries
    x = embedded.x_queries[:600]
    labels = embedded.y_queries[:600]
    rng = np.random.default_rng(0)
    # the victim answers the attacker's class-3 images with certainty and everything else with near-uniform vectors
    answers = rng.dirichlet(np.full(10, 50.0), size=len(x))
    answers[labels == 3] = np.eye(10)[rng.integers(0, 10, size=int((labels == 3).sum()))] * 0.99 + 0.001
    fits = []
    original = attack_runs.make_clone

    def recording_clone(*args, **kwargs):
        clone = original(*args, **kwargs)
        fit = clone.fit

        def recorded(x, y, **kw):  # ART passes x and y by keyword
            fits.append((clone, x, y, kw))
            return fit(x, y, **kw)

        clone.fit = recorded
        return clone

    monkeypatch.setattr(attack_runs, "make_clone", recording_clone)
    clone, used, asked = attack_runs.run_knockoff(micro_preset, x, answers, True, 0, "cpu", False, labels, retrain=True)
    assert used == budget
    (final,) = [f for f in fits if f[0] is clone]  # the returned clone is fitted once, on everything at the end
    _, xs, ys, kw = final
    assert len(xs) == budget and kw["nb_epochs"] == micro_preset.attacks.clone_epochs
    # reference: each training image found in the query set by its bytes, and the answer stored for it
    rows = {row.tobytes(): i for i, row in enumerate(x)}
    index = np.array([rows[row.tobytes()] for row in np.ascontiguousarray(xs, dtype=np.float32)])
    np.testing.assert_allclose(ys, answers[index].astype(np.float32))
    np.testing.assert_array_equal(asked, index)  # the indices it reports are the queries it trained on
    # ART's bandit is rewarded by the answers' certainty: the certain class is queried far above its 1/10 share
    assert np.mean(labels[index] == 3) > 0.3
    with pytest.raises(ValueError, match="y_queries"):
        attack_runs.run_knockoff(micro_preset, x, answers, True, 0, "cpu", False, None, retrain=True)


@pytest.mark.slow
def test_the_bandit_policy_takes_a_query_set_whose_classes_are_not_numbered_from_zero(embedded, micro_preset):
    """ART's bandit draws action k among the queries labelled k: the classes 100-199 of Tiny ImageNet made it draw from
    an empty class and fail. Renumbered, the attacker's labels shifted by 100 (and spread apart) ask exactly the
    queries that the labels 0-9 ask, under the same seed."""
    x = embedded.x_queries[:300]
    labels = embedded.y_queries[:300]
    answers = np.random.default_rng(1).dirichlet(np.full(10, 1.0), size=len(x))
    run = [micro_preset, x, answers, True, 0, "cpu", False]
    _, _, reference = attack_runs.run_knockoff(*run, labels, retrain=True)
    _, _, shifted = attack_runs.run_knockoff(*run, 100 + 3 * labels, retrain=True)
    np.testing.assert_array_equal(shifted, reference)
