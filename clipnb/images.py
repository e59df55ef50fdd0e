"""Read images robustly: JPEG, PNG, WebP, GIF (first frame), RGBA, CMYK, 16-bit, EXIF orientation."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from clipnb.errors import ImageLoadError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff"}


PROGRESS_MIN = 64  # show a progress bar from this many inputs on
# ... and only once the work has run this long: a bar for a second's work is noise, and in a saved notebook a bar
# shown at the start stays frozen at 0 % (tqdm's ``delay``)
PROGRESS_DELAY_S = 1.5

def is_image_path(path) -> bool:
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def load_image(image):
    """A PIL image in RGB, upright, flattened on white; raises ImageLoadError / FileNotFoundError."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if isinstance(image, Image.Image):
        return to_rgb(image)
    if not isinstance(image, (str, os.PathLike)):
        raise TypeError(f"an image must be a file path or a PIL image, not {type(image).__name__}")
    path = Path(image).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"image file not found: {path}")
    if path.is_dir():
        raise ImageLoadError(f"{path} is a folder, not an image (for a folder use ImageCorpus.from_folder)")
    if path.stat().st_size == 0:
        raise ImageLoadError(f"{path} is empty (0 bytes): re-copy or re-download it")
    try:
        with Image.open(path) as im:
            im.seek(0)  # first frame of a GIF / animated WebP
            im = ImageOps.exif_transpose(im)
            return to_rgb(im)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as e:
        raise ImageLoadError(f"{path} is not an image that can be read ({type(e).__name__}: {e}); "
                             "check the file or remove it") from e


def to_rgb(im):
    """Convert any PIL mode to 8-bit RGB; transparency is composited on white."""
    from PIL import Image

    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        import numpy as np

        a = np.asarray(im, dtype=np.float64)
        hi = a.max() or 1.0
        im = Image.fromarray((a / hi * 255).clip(0, 255).astype("uint8"))
    elif im.mode == "F":
        import numpy as np

        a = np.asarray(im, dtype=np.float64)
        span = (a.max() - a.min()) or 1.0
        im = Image.fromarray(((a - a.min()) / span * 255).astype("uint8"))
    if im.mode == "P" and "transparency" in im.info:
        im = im.convert("RGBA")
    if im.mode in ("RGBA", "LA", "PA"):
        im = im.convert("RGBA")
        background = Image.new("RGBA", im.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, im).convert("RGB")
    return im.convert("RGB")


