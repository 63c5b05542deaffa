import pytest
import torch

from art_am.models import MODEL_NAMES, create_model, load_backbone, reinitialised_copy


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


@pytest.mark.parametrize("name", ["resnet8", "lenet5"])
def test_load_backbone_copies_everything_but_the_head(name):
    """Reference: the two models' state dicts compared entry by entry, the head against its own weights before."""
    torch.manual_seed(0)
    pretrained = create_model(name, num_classes=200)
    with torch.no_grad():  # buffers too: running statistics must travel with the weights
        for buffer in pretrained.buffers():
            buffer.add_(1)
    torch.manual_seed(1)
    model = create_model(name, num_classes=17)
    head_before = {k: v.clone() for k, v in model.classifier.state_dict().items()}
    assert load_backbone(model, pretrained.state_dict()) is model
    source = pretrained.state_dict()
    for key, value in model.state_dict().items():
        if key.startswith("classifier."):
            torch.testing.assert_close(value, head_before[key[len("classifier.") :]], rtol=0, atol=0)
        else:
            torch.testing.assert_close(value, source[key], rtol=0, atol=0)
    assert model.classifier.out_features == 17
