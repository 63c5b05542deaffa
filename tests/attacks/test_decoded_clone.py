"""DecodedClone: a clone read through a decoder fitted on labelled images (art_am.attacks.decoded_clone)."""

import numpy as np
import pytest

from art_am.attacks import DecodedClone


class _FixedClone:
    """A clone whose logits are a fixed function of the label hidden in each input's first value."""

    def __init__(self, shift, nb_classes=5):
        self.shift, self.nb_classes = shift, nb_classes

    def predict(self, x, batch_size=128):
        del batch_size
        labels = x[:, 0].astype(int)
        logits = np.zeros((len(x), self.nb_classes))
        logits[np.arange(len(x)), (labels + self.shift) % self.nb_classes] = 6.0  # a consistent (wrong) answer
        logits[np.arange(len(x)), labels] -= 6.0  # the true class gets no probability, as AM's f_hat gives it
        return logits


def _data(rows, rng):
    labels = rng.integers(0, 5, rows)
    return np.c_[labels, rng.random((rows, 3))].astype(np.float32), labels


def test_the_decoder_undoes_a_consistent_wrong_answer():
    rng = np.random.default_rng(0)
    x_seeds, y_seeds = _data(60, rng)
    x_test, y_test = _data(500, rng)
    clone = _FixedClone(shift=2)
    assert np.mean(clone.predict(x_test).argmax(1) == y_test) == 0.0  # read as it is, the clone is always wrong
    decoded = DecodedClone(clone, x_seeds, y_seeds, nb_classes=5).predict(x_test)
    assert decoded.shape == (500, 5) and np.allclose(decoded.sum(axis=1), 1.0)
    assert np.mean(decoded.argmax(1) == y_test) == 1.0  # the map (label + 2) -> label is learned from 60 images


def test_an_honest_clone_stays_right_and_unseen_classes_get_no_probability():
    rng = np.random.default_rng(1)
    x, y = _data(300, rng)
    keep = y < 4  # the labelled images never show class 4
    honest = _FixedClone(shift=0)
    honest.predict = lambda x, batch_size=128: np.eye(5)[x[:, 0].astype(int)] * 6.0  # truthful logits
    decoded = DecodedClone(honest, x[keep], y[keep], nb_classes=5).predict(x[keep])
    assert np.mean(decoded.argmax(1) == y[keep]) == 1.0 and np.all(decoded[:, 4] == 0.0)


@pytest.mark.parametrize(
    "labels,nb_classes,message",
    [
        (np.arange(10) % 2 + 5, 5, r"lie in 0..4"),
        (np.arange(9) % 2, 5, "must be 10 class indices"),
        ((np.arange(10) % 2).astype(float), 5, "must be 10 class indices"),
        (np.arange(10) % 2, 1, "nb_classes must be an integer >= 2"),
    ],
)
def test_bad_labels_are_refused_by_name(labels, nb_classes, message):
    x = np.zeros((10, 4), dtype=np.float32)
    with pytest.raises(ValueError, match=message):
        DecodedClone(_FixedClone(1), x, labels, nb_classes=nb_classes)


def test_labels_of_one_class_give_the_constant_decoder():
    x = np.c_[np.arange(10) % 5, np.zeros((10, 3))].astype(np.float32)
    decoded = DecodedClone(_FixedClone(1), x, np.full(10, 3), nb_classes=5).predict(x)
    assert np.array_equal(decoded, np.eye(5)[np.full(10, 3)])
