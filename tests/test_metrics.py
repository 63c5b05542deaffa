import numpy as np
import pytest

from art_am.metrics import agreement, fraction_above, hellinger_distance, ood_auroc


def test_agreement_accepts_scores_or_labels():
    scores = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    assert agreement(scores, np.array([0, 1, 1])) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="shapes"):
        agreement(scores, np.array([0, 1]))


def test_hellinger_bounds_and_reference():
    p = np.array([[1.0, 0.0], [0.5, 0.5], [0.3, 0.7]])
    q = np.array([[0.0, 1.0], [0.5, 0.5], [0.6, 0.4]])
    expected = np.sqrt(1 - np.sum(np.sqrt(p * q), axis=1))  # 1 - Bhattacharyya coefficient, another route
    np.testing.assert_allclose(hellinger_distance(p, q), expected)
    assert hellinger_distance(p, q)[0] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="same shape"):
        hellinger_distance(p, q[:2])


def test_auroc_and_fraction_above():
    assert ood_auroc(np.array([0.9, 0.8]), np.array([0.1, 0.2])) == 1.0
    assert ood_auroc(np.array([0.1, 0.2]), np.array([0.9, 0.8])) == 0.0
    assert fraction_above(np.array([0.2, 0.6, 0.95, 1.0]), [0.5, 0.99]) == {0.5: 0.75, 0.99: 0.25}
