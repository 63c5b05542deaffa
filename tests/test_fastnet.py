"""The airbench network (``fastnet``) and the fast training recipe."""

import numpy as np
import pytest
import torch
from torch import nn

from art_am.inference import accuracy
from art_am.models import FastNet, create_model
from art_am.training import TrainingConfig, fast_fine_tuning, fast_recipe, train_defender, train_misinformation_model
from art_am.training.loop import _augment, _learning_rate_factor, _Lookahead, _parameter_groups


def _correlated_images(n=64, channels=3, size=12, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.random((n, 1, size, size))
    return (0.6 * base + 0.4 * rng.random((n, channels, size, size))).astype(np.float32)


def test_whitening_decorrelates_the_patches():
    """Reference: the 2x2 patches cut out with NumPy slicing; their images under the first half of the whitening
    filters (plus its bias) have zero mean and, up to the eps regulariser, identity covariance."""
    x = _correlated_images()
    model = FastNet(widths=(8, 8, 8))
    model.init_whitening(x, eps=1e-8)
    patches = np.stack(
        [x[:, :, i : i + 2, j : j + 2].reshape(len(x), -1) for i in range(11) for j in range(11)], axis=1
    ).reshape(-1, 12)
    weight = model.whitening.weight.detach().numpy().reshape(24, 12)
    bias = model.whitening.bias.detach().numpy()
    outputs = patches.astype(np.float64) @ weight[:12].T + bias[:12]
    np.testing.assert_allclose(outputs.mean(0), 0.0, atol=1e-4)
    np.testing.assert_allclose(np.cov(outputs.T, bias=True), np.eye(12), atol=2e-3)
    np.testing.assert_allclose(weight[12:], -weight[:12])  # both signs, so that the GELU loses nothing


def test_test_time_augmentation_is_the_mean_of_the_views():
    """Reference: the six views built by hand and scored by the same network without augmentation."""
    torch.manual_seed(0)
    model = FastNet(widths=(8, 8, 8), tta_level=2).eval()
    x = torch.rand(5, 3, 16, 16)
    with torch.no_grad():
        model.tta_level = 0
        plain = model(x)
        mirror = (plain + model(x.flip(-1))) / 2
        padded = np.pad(x.numpy(), ((0, 0), (0, 0), (1, 1), (1, 1)), mode="reflect")
        up_left, down_right = torch.tensor(padded[..., :16, :16]), torch.tensor(padded[..., 2:, 2:])
        shifted = sum((model(v) + model(v.flip(-1))) / 2 for v in (up_left, down_right)) / 2
        model.tta_level = 1
        torch.testing.assert_close(model(x), mirror)
        model.tta_level = 2
        torch.testing.assert_close(model(x), (mirror + shifted) / 2)
        torch.testing.assert_close(model.classifier(model.features(x)), model(x))
        model.train()  # training ignores the views (batch statistics: compared with the level-0 model in training mode)
        with_views = model(x)
        model.tta_level = 0
        torch.testing.assert_close(with_views, model(x))


@pytest.mark.parametrize(
    "kwargs,match",
    [({"widths": (8, 8)}, "widths"), ({"widths": (8, 0, 8)}, "widths"), ({"tta_level": 3}, "tta_level")],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        create_model("fastnet", **kwargs)
    with pytest.raises(ValueError, match="init_whitening"):
        FastNet(widths=(4, 4, 4)).init_whitening(np.zeros((2, 1, 8, 8), np.float32))


def test_triangular_schedule_is_the_linear_interpolation():
    """Reference: np.interp through (0, start), (warm-up, 1), (end, 0)."""
    config = fast_recipe(epochs=4, warmup_epochs=1.0)
    factor = _learning_rate_factor(config, steps_per_epoch=10)
    steps = np.arange(41)
    expected = np.interp(steps, [0, 10, 40], [0.2, 1.0, 0.0])
    np.testing.assert_allclose([factor(int(s)) for s in steps], expected, atol=1e-12)


def test_alternating_flips_complement_each_other():
    batch = torch.rand(20, 3, 6, 6)
    base = torch.rand(20) < 0.5
    first = _augment(batch, torch.Generator().manual_seed(0), 0, base)
    second = _augment(batch, torch.Generator().manual_seed(0), 0, ~base)
    for i in range(20):
        flipped, plain = (first[i], second[i]) if base[i] else (second[i], first[i])
        torch.testing.assert_close(flipped, batch[i].flip(-1), rtol=0, atol=0)
        torch.testing.assert_close(plain, batch[i], rtol=0, atol=0)


def test_lookahead_moves_the_slow_copy_and_resets_the_weights():
    """Reference: the lerp written out, slow + (1 - decay) * (fast - slow)."""
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    lookahead = _Lookahead(model)
    slow = {k: v.clone() for k, v in lookahead.slow.items()}
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)
    fast = {k: v.clone() for k, v in model.state_dict().items()}
    lookahead.update(model, 0.25)
    for key, value in model.state_dict().items():
        if key in slow:
            torch.testing.assert_close(value, slow[key] + 0.75 * (fast[key] - slow[key]))
    assert "1.num_batches_tracked" not in lookahead.slow  # integer buffers are not averaged


def test_batch_norm_shifts_get_the_scaled_learning_rate():
    model = FastNet(widths=(4, 4, 4))
    config = fast_recipe()
    groups = _parameter_groups(model, config)
    shifts = {id(m.bias) for m in model.modules() if isinstance(m, nn.BatchNorm2d)}
    assert {id(p) for p in groups[1]["params"]} == shifts
    assert groups[1]["lr"] == pytest.approx(64 * config.lr)
    assert groups[1]["lr"] * groups[1]["weight_decay"] == pytest.approx(config.lr * config.weight_decay)
    assert not any(p.requires_grad for p in (model.whitening.weight,))
    assert fast_recipe(batch_size=512).lr == pytest.approx(fast_recipe().lr / 2)  # linear in the batch


@pytest.mark.slow
def test_fast_recipe_trains_all_three_models(embedded):
    """A micro run of the recipe on the embedded 28x28 data: the defender learns well above chance (10 %), the
    misinformation model avoids the true class, and the whitening bias froze after its epoch."""
    x, y = embedded.x_train[:3000], embedded.y_train[:3000]
    config = fast_recipe(epochs=2, batch_size=128, whitening_bias_epochs=1.0, progress=False)
    torch.manual_seed(0)
    defender = create_model("fastnet", in_channels=1, widths=(16, 32, 32), tta_level=1)
    epochs = []
    history = train_defender(
        defender,
        x,
        y,
        embedded.x_outliers[:500],
        config=config,
        epoch_callback=lambda m, entry: epochs.append((m.training, entry["epoch"])),
    )
    assert epochs == [(False, 1), (False, 2)] and len(history) == 2
    assert not defender.whitening.bias.requires_grad
    assert accuracy(defender, embedded.x_test[:500], embedded.y_test[:500]) > 0.5
    misinformation = create_model("fastnet", in_channels=1, widths=(16, 32, 32), tta_level=0)
    train_misinformation_model(misinformation, x, y, config=config)
    assert accuracy(misinformation, embedded.x_test[:500], embedded.y_test[:500]) < 0.05


def test_fine_tuning_keeps_the_trained_whitening_layer(embedded):
    """Fine-tuning (``fast_fine_tuning``) trains the network but leaves the data-initialised whitening layer, bias
    included, as the first training left it; a from-scratch recipe's ``data_init`` would rebuild it."""
    x, y = embedded.x_train[:640], embedded.y_train[:640]  # 10 steps: Lookahead's slow copy moves at step 5
    torch.manual_seed(0)
    model = create_model("fastnet", in_channels=1, widths=(8, 8, 8), tta_level=0)
    train_defender(model, x, y, config=fast_recipe(epochs=1, batch_size=64, progress=False))
    before = {name: value.clone() for name, value in model.state_dict().items()}
    config = fast_fine_tuning(epochs=1, batch_size=64, progress=False)
    assert config.fine_tune and not config.data_init
    assert config.lr == pytest.approx(0.25 * fast_recipe(batch_size=64).lr)
    train_defender(model, x, y, embedded.x_outliers[:64], config=config)
    after = model.state_dict()
    for name in ("whitening.weight", "whitening.bias"):
        torch.testing.assert_close(after[name], before[name], rtol=0, atol=0)
    assert not torch.equal(after["classifier.weight"], before["classifier.weight"])
    with pytest.raises(ValueError, match="fine_tune.*data_init=False"):
        TrainingConfig(fine_tune=True, data_init=True)


@pytest.mark.parametrize("field,value", [("schedule", "cosine"), ("label_smoothing", 1.0), ("translate", -1)])
def test_config_rejects_bad_recipe_values(field, value):
    with pytest.raises(ValueError, match=field):
        TrainingConfig(**{field: value})


def test_identity_start_passes_the_input_through():
    """Reference: a convolution whose first filters are Dirac kernels copies those input channels."""
    model = FastNet(widths=(8, 8, 8))
    conv = model.groups[1].conv1  # 8 -> 8 channels
    x = torch.rand(2, 8, 5, 5)
    with torch.no_grad():
        torch.testing.assert_close(conv(x), x)
    wider = FastNet(widths=(8, 12, 12)).groups[1].conv1  # 8 -> 12: the first 8 filters copy, the rest are random
    with torch.no_grad():
        torch.testing.assert_close(wider(x)[:, :8], x)
    assert not torch.equal(FastNet(widths=(8, 8, 8), identity_init=False).groups[1].conv1.weight, conv.weight)


def test_relative_whitening_regulariser_is_scale_free():
    """With ``whitening_eps`` the regulariser follows the data's scale: whitening images and the same images times 3
    gives the same responses (reference: the two layers applied to their own inputs); the absolute one does not."""
    x = _correlated_images(seed=1)
    outputs = []
    for factor, whitening_eps in ((1.0, 0.05), (3.0, 0.05), (3.0, None)):
        model = FastNet(widths=(4, 4, 4), whitening_eps=whitening_eps)
        model.init_whitening(factor * x)
        with torch.no_grad():
            outputs.append(model.whitening(torch.as_tensor(factor * x)))
    torch.testing.assert_close(outputs[0], outputs[1], rtol=1e-4, atol=1e-4)
    assert not torch.allclose(outputs[0], outputs[2], atol=1e-2)


def test_checkpoint_round_trip_and_refused_sizes(tmp_path):
    """A fastnet checkpoint loads back into the same network (reference: the saved model's outputs, test-time views
    included); a checkpoint asking for another width is refused by name, as for the other architectures."""
    import json  # pylint: disable=import-outside-toplevel

    from art_am.training import load_checkpoint, save_checkpoint  # pylint: disable=import-outside-toplevel
    from art_am.training.checkpoint import checkpoint_digest  # pylint: disable=import-outside-toplevel

    kwargs = {"widths": (16, 32, 32), "identity_init": True, "whitening_eps": 5e-4}
    torch.manual_seed(0)
    model = create_model("fastnet", 10, **kwargs).eval()
    model.init_whitening(_correlated_images(n=16, size=32))
    save_checkpoint(tmp_path / "m.pt", model, {"architecture": "fastnet", "num_classes": 10, "model_kwargs": kwargs})
    loaded, metadata = load_checkpoint(tmp_path / "m.pt")
    x = torch.rand(3, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), model(x))
    assert metadata["model_kwargs"]["widths"] == [16, 32, 32]
    metadata_json = json.dumps(
        {"architecture": "fastnet", "num_classes": 10, "model_kwargs": {"widths": [64, 9999, 9]}}
    )
    state = {"classifier.weight": torch.zeros(10, 9)}
    payload = {"state_dict": state, "metadata_json": metadata_json, "extra_state": {}}
    payload["sha256"] = checkpoint_digest(state, {}, metadata_json)
    torch.save(payload, tmp_path / "big.pt")
    with pytest.raises(ValueError, match=r"model_kwargs\['widths'\] must be one of"):
        load_checkpoint(tmp_path / "big.pt")
