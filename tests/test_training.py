import numpy as np
import pytest
import torch
from torch import nn

from art_am.inference import accuracy, predict_proba
from art_am.models import create_model
from art_am.training import (
    TrainingConfig,
    load_checkpoint,
    misinformation_loss,
    save_checkpoint,
    train_defender,
    train_misinformation_model,
    uniform_cross_entropy,
)


def _mlp(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))


FAST = TrainingConfig(epochs=4, lr=0.05, lr_step=3, batch_size=64, progress=False)


def test_losses_match_their_definitions():
    logits = torch.randn(6, 5, dtype=torch.float64)
    labels = torch.tensor([0, 1, 2, 3, 4, 0])
    probs = torch.softmax(logits, 1)
    expected = -torch.log(1 - probs[torch.arange(6), labels]).mean()
    assert torch.allclose(misinformation_loss(logits, labels), expected)
    uniform = torch.full((6, 5), 0.2, dtype=torch.float64)
    assert torch.allclose(uniform_cross_entropy(logits), -(uniform * torch.log(probs)).sum(1).mean())


@pytest.mark.slow
def test_outlier_exposure_lowers_outlier_confidence(embedded):
    x, y = embedded.x_train[:1500], embedded.y_train[:1500]
    seen, unseen = embedded.x_outliers[:1500], embedded.x_outliers[1500:2500]
    plain, exposed = _mlp(), _mlp()
    train_defender(plain, x, y, config=FAST)
    train_defender(exposed, x, y, seen, config=FAST)
    msp_plain = predict_proba(plain, unseen).max(1).mean()
    msp_exposed = predict_proba(exposed, unseen).max(1).mean()
    assert msp_exposed < msp_plain - 0.1
    assert accuracy(exposed, embedded.x_test, embedded.y_test) > 0.8


@pytest.mark.slow
def test_misinformation_model_avoids_true_class(embedded):
    x, y = embedded.x_train[:1500], embedded.y_train[:1500]
    defender = _mlp()
    train_defender(defender, x, y, config=FAST)
    misinformation = _mlp(1)
    train_misinformation_model(misinformation, x, y, embedded.x_outliers[:500], defender=defender, config=FAST)
    probs = predict_proba(misinformation, embedded.x_test)
    assert probs[np.arange(len(probs)), embedded.y_test].mean() < 0.05
    assert accuracy(misinformation, embedded.x_test, embedded.y_test) < 0.05


def test_training_is_seeded(embedded):
    x, y = embedded.x_train[:300], embedded.y_train[:300]
    config = TrainingConfig(epochs=1, batch_size=64, progress=False, seed=5)
    weights = []
    for _ in range(2):
        model = _mlp()
        train_defender(model, x, y, embedded.x_outliers[:300], config=config)
        weights.append(model[1].weight.detach().clone())
    assert torch.equal(weights[0], weights[1])


def test_checkpoint_round_trip(tmp_path):
    model = create_model("lenet5")
    metadata = {"architecture": "lenet5", "num_classes": 10, "dataset": "mnist", "test_accuracy": 0.99, "seed": 1}
    path = tmp_path / "sub" / "model.pt"
    save_checkpoint(path, model, metadata)
    loaded, loaded_metadata = load_checkpoint(path)
    assert loaded_metadata == metadata
    x = torch.rand(2, 1, 28, 28)
    assert torch.equal(loaded(x), model.eval()(x))


def test_checkpoint_errors(tmp_path):
    with pytest.raises(ValueError, match="JSON"):
        save_checkpoint(tmp_path / "m.pt", create_model("lenet5"), {"bad": object()})
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "absent.pt")
    torch.save({"something": 1}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not an art_am checkpoint"):
        load_checkpoint(tmp_path / "other.pt")
    save_checkpoint(tmp_path / "noarch.pt", create_model("lenet5"), {"seed": 0})
    with pytest.raises(ValueError, match="architecture"):
        load_checkpoint(tmp_path / "noarch.pt")


@pytest.mark.parametrize(
    "field,value",
    [("epochs", 0), ("batch_size", -1), ("lr", 0.0), ("momentum", -0.1), ("oe_weight", -1.0), ("channels_last", 1)],
)
def test_config_rejects_bad_values(field, value):
    with pytest.raises(ValueError, match=field):
        TrainingConfig(**{field: value})


def test_bad_training_arrays():
    model = _mlp()
    with pytest.raises(ValueError, match="one label per image"):
        train_defender(model, np.zeros((4, 1, 28, 28), np.float32), np.zeros(3, np.int64), config=FAST)
    with pytest.raises(ValueError, match="NaN"):
        train_defender(model, np.full((4, 1, 28, 28), np.nan, np.float32), np.zeros(4, np.int64), config=FAST)
    with pytest.raises(ValueError, match="defender"):
        train_misinformation_model(
            model, np.zeros((4, 1, 28, 28), np.float32), np.zeros(4, np.int64), np.zeros((4, 1, 28, 28), np.float32)
        )


def test_batched_augmentation_equals_the_per_image_crop_and_flip():
    """The device-side augmentation gathers every crop at once; reference: the per-image loop over the same draws."""
    from art_am.training.loop import _augment  # pylint: disable=import-outside-toplevel

    batch = torch.rand(33, 3, 10, 12, generator=torch.Generator().manual_seed(1))
    augmented = _augment(batch, torch.Generator().manual_seed(7), 4, None)
    draws = torch.Generator().manual_seed(7)
    dy = torch.randint(0, 9, (33,), generator=draws).tolist()
    dx = torch.randint(0, 9, (33,), generator=draws).tolist()
    flip = torch.rand(33, generator=draws).tolist()
    padded = nn.functional.pad(batch, (4, 4, 4, 4), mode="reflect")
    for i in range(33):
        crop = padded[i, :, dy[i] : dy[i] + 10, dx[i] : dx[i] + 12]
        torch.testing.assert_close(augmented[i], crop.flip(-1) if flip[i] < 0.5 else crop, rtol=0, atol=0)
    assert 0 < sum(f < 0.5 for f in flip) < 33 and len(set(dy)) > 3  # both branches and several offsets exercised


@pytest.mark.slow
def test_mixed_precision_and_channels_last_train_the_same_model_shape(embedded):
    """bfloat16 autocast and channels-last change how, not what, is trained: the model still learns (well above
    chance) and comes back in the default memory format, float32."""
    config = TrainingConfig(
        epochs=2, lr=0.05, lr_step=2, batch_size=64, progress=False, mixed_precision=True, channels_last=True
    )
    model = create_model("lenet5", 10)
    train_defender(model, embedded.x_train[:2000], embedded.y_train[:2000], config=config)
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert all(p.is_contiguous() for p in model.parameters())
    assert accuracy(model, embedded.x_test[:500], embedded.y_test[:500]) > 0.5
