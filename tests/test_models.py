import pytest
import torch

from art_am.models import MODEL_NAMES, create_model, reinitialised_copy


def test_lenet_shapes_and_features():
    model = create_model("lenet5", num_classes=7)
    x = torch.rand(3, 1, 28, 28)
    assert model(x).shape == (3, 7)
    assert model.features(x).shape == (3, 84)


def test_resnet_cifar_stem():
    model = create_model("resnet18", num_classes=10, cifar_stem=True).eval()
    assert model(torch.rand(2, 3, 32, 32)).shape == (2, 10)
    assert model.backbone.conv1.kernel_size == (3, 3)


def test_resnet_missing_weights_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="weights_path"):
        create_model("resnet18", weights_path=str(tmp_path / "none.pth"))


def test_factory_errors():
    with pytest.raises(ValueError, match="lenet5"):
        create_model("vgg")
    with pytest.raises(ValueError, match="num_classes"):
        create_model("lenet5", num_classes=1)
    assert "resnet18" in MODEL_NAMES


def test_reinitialised_copy_same_architecture_new_weights():
    model = create_model("lenet5")
    state = torch.random.get_rng_state()
    copy_a, copy_b = reinitialised_copy(model, seed=3), reinitialised_copy(model, seed=3)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert not torch.equal(copy_a.classifier.weight, model.classifier.weight)
    assert torch.equal(copy_a.classifier.weight, copy_b.classifier.weight)
