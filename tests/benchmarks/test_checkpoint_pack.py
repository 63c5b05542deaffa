"""Lossless packing of committed checkpoints: what unpacking rebuilds is, tensor for tensor and bit for bit, what was
packed (read back through the library's own loader, which checks the digest), and a model coded against a reference
is coded smaller than on its own."""

import os

import pytest
import torch

from art_am.models import create_model
from art_am.training import load_checkpoint, load_extra_state, save_checkpoint
from benchmarks import checkpoint_pack


def _models(folder):
    torch.manual_seed(0)
    base = create_model("lenet5").half()
    tuned = create_model("lenet5").half()
    tuned.load_state_dict(base.state_dict())
    with torch.no_grad():  # a fine-tuned copy: every weight nudged a little, as outlier exposure does
        for parameter in tuned.parameters():
            parameter.add_(1e-3 * torch.randn_like(parameter))
    other = create_model("lenet5").half()
    extra = {"score": {"mean": torch.randn(7).half(), "count": torch.tensor([3.0]), "steps": torch.tensor(5)}}
    paths = []
    for name, model in (("base", base), ("tuned", tuned), ("other", other)):
        path = str(folder / f"{name}.pt")
        save_checkpoint(path, model, {"architecture": "lenet5", "num_classes": 10, "name": name}, extra)
        paths.append(path)
    return paths


def _same_checkpoint(left, right):
    (model_a, meta_a), (model_b, meta_b) = load_checkpoint(left), load_checkpoint(right)
    state_a, state_b = (
        torch.load(left, weights_only=True)["state_dict"],
        torch.load(right, weights_only=True)["state_dict"],
    )
    assert meta_a == meta_b and state_a.keys() == state_b.keys()
    for key, tensor in state_b.items():
        assert state_a[key].dtype == tensor.dtype and torch.equal(state_a[key], tensor), key
    extras_a, extras_b = load_extra_state(left), load_extra_state(right)
    for group, tensors in extras_b.items():
        for key, tensor in tensors.items():
            assert extras_a[group][key].dtype == tensor.dtype and torch.equal(extras_a[group][key], tensor)
    assert model_a.state_dict().keys() == model_b.state_dict().keys()


def test_pack_and_unpack_rebuild_every_tensor_and_code_a_tuned_copy_against_its_reference(tmp_path):
    base, tuned, other = _models(tmp_path)
    checkpoint_pack.main(["pack", base, tuned, other, "--references", base])
    records = {name: checkpoint_pack.read_packed(str(tmp_path / f"{name}.pt.packed")) for name in ("base", "tuned")}
    assert records["base"]["reference_sha256"] == ""
    assert records["tuned"]["reference_sha256"] == torch.load(base, weights_only=True)["sha256"]
    alone = checkpoint_pack.pack(tuned)  # the same file coded without a reference
    coded, coded_alone = (sum(p.numel() for p in record["planes"]) for record in (records["tuned"], alone))
    assert coded < coded_alone
    assert records["tuned"]["coded_bytes"] == {"": coded_alone, records["tuned"]["reference_sha256"]: coded}

    out = tmp_path / "out"
    packed = sorted(str(tmp_path / f"{name}.pt.packed") for name in ("tuned", "other", "base"))
    written = checkpoint_pack.unpack_all(packed, str(out))
    assert sorted(map(os.path.basename, written)) == ["base.pt", "other.pt", "tuned.pt"]
    for original in (base, tuned, other):
        _same_checkpoint(str(out / os.path.basename(original)), original)


