"""Images load robustly; bad files are reported by name."""
import numpy as np
import pytest
from PIL import Image

import clipnb
from clipnb.errors import ImageLoadError


@pytest.fixture()
def red_square():
    im = Image.new("RGB", (40, 20), (200, 10, 10))
    im.paste((10, 10, 200), (0, 0, 10, 20))  # a blue band on the left tells orientation
    return im


@pytest.mark.parametrize("suffix, save", [
    (".jpg", lambda im, p: im.save(p, quality=95)),
    (".png", lambda im, p: im.save(p)),
    (".webp", lambda im, p: im.save(p, lossless=True)),
    (".gif", lambda im, p: im.save(p, save_all=True, append_images=[Image.new("RGB", im.size, "green")])),
    (".tif", lambda im, p: im.convert("CMYK").save(p)),
])
def test_formats_load_as_rgb(tmp_path, red_square, suffix, save):
    path = tmp_path / f"x{suffix}"
    save(red_square, path)
    im = clipnb.load_image(path)
    assert im.mode == "RGB" and im.size == (40, 20)
    r, g, b = im.getpixel((30, 10))
    assert r > 150 and g < 80 and b < 80  # first frame of the GIF, CMYK converted back


def test_rgba_is_flattened_on_white(tmp_path):
    im = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    im.putpixel((0, 0), (0, 0, 0, 255))
    im.save(tmp_path / "a.png")
    out = clipnb.load_image(tmp_path / "a.png")
    assert out.getpixel((5, 5)) == (255, 255, 255) and out.getpixel((0, 0)) == (0, 0, 0)


def test_16_bit_png_is_scaled(tmp_path):
    a = (np.arange(64, dtype=np.uint16).reshape(8, 8) * 1000)
    Image.fromarray(a).save(tmp_path / "deep.png")
    out = np.asarray(clipnb.load_image(tmp_path / "deep.png"))
    assert out.dtype == np.uint8 and out.max() == 255 and out[0, 0, 0] == 0


def test_exif_orientation_is_applied(tmp_path, red_square):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    red_square.save(tmp_path / "rot.jpg", exif=exif, quality=95)
    out = clipnb.load_image(tmp_path / "rot.jpg")
    assert out.size == (20, 40)
    assert out.getpixel((10, 3))[2] > 150  # the blue band is now on top


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.jpg"):
        clipnb.load_image(tmp_path / "nope.jpg")


def test_zero_byte_image(tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(ImageLoadError, match=r"empty \(0 bytes\)"):
        clipnb.load_image(tmp_path / "empty.png")


def test_text_file_named_jpg(tmp_path):
    (tmp_path / "notes.jpg").write_text("this is not a picture")
    with pytest.raises(ImageLoadError, match="notes.jpg is not an image"):
        clipnb.load_image(tmp_path / "notes.jpg")


def test_folder_is_not_an_image(tmp_path):
    with pytest.raises(ImageLoadError, match="is a folder"):
        clipnb.load_image(tmp_path)


def test_wrong_type():
    with pytest.raises(TypeError, match="file path or a PIL image"):
        clipnb.load_image(42)


def test_main_colour_reads_the_drawn_pixels_not_the_white_ground(tmp_path):
    from clipnb.images import main_colour, same_colour

    red = Image.new("RGB", (40, 40), "white")
    red.paste((200, 0, 0), (10, 10, 20, 20))   # a small red mark on a white ground
    red.save(tmp_path / "red.png")
    Image.new("RGB", (40, 40), (190, 10, 10)).save(tmp_path / "red2.png")
    Image.new("RGB", (40, 40), (0, 0, 200)).save(tmp_path / "blue.png")
    Image.new("RGB", (40, 40), "white").save(tmp_path / "blank.png")
    assert np.allclose(main_colour(tmp_path / "red.png"), (200, 0, 0))   # the white ground does not count
    assert np.allclose(main_colour(tmp_path / "blank.png"), (255, 255, 255))     # nothing drawn: the whole image
    assert same_colour([tmp_path / "red2.png", tmp_path / "blue.png", tmp_path / "blank.png"], tmp_path / "red.png") == 1

    face = Image.new("RGB", (40, 40), "white")   # a yellow face: a dark outline and a grey beard around a yellow fill
    face.paste((40, 40, 40), (4, 4, 36, 36))
    face.paste((250, 205, 80), (7, 7, 33, 33))
    face.paste((150, 150, 150), (10, 24, 30, 33))
    face.save(tmp_path / "face.png")
    Image.new("RGB", (40, 40), (255, 200, 70)).save(tmp_path / "yellow.png")
    assert np.allclose(main_colour(tmp_path / "face.png"), (250, 205, 80))   # its commonest colour, not the mix
    assert same_colour([tmp_path / "face.png"], tmp_path / "yellow.png") == 1


def test_trimmed_fills_the_thumbnail_with_a_small_drawing_and_leaves_a_photo_alone():
    from PIL import Image

    from clipnb.images import trimmed

    page = Image.new("RGB", (400, 300), "white")
    page.paste((200, 30, 30), (180, 140, 220, 160))     # a 40 × 20 drawing on a large white page
    cut = trimmed(page)
    assert cut.size[0] == cut.size[1] and cut.size[0] < 60   # a square around the drawing, with a small margin
    assert cut.getpixel((cut.size[0] // 2, cut.size[1] // 2)) == (200, 30, 30)
    photo = Image.new("RGB", (64, 48), (90, 120, 60))
    assert trimmed(photo) is photo
    assert trimmed(Image.new("RGB", (50, 50), "white")).size == (50, 50)   # a blank page stays as it is


def test_outline_overlap_reads_the_shape_not_its_size_colour_or_place(tmp_path):
    from PIL import Image, ImageDraw

    from clipnb.images import outline_overlap, same_outline

    def drawing(name, shape, box, colour):
        page = Image.new("RGB", (200, 200), "white")
        getattr(ImageDraw.Draw(page), shape)(box, fill=colour)
        page.save(tmp_path / name)
        return tmp_path / name

    disc = drawing("disc.png", "ellipse", (20, 20, 180, 180), (0, 120, 0))
    small_disc = drawing("small.png", "ellipse", (120, 120, 170, 170), (250, 200, 0))   # smaller, elsewhere, yellow
    bar = drawing("bar.png", "rectangle", (90, 10, 110, 190), (0, 120, 0))              # the disc's colour, not its shape
    assert outline_overlap(small_disc, disc) > 0.9 > 0.3 > outline_overlap(bar, disc)
    assert same_outline([small_disc, bar], disc) == 1