def trimmed(im, threshold: int = 245, margin: float = 0.06):
    """``im`` with its white border cut away, the drawing centred on a white square with a small ``margin``: a
    clip-art drawn small on a large white page fills its thumbnail instead of showing as a speck. An image without
    a white border (a photo, an emoji) comes back as it is."""
    from PIL import Image

    box = im.convert("L").point(lambda v: 255 if v < threshold else 0).getbbox()
    if box is None:
        return im
    width, height = box[2] - box[0], box[3] - box[1]
    if max(width / im.width, height / im.height) > 0.9:   # no border worth cutting
        return im
    side = int(max(width, height) * (1 + 2 * margin)) or 1
    square = Image.new("RGB", (side, side), "white")
    square.paste(im.crop(box), ((side - width) // 2, (side - height) // 2))
    return square


COLOUR_LEVELS = 6   # main_colour's coarse colours: each channel cut into this many steps, 216 colours in all


def main_colour(image):
    """The colour that covers most of an image's drawn pixels (any channel below 235 of 255: not the white ground), as
    (red, green, blue) on the 0–255 scale: the drawn pixels are sorted into COLOUR_LEVELS³ coarse colours, and the
    mean of the commonest is returned; where nothing is drawn, the mean of every pixel. The commonest, not the mean:
    a yellow face with a dark outline and a grey beard looks yellow, where the mean of its pixels is a muddy olive.
    Two images whose main colours lie within 60 of each other look alike in colour at a glance."""
    import numpy as np
    from PIL import Image

    # nearest-neighbour sampling: a smoothing resize would blend the drawing's edges with the white into tints
    pixels = np.asarray(load_image(image).resize((64, 64), Image.Resampling.NEAREST), dtype=float).reshape(-1, 3)
    drawn = pixels[(pixels < 235).any(axis=1)]
    if not len(drawn):
        return pixels.mean(0)
    steps = np.minimum((drawn * COLOUR_LEVELS / 256).astype(int), COLOUR_LEVELS - 1)
    coarse = (steps[:, 0] * COLOUR_LEVELS + steps[:, 1]) * COLOUR_LEVELS + steps[:, 2]
    return drawn[coarse == np.bincount(coarse).argmax()].mean(0)


def same_colour(images, reference, within: float = 60.0) -> int:
    """How many of ``images`` have a main colour within ``within`` of ``reference``'s (see :func:`main_colour`)."""
    import numpy as np

    target = main_colour(reference)
    return int(sum(np.linalg.norm(main_colour(image) - target) < within for image in images))


def outline(image, side: int = 32):
    """An image's silhouette: which cells of a ``side`` × ``side`` grid hold drawn pixels (any channel below 235 of
    255), after its white border is cut away (:func:`trimmed`), so a drawing's shape counts, not its size or place."""
    import numpy as np

    return (np.asarray(trimmed(load_image(image)).resize((side, side))) < 235).any(axis=2)


def outline_overlaps(images, reference):
    """How much each of ``images``' silhouettes overlaps ``reference``'s (:func:`outline`): the cells both cover over
    the cells either covers, 0 to 1, as an array. A photo covers every cell, so two photos overlap fully: this
    measures drawn shapes on a white ground."""
    import numpy as np

    b = outline(reference)
    overlaps = []
    for image in images:
        a = outline(image)
        either = (a | b).sum()
        overlaps.append((a & b).sum() / either if either else 1.0)
    return np.asarray(overlaps, dtype=float)


def outline_overlap(image, reference) -> float:
    """How much two silhouettes overlap (see :func:`outline_overlaps`)."""
    return float(outline_overlaps([image], reference)[0])


def same_outline(images, reference, at_least: float = 0.7) -> int:
    """How many of ``images`` have a silhouette overlapping ``reference``'s by ``at_least`` (see
    :func:`outline_overlaps`): drawings of a like shape, whatever their colour or subject."""
    return int((outline_overlaps(images, reference) >= at_least).sum())


def check_image_inputs(images) -> list:
    from PIL import Image

    if images is None:
        raise TypeError("images is None: give a path, a PIL image, or a list of them")
    if isinstance(images, (str, os.PathLike, Image.Image)):
        images = [images]
    if not isinstance(images, (list, tuple)):
        raise TypeError(f"images must be a path, a PIL image or a list of them, not {type(images).__name__}")
    if not images:
        raise ValueError("images is an empty list: give at least one image path or PIL image")
    for i, im in enumerate(images):
        if not isinstance(im, (str, os.PathLike, Image.Image)):
            raise TypeError(f"images[{i}] is {type(im).__name__}, not a path or a PIL image")
    return list(images)


def _load_and_preprocess(item, preprocess):
    try:
        return preprocess(load_image(item)), None
    except (ImageLoadError, FileNotFoundError) as e:
        return None, e


def load_image_batches(images, preprocess, batch_size, skip_unreadable=True, workers=None, progress=True):
    """Yield (batch tensor or None, {index: error}) per batch; decoding runs in threads ahead of the model."""
    import torch
    from clipnb.progress import progress_bar as tqdm

    workers = workers or min(4, os.cpu_count() or 1)
    bar = tqdm(total=len(images), desc="encode images not yet cached", unit="img", delay=PROGRESS_DELAY_S,
               disable=not progress or len(images) < PROGRESS_MIN)

    def submit(start):
        chunk = images[start:start + batch_size]
        return start, [pool.submit(_load_and_preprocess, item, preprocess) for item in chunk]

    with ThreadPoolExecutor(workers) as pool, bar:
        starts = range(0, len(images), batch_size)
        pending = submit(starts[0]) if len(starts) else None
        for next_start in list(starts[1:]) + [None]:
            # decode the next batch while this one runs through the model
            upcoming = submit(next_start) if next_start is not None else None
            first, futures = pending
            tensors, failures = [], {}
            for offset, future in enumerate(futures):
                tensor, error = future.result()
                if error is None:
                    tensors.append(tensor)
                elif skip_unreadable:
                    failures[first + offset] = str(error)
                else:
                    raise error
            yield (torch.stack(tensors) if tensors else None), failures
            bar.update(len(futures))
            pending = upcoming