def test_unpacking_refuses_a_missing_reference_a_damaged_file_and_a_non_packed_one(tmp_path):
    base, tuned, _ = _models(tmp_path)
    checkpoint_pack.main(["pack", base, tuned, "--references", base])
    tuned_packed = str(tmp_path / "tuned.pt.packed")
    with pytest.raises(ValueError, match="unpack that one too"):
        checkpoint_pack.unpack_all([tuned_packed], str(tmp_path / "out"))

    record = checkpoint_pack.read_packed(str(tmp_path / "base.pt.packed"))
    damaged = dict(record, metadata_json=record["metadata_json"].replace("base", "bass"))
    with pytest.raises(ValueError, match="do not match its SHA-256 digest"):
        checkpoint_pack.unpack(damaged)
    planes = [plane.clone() for plane in record["planes"]]
    planes[0][len(planes[0]) // 2] ^= 0xFF
    with pytest.raises(ValueError, match="damaged"):
        checkpoint_pack.unpack(dict(record, planes=planes))
    with pytest.raises(ValueError, match="not a packed checkpoint"):
        checkpoint_pack.read_packed(base)
    torch.save({k: v for k, v in record.items() if k != "layout"}, tmp_path / "partial.packed")
    with pytest.raises(ValueError, match="damaged: it lacks layout"):
        checkpoint_pack.read_packed(str(tmp_path / "partial.packed"))
    torch.save({"weights": torch.zeros(2)}, tmp_path / "foreign.pt")
    with pytest.raises(ValueError, match="checkpoints: .* not an art_am checkpoint"):
        checkpoint_pack.pack(str(tmp_path / "foreign.pt"))
    assert not (tmp_path / "out").exists()


def test_packing_refuses_a_corrupted_checkpoint_or_reference_before_coding_it(tmp_path):
    base, tuned, _ = _models(tmp_path)
    payload = torch.load(tuned, weights_only=True)
    first = next(iter(payload["state_dict"]))
    payload["state_dict"][first] = payload["state_dict"][first].clone()
    payload["state_dict"][first].view(-1)[0] += 1  # one weight changed after saving: the digest no longer matches
    torch.save(payload, tmp_path / "corrupted.pt")
    corrupted = str(tmp_path / "corrupted.pt")
    for path, references in ((corrupted, []), (base, [corrupted])):
        with pytest.raises(ValueError, match=r"checkpoints: .*corrupted\.pt' is corrupted: .* SHA-256 digest"):
            checkpoint_pack.pack(path, references)
    with pytest.raises(ValueError, match="checkpoints: No checkpoint at"):
        checkpoint_pack.pack(str(tmp_path / "absent.pt"))


def test_a_reference_must_be_packed_too(tmp_path, capsys):
    base, tuned, _ = _models(tmp_path)
    with pytest.raises(SystemExit):
        checkpoint_pack.main(["pack", tuned, "--references", base])
    assert "--references must also be among the checkpoints packed" in capsys.readouterr().err
    assert not (tmp_path / "tuned.pt.packed").exists()


def test_a_checkpoint_is_not_coded_against_itself_or_a_model_of_another_layout(tmp_path):
    base, _, _ = _models(tmp_path)
    narrow = str(tmp_path / "narrow.pt")
    save_checkpoint(narrow, create_model("lenet5", num_classes=5).half(), {"architecture": "lenet5", "num_classes": 5})
    record = checkpoint_pack.pack(base, [base, narrow])
    assert record["reference_sha256"] == "" and list(record["coded_bytes"]) == [""]


def test_remove_deletes_the_checkpoints_only_after_packing_them(tmp_path, capsys):
    base, tuned, _ = _models(tmp_path)
    kept = {path: load_checkpoint(path)[0].state_dict() for path in (base, tuned)}
    checkpoint_pack.main(["pack", base, tuned, "--references", base, "--remove"])
    assert not os.path.exists(base) and not os.path.exists(tuned)
    checkpoint_pack.main(["unpack", base + ".packed", tuned + ".packed", "--out", str(tmp_path / "out")])
    written = capsys.readouterr().out.split()[-2:]
    for path, original in zip(written, (base, tuned)):
        state = load_checkpoint(path)[0].state_dict()
        assert all(torch.equal(state[key], value) for key, value in kept[original].items())
