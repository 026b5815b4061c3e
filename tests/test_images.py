"""ingest.images: probing and decoding scan files into normalised 8-bit sRGB pages.

Every image is built in tmp_path with Pillow (or, for what Pillow cannot write, by hand
with struct/zlib).
"""

from __future__ import annotations

import hashlib
import io
import logging
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from archive.errors import ImageError, KuraError
from ingest.images import PageInfo, load_page, probe, sha256_file

LIMIT = 1_000_000_000
RED = (255, 0, 0)
BLUE = (0, 0, 255)
WHITE = (255, 255, 255)


# --------------------------------------------------------------------------------------
# Helpers


def close_to(actual, expected, tolerance: int = 2) -> bool:
    if isinstance(expected, int):
        return abs(actual - expected) <= tolerance
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


def quadrants(size: tuple[int, int] = (16, 8)) -> Image.Image:
    """An RGB test card: red, green, blue and white quarters (left-top, right-top, …)."""
    width, height = size
    im = Image.new("RGB", size, WHITE)
    im.paste(RED, (0, 0, width // 2, height // 2))
    im.paste((0, 255, 0), (width // 2, 0, width, height // 2))
    im.paste(BLUE, (0, height // 2, width // 2, height))
    return im


def detailed(size: tuple[int, int] = (96, 96)) -> Image.Image:
    """Busy content that does not compress to nothing (for truncation tests)."""
    grey = Image.effect_mandelbrot(size, (-2.0, -1.5, 1.0, 1.5), 100)
    noise = Image.effect_noise(size, 60)
    return Image.merge("RGB", (grey, noise, grey.transpose(Image.Transpose.ROTATE_90)))


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def write_png(path: Path, width: int, height: int, colour_type: int, depth: int, rows) -> None:
    """A PNG written by hand (for 16-bit colour, which Pillow does not write)."""
    raw = b"".join(b"\x00" + row for row in rows)
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(raw))
        + png_chunk(b"IEND", b"")
    )


def write_tiff16(
    path: Path,
    width: int,
    height: int,
    samples,
    *,
    photometric: int,
    big_endian: bool = False,
    planar: bool = False,
    deflate: bool = False,
) -> None:
    """A single-IFD, 16-bit-per-sample TIFF written by hand (Pillow cannot write these).

    ``samples`` is a list of per-pixel tuples, row by row. One strip per image, or per
    colour plane when ``planar``; ``deflate`` compresses the strips with zlib.
    """
    order = ">" if big_endian else "<"
    per_pixel = len(samples[0])
    if planar:
        planes = [[pixel[band] for pixel in samples] for band in range(per_pixel)]
        strips = [struct.pack(f"{order}{len(plane)}H", *plane) for plane in planes]
    else:
        strips = [b"".join(struct.pack(f"{order}{per_pixel}H", *pixel) for pixel in samples)]
    if deflate:
        strips = [zlib.compress(strip) for strip in strips]
    tags = {
        256: [width],
        257: [height],
        258: [16] * per_pixel,
        259: [8 if deflate else 1],
        262: [photometric],
        273: [0] * len(strips),  # strip offsets, filled in below
        277: [per_pixel],
        278: [height],
        279: [len(strip) for strip in strips],
        284: [2 if planar else 1],
    }
    if per_pixel in (2, 4):
        tags[338] = [2]  # unassociated alpha

    def ifd_and_extra(strip_offsets: list[int]) -> tuple[bytes, bytes]:
        tags[273] = strip_offsets
        extra_at = 8 + 2 + 12 * len(tags) + 4
        entries, extra = b"", b""
        for tag in sorted(tags):
            values = tags[tag]
            kind, fmt = (4, "I") if tag in (273, 279) else (3, "H")
            payload = struct.pack(f"{order}{len(values)}{fmt}", *values)
            entries += struct.pack(f"{order}HHI", tag, kind, len(values))
            if len(payload) > 4:
                entries += struct.pack(f"{order}I", extra_at + len(extra))
                extra += payload + b"\0" * (len(payload) % 2)
            else:
                entries += payload.ljust(4, b"\0")
        return struct.pack(f"{order}H", len(tags)) + entries + b"\0\0\0\0", extra

    ifd, extra = ifd_and_extra([0] * len(strips))
    at = 8 + len(ifd) + len(extra)
    offsets = []
    for strip in strips:
        offsets.append(at)
        at += len(strip)
    ifd, extra = ifd_and_extra(offsets)
    header = (b"MM\x00*" if big_endian else b"II*\x00") + struct.pack(f"{order}I", 8)
    path.write_bytes(header + ifd + extra + b"".join(strips))


def s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def xyz_tag(x: float, y: float, z: float) -> bytes:
    return b"XYZ \0\0\0\0" + s15(x) + s15(y) + s15(z)


def gamma_tag(gamma: float) -> bytes:
    return b"curv\0\0\0\0" + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"


def desc_tag(text: str) -> bytes:
    ascii_text = text.encode("ascii") + b"\0"
    body = b"desc\0\0\0\0" + struct.pack(">I", len(ascii_text)) + ascii_text
    body += struct.pack(">II", 0, 0) + struct.pack(">HB", 0, 0) + b"\0" * 67
    return body + b"\0" * (-len(body) % 4)


def icc_profile(space: bytes, tags: dict[bytes, bytes]) -> bytes:
    """A minimal ICC v2 display profile (matrix/TRC) built by hand."""
    table = struct.pack(">I", len(tags))
    offset = 128 + 4 + 12 * len(tags)
    body = b""
    for signature, data in tags.items():
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data + b"\0" * (-len(data) % 4)
    size = 128 + len(table) + len(body)
    header = struct.pack(">I4sI4s4s4s", size, b"\0\0\0\0", 0x02100000, b"mntr", space, b"XYZ ")
    header += struct.pack(">6H", 2024, 1, 1, 0, 0, 0) + b"acsp" + b"\0" * 24
    header += struct.pack(">I", 0) + s15(0.9642) + s15(1.0) + s15(0.8249)
    header += b"\0" * (128 - len(header))
    return header + table + body


D50_WHITE = xyz_tag(0.9642, 1.0, 0.8249)


def linear_rgb_profile() -> bytes:
    """sRGB primaries with a linear (gamma 1.0) tone curve: clearly not sRGB."""
    return icc_profile(
        b"RGB ",
        {
            b"desc": desc_tag("Linear RGB test profile"),
            b"wtpt": D50_WHITE,
            b"rXYZ": xyz_tag(0.4361, 0.2225, 0.0139),
            b"gXYZ": xyz_tag(0.3851, 0.7169, 0.0971),
            b"bXYZ": xyz_tag(0.1431, 0.0606, 0.7141),
            b"rTRC": gamma_tag(1.0),
            b"gTRC": gamma_tag(1.0),
            b"bTRC": gamma_tag(1.0),
        },
    )


def linear_grey_profile() -> bytes:
    return icc_profile(
        b"GRAY",
        {
            b"desc": desc_tag("Linear grey test profile"),
            b"wtpt": D50_WHITE,
            b"kTRC": gamma_tag(1.0),
        },
    )


def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def assert_error(exc_info: pytest.ExceptionInfo[ImageError], path: Path, *needles: str) -> None:
    message = str(exc_info.value)
    assert path.name in message
    assert " / " in message
    assert "\n" not in message
    for needle in needles:
        assert needle in message


def save(im: Image.Image, path: Path, **params) -> Path:
    im.save(path, **params)
    return path


# --------------------------------------------------------------------------------------
# Formats and compressions


@pytest.mark.parametrize(
    ("name", "params", "tolerance"),
    [
        ("scan.jpg", {"quality": 100, "subsampling": 0}, 6),
        ("scan.png", {}, 0),
        ("scan.tif", {}, 0),
    ],
)
def test_each_format_decodes_to_rgb(tmp_path, name, params, tolerance):
    path = save(quadrants(), tmp_path / name, **params)

    assert probe(path, LIMIT) == [PageInfo(frame=0, width=16, height=8)]
    page = load_page(path, 0, LIMIT)

    assert page.mode == "RGB"
    assert page.size == (16, 8)
    assert close_to(page.getpixel((1, 1)), RED, tolerance)
    assert close_to(page.getpixel((14, 1)), (0, 255, 0), tolerance)
    assert close_to(page.getpixel((1, 6)), BLUE, tolerance)
    assert close_to(page.getpixel((14, 6)), WHITE, tolerance)
    assert "icc_profile" not in page.info


@pytest.mark.parametrize(
    "compression", ["raw", "tiff_lzw", "tiff_adobe_deflate", "jpeg", "packbits"]
)
@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_tiff_compressions(tmp_path, compression, mode):
    source = quadrants((32, 16)).convert(mode)
    path = save(source, tmp_path / f"{compression}.tif", compression=compression)
    tolerance = 8 if compression == "jpeg" else 0

    assert probe(path, LIMIT) == [PageInfo(0, 32, 16)]
    page = load_page(path, 0, LIMIT)

    assert page.mode == mode
    assert page.size == (32, 16)
    for xy in [(2, 2), (29, 2), (2, 13), (29, 13)]:
        assert close_to(page.getpixel(xy), source.getpixel(xy), tolerance)


def test_bilevel_group4_tiff_becomes_l(tmp_path):
    source = Image.new("1", (16, 8), 1)
    source.putpixel((3, 2), 0)
    path = save(source, tmp_path / "fax.tif", compression="group4")

    page = load_page(path, 0, LIMIT)

    assert page.mode == "L"
    assert page.getpixel((3, 2)) == 0
    assert page.getpixel((4, 2)) == 255


def test_bilevel_png_becomes_l(tmp_path):
    source = Image.new("1", (4, 4), 0)
    source.putpixel((1, 1), 1)
    page = load_page(save(source, tmp_path / "bw.png"), 0, LIMIT)

    assert page.mode == "L"
    assert (page.getpixel((0, 0)), page.getpixel((1, 1))) == (0, 255)


# --------------------------------------------------------------------------------------
# 16-bit sources


def grey16() -> Image.Image:
    im = Image.new("I;16", (4, 1))
    for x, value in enumerate([65535, 32768, 257, 0]):
        im.putpixel((x, 0), value)
    return im


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("grey16.png", {}),
        ("grey16.tif", {}),
        ("grey16_lzw.tif", {"compression": "tiff_lzw"}),
        ("grey16_deflate.tif", {"compression": "tiff_adobe_deflate"}),
    ],
)
def test_16_bit_greyscale_is_scaled_not_clipped(tmp_path, name, params):
    path = save(grey16(), tmp_path / name, **params)

    page = load_page(path, 0, LIMIT)

    assert page.mode == "L"
    assert list(page.getdata()) == [255, 128, 1, 0]


def test_16_bit_big_endian_tiff(tmp_path):
    source = Image.new("I;16B", (3, 1))
    for x, value in enumerate([65535, 32768, 0]):
        source.putpixel((x, 0), value)
    path = save(source, tmp_path / "grey16be.tif")
    with Image.open(path) as check:
        assert check.mode == "I;16B"

    assert list(load_page(path, 0, LIMIT).getdata()) == [255, 128, 0]


def test_16_bit_min_is_white_tiff_is_inverted(tmp_path):
    # Pillow opens 16-bit WhiteIsZero as plain I;16; black ink must still come out black.
    path = tmp_path / "miniswhite16.tif"
    write_tiff16(path, 3, 1, [(65535,), (32768,), (0,)], photometric=0)

    assert list(load_page(path, 0, LIMIT).getdata()) == [0, 127, 255]


def test_16_bit_greyscale_tall_image_spans_several_strips(tmp_path):
    # 1 × 5,000,000 is more rows than one conversion strip holds.
    source = Image.new("I;16", (1, 5_000_000), 65535)
    source.putpixel((0, 4_999_999), 0)
    path = save(source, tmp_path / "tall16.png")

    page = load_page(path, 0, LIMIT)

    assert page.size == (1, 5_000_000)
    assert page.getpixel((0, 0)) == 255
    assert page.getpixel((0, 4_999_998)) == 255
    assert page.getpixel((0, 4_999_999)) == 0


RGB48 = [(65535, 32768, 0), (0, 0, 65535), (4096, 8192, 1000), (65535, 65535, 65535)]


@pytest.mark.parametrize(
    "layout",
    [
        {},
        {"big_endian": True},
        {"deflate": True},
        {"deflate": True, "big_endian": True},
        {"deflate": True, "planar": True},
    ],
)
def test_48_bit_rgb_tiff(tmp_path, layout):
    # Pillow 12 reads 16-bit-per-sample RGB TIFF as 8-bit RGB (the high byte of each sample).
    path = tmp_path / "rgb48.tif"
    write_tiff16(path, 2, 2, RGB48, photometric=2, **layout)

    assert probe(path, LIMIT) == [PageInfo(0, 2, 2)]
    page = load_page(path, 0, LIMIT)

    assert page.mode == "RGB"
    assert list(page.getdata()) == [(255, 128, 0), (0, 0, 255), (16, 32, 3), (255, 255, 255)]


def test_48_bit_uncompressed_planar_tiff_is_refused(tmp_path):
    # Pillow 12 would decode this layout into scrambled colours without an error.
    path = tmp_path / "planar48.tif"
    write_tiff16(path, 2, 2, RGB48, photometric=2, planar=True)

    for call in (lambda: probe(path, LIMIT), lambda: load_page(path, 0, LIMIT)):
        with pytest.raises(ImageError) as exc_info:
            call()
        assert_error(exc_info, path, "PlanarConfiguration=2", "LZW or Deflate")


def test_64_bit_rgba_tiff_is_flattened_onto_white(tmp_path):
    path = tmp_path / "rgba64.tif"
    write_tiff16(path, 2, 1, [(0, 0, 65535, 0), (65535, 0, 0, 65535)], photometric=2)

    assert list(load_page(path, 0, LIMIT).getdata()) == [WHITE, RED]


def test_16_bit_grey_with_alpha_tiff_is_refused_clearly(tmp_path):
    # Pillow 12 has no pixel mode for 16-bit greyscale + alpha TIFF.
    path = tmp_path / "la16.tif"
    write_tiff16(path, 2, 1, [(65535, 65535), (0, 65535)], photometric=1)

    with pytest.raises(ImageError) as exc_info:
        probe(path, LIMIT)
    assert_error(exc_info, path, "TIFF", "unsupported variant")


def test_48_bit_rgb_png(tmp_path):
    path = tmp_path / "rgb48.png"
    write_png(path, 2, 1, 2, 16, [struct.pack(">6H", 65535, 32768, 0, 0, 0, 65535)])

    page = load_page(path, 0, LIMIT)

    assert page.mode == "RGB"
    assert list(page.getdata()) == [(255, 128, 0), BLUE]


def test_floating_point_tiff_is_refused(tmp_path):
    path = save(Image.new("F", (4, 4), 0.5), tmp_path / "float.tif")

    with pytest.raises(ImageError) as exc_info:
        load_page(path, 0, LIMIT)
    assert_error(exc_info, path, "floating point")


# --------------------------------------------------------------------------------------
# CMYK, Lab, palettes, alpha


def test_cmyk_jpeg(tmp_path):
    # Pillow writes CMYK JPEGs the way Photoshop does: inverted, with an Adobe marker.
    source = Image.new("CMYK", (16, 16), (0, 255, 255, 0))
    path = save(source, tmp_path / "cmyk.jpg", quality=100)
    with Image.open(path) as check:
        assert check.mode == "CMYK"
        assert "adobe" in check.info

    page = load_page(path, 0, LIMIT)

    assert page.mode == "RGB"
    assert close_to(page.getpixel((8, 8)), RED, 3)


def test_cmyk_tiff(tmp_path):
    source = Image.new("CMYK", (4, 4), (255, 255, 0, 0))
    source.putpixel((0, 0), (0, 0, 0, 255))
    path = save(source, tmp_path / "cmyk.tif", compression="tiff_lzw")

    page = load_page(path, 0, LIMIT)

    assert page.mode == "RGB"
    assert page.getpixel((1, 1)) == BLUE
    assert page.getpixel((0, 0)) == (0, 0, 0)


def test_cielab_tiff(tmp_path):
    path = save(Image.new("LAB", (4, 4), (255, 128, 128)), tmp_path / "lab.tif")

    page = load_page(path, 0, LIMIT)

    assert page.mode == "RGB"
    assert close_to(page.getpixel((0, 0)), WHITE, 3)


def test_palette_png_with_transparency(tmp_path):
    source = Image.new("P", (4, 4), 0)
    source.putpalette([*RED, *BLUE])
    source.putpixel((1, 1), 1)
    path = save(source, tmp_path / "palette.png", transparency=0)

    page = load_page(path, 0, LIMIT)

    assert page.mode == "RGB"
    assert page.getpixel((0, 0)) == WHITE
    assert page.getpixel((1, 1)) == BLUE


def test_palette_with_per_entry_alpha(tmp_path):
    source = Image.new("P", (2, 1), 0)
    source.putpalette([*RED, *BLUE])
    source.putpixel((1, 0), 1)
    path = save(source, tmp_path / "palette_alpha.png", transparency=bytes([0, 255]))

    assert list(load_page(path, 0, LIMIT).getdata()) == [WHITE, BLUE]


def test_palette_without_transparency(tmp_path):
    source = Image.new("P", (2, 1), 1)
    source.putpalette([*RED, *BLUE])
    page = load_page(save(source, tmp_path / "palette.png"), 0, LIMIT)

    assert page.mode == "RGB"
    assert page.getpixel((0, 0)) == BLUE


def test_grey_palette_becomes_l(tmp_path):
    source = Image.new("P", (2, 1), 0)
    source.putpalette([0, 0, 0, 200, 200, 200])
    source.putpixel((1, 0), 1)
    page = load_page(save(source, tmp_path / "greypal.png"), 0, LIMIT)

    assert page.mode == "L"
    assert list(page.getdata()) == [0, 200]


def test_rgba_png_is_flattened_onto_white(tmp_path):
    source = Image.new("RGBA", (3, 1), (255, 0, 0, 0))
    source.putpixel((1, 0), (0, 0, 255, 255))
    source.putpixel((2, 0), (0, 0, 0, 128))
    page = load_page(save(source, tmp_path / "rgba.png"), 0, LIMIT)

    assert page.mode == "RGB"
    assert page.getpixel((0, 0)) == WHITE
    assert page.getpixel((1, 0)) == BLUE
    assert close_to(page.getpixel((2, 0)), (127, 127, 127), 1)


def test_la_png_is_flattened_onto_white(tmp_path):
    source = Image.new("LA", (2, 1), (0, 0))
    source.putpixel((1, 0), (40, 255))
    page = load_page(save(source, tmp_path / "la.png"), 0, LIMIT)

    assert page.mode == "L"
    assert list(page.getdata()) == [255, 40]


def test_rgba_tiff_is_flattened_onto_white(tmp_path):
    source = Image.new("RGBA", (2, 1), (0, 255, 0, 0))
    source.putpixel((1, 0), (0, 255, 0, 255))
    page = load_page(save(source, tmp_path / "rgba.tif", compression="tiff_lzw"), 0, LIMIT)

    assert list(page.getdata()) == [WHITE, (0, 255, 0)]


def test_greyscale_stays_l(tmp_path):
    page = load_page(save(Image.new("L", (4, 4), 77), tmp_path / "grey.jpg"), 0, LIMIT)

    assert page.mode == "L"
    assert close_to(page.getpixel((0, 0)), 77, 1)


def test_rgb_png_with_trns_colour_is_flattened(tmp_path):
    source = Image.new("RGB", (2, 1), RED)
    source.putpixel((1, 0), BLUE)
    page = load_page(save(source, tmp_path / "trns.png", transparency=RED), 0, LIMIT)

    assert list(page.getdata()) == [WHITE, BLUE]


# --------------------------------------------------------------------------------------
# EXIF orientation

# Where the stored image's top-left corner ends up once shown upright, per orientation.
UPRIGHT_CORNER = {
    1: "top-left",
    2: "top-right",
    3: "bottom-right",
    4: "bottom-left",
    5: "top-left",
    6: "top-right",
    7: "bottom-right",
    8: "bottom-left",
}


def corner_pixels(im: Image.Image) -> dict[str, tuple[int, int, int]]:
    width, height = im.size
    return {
        "top-left": im.getpixel((0, 0)),
        "top-right": im.getpixel((width - 1, 0)),
        "bottom-left": im.getpixel((0, height - 1)),
        "bottom-right": im.getpixel((width - 1, height - 1)),
    }


def marked_card() -> Image.Image:
    """8 × 4 white, with a 2 × 2 red block at the stored top-left corner."""
    im = Image.new("RGB", (8, 4), WHITE)
    im.paste(RED, (0, 0, 2, 2))
    return im


def save_oriented(path: Path, orientation: int) -> None:
    exif = Image.Exif()
    exif[0x0112] = orientation
    params: dict[str, object] = {"exif": exif}
    if path.suffix == ".jpg":
        params |= {"quality": 100, "subsampling": 0}
    marked_card().save(path, **params)


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".tif"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation(tmp_path, orientation, suffix):
    path = tmp_path / f"oriented{suffix}"
    save_oriented(path, orientation)
    expected_size = (4, 8) if orientation >= 5 else (8, 4)

    assert probe(path, LIMIT) == [PageInfo(0, *expected_size)]
    page = load_page(path, 0, LIMIT)

    assert page.size == expected_size
    corners = corner_pixels(page)
    for corner, colour in corners.items():
        expected = RED if corner == UPRIGHT_CORNER[orientation] else WHITE
        assert close_to(colour, expected, 40), (corner, colour)


def move_chunk_behind_idat(path: Path, kind: bytes) -> None:
    """Rewrite a PNG so that its ``kind`` chunk comes after the image data."""
    data = path.read_bytes()
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        chunks.append(data[at : at + 12 + length])
        at += 12 + length
    moved = next(c for c in chunks if c[4:8] == kind)
    rest = [c for c in chunks if c is not moved]
    path.write_bytes(data[:8] + b"".join(rest[:-1]) + moved + rest[-1])


def test_png_exif_after_image_data_is_seen_by_probe(tmp_path):
    # eXIf may follow IDAT; probe must find it without decoding, and agree with load_page.
    path = tmp_path / "late_exif.png"
    save_oriented(path, 6)
    move_chunk_behind_idat(path, b"eXIf")
    with Image.open(path) as check:
        assert "exif" not in check.info  # really after IDAT

    assert probe(path, LIMIT) == [PageInfo(0, 4, 8)]
    assert load_page(path, 0, LIMIT).size == (4, 8)


@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("late", [False, True])
def test_png_imagemagick_raw_exif_profile(tmp_path, compressed, late):
    # ImageMagick 6 stores EXIF as hex text ("Raw profile type exif"); Pillow honours it.
    exif = Image.Exif()
    exif[0x0112] = 8
    body = exif.tobytes().removeprefix(b"Exif\x00\x00").hex()
    text = f"\nexif\n{len(body) // 2:8d}\n{body}\n"
    info = PngImagePlugin.PngInfo()
    info.add_text("Raw profile type exif", text, zip=compressed)
    path = save(marked_card(), tmp_path / "magick.png", pnginfo=info)
    if late:
        move_chunk_behind_idat(path, b"zTXt" if compressed else b"tEXt")

    assert probe(path, LIMIT) == [PageInfo(0, 4, 8)]
    page = load_page(path, 0, LIMIT)
    assert page.size == (4, 8)
    assert corner_pixels(page)["bottom-left"] == RED


# --------------------------------------------------------------------------------------
# ICC profiles


@pytest.mark.parametrize("name", ["srgb.jpg", "srgb.png", "srgb.tif"])
def test_srgb_profile_leaves_pixels_alone(tmp_path, name):
    params = {"quality": 100, "subsampling": 0} if name.endswith(".jpg") else {}
    source = quadrants()
    path = save(source, tmp_path / name, icc_profile=srgb_profile(), **params)

    page = load_page(path, 0, LIMIT)

    assert page.mode == "RGB"
    for xy in [(1, 1), (14, 1), (1, 6), (14, 6)]:
        assert close_to(page.getpixel(xy), source.getpixel(xy), 6 if name.endswith("jpg") else 2)
    assert "icc_profile" not in page.info


def test_non_srgb_rgb_profile_is_converted(tmp_path):
    # 128 in linear light is about 188 in sRGB; white and black stay put.
    profile = linear_rgb_profile()
    ImageCms.ImageCmsProfile(io.BytesIO(profile))  # the profile is valid
    source = Image.new("RGB", (3, 1), (128, 128, 128))
    source.putpixel((1, 0), WHITE)
    source.putpixel((2, 0), (0, 0, 0))
    path = save(source, tmp_path / "linear.png", icc_profile=profile)

    page = load_page(path, 0, LIMIT)

    assert page.mode == "RGB"
    assert close_to(page.getpixel((0, 0)), (188, 188, 188), 3)
    assert close_to(page.getpixel((1, 0)), WHITE, 2)
    assert close_to(page.getpixel((2, 0)), (0, 0, 0), 2)


def test_greyscale_profile_is_applied_and_stays_l(tmp_path):
    source = Image.new("L", (3, 1), 128)
    source.putpixel((1, 0), 255)
    source.putpixel((2, 0), 0)
    path = save(source, tmp_path / "lineargrey.tif", icc_profile=linear_grey_profile())

    page = load_page(path, 0, LIMIT)

    assert page.mode == "L"
    assert close_to(page.getpixel((0, 0)), 188, 3)
    assert close_to(page.getpixel((1, 0)), 255, 2)
    assert close_to(page.getpixel((2, 0)), 0, 2)


def test_broken_profile_is_ignored_with_a_warning(tmp_path, caplog):
    source = quadrants()
    path = save(source, tmp_path / "broken_icc.png", icc_profile=b"this is not a profile")

    with caplog.at_level(logging.WARNING, logger="ingest.images"):
        page = load_page(path, 0, LIMIT)

    assert list(page.getdata()) == list(source.getdata())
    assert "broken_icc.png" in caplog.text


def test_profile_for_another_colour_space_is_ignored(tmp_path, caplog):
    source = Image.new("L", (2, 1), 100)
    path = save(source, tmp_path / "grey_with_rgb_profile.png", icc_profile=linear_rgb_profile())

    with caplog.at_level(logging.WARNING, logger="ingest.images"):
        page = load_page(path, 0, LIMIT)

    assert page.mode == "L"
    assert list(page.getdata()) == [100, 100]
    assert "grey_with_rgb_profile.png" in caplog.text


# --------------------------------------------------------------------------------------
# Multi-page TIFF


def test_multi_page_tiff(tmp_path):
    pages = [
        Image.new("RGB", (10, 5), RED),
        Image.new("L", (7, 9), 30),
        Image.new("RGB", (4, 6), BLUE),
    ]
    path = tmp_path / "bundle.tif"
    pages[0].save(path, save_all=True, append_images=pages[1:], compression="tiff_lzw")

    assert probe(path, LIMIT) == [PageInfo(0, 10, 5), PageInfo(1, 7, 9), PageInfo(2, 4, 6)]
    third = load_page(path, 2, LIMIT)
    second = load_page(path, 1, LIMIT)

    assert (third.mode, third.size, third.getpixel((0, 0))) == ("RGB", (4, 6), BLUE)
    assert (second.mode, second.size, second.getpixel((0, 0))) == ("L", (7, 9), 30)
    with pytest.raises(ImageError) as exc_info:
        load_page(path, 3, LIMIT)
    assert_error(exc_info, path, "3")


def test_multi_page_tiff_limit_names_the_frame(tmp_path):
    path = tmp_path / "bundle.tif"
    small, big = Image.new("L", (10, 10)), Image.new("L", (100, 100))
    small.save(path, save_all=True, append_images=[big])

    with pytest.raises(ImageError) as exc_info:
        probe(path, 1000)
    assert_error(exc_info, path, "frame 1", "max_pixels")
    assert load_page(path, 0, 1000).size == (10, 10)


# --------------------------------------------------------------------------------------
# Refused files


def test_zero_byte_file(tmp_path):
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")

    for call in (lambda: probe(path, LIMIT), lambda: load_page(path, 0, LIMIT)):
        with pytest.raises(ImageError) as exc_info:
            call()
        assert_error(exc_info, path, "0 bytes")


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.tif"
    with pytest.raises(ImageError) as exc_info:
        probe(path, LIMIT)
    assert_error(exc_info, path, "not found")


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("cut.jpg", {"quality": 95}),
        ("cut.png", {}),
        ("cut.tif", {}),
        ("cut_lzw.tif", {"compression": "tiff_lzw"}),
        ("cut_jpeg.tif", {"compression": "jpeg"}),
    ],
)
def test_truncated_files(tmp_path, name, params):
    path = save(detailed(), tmp_path / name, **params)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])

    with pytest.raises(ImageError) as exc_info:  # from probe if the header is cut, else load
        for page in probe(path, LIMIT):
            load_page(path, page.frame, LIMIT)
    assert_error(exc_info, path)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF"),
        (b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head></html>", "HTML"),
        (b"\xef\xbb\xbf<html lang='ja'><body>\xe3\x81\x82</body></html>", "HTML"),
        ("資料番号,タイトル\nA-1,古地図\n".encode(), "text"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "ZIP"),
        (bytes(range(256)) * 4, "unrecognised"),
    ],
)
def test_not_an_image(tmp_path, content, needle):
    path = tmp_path / "page001.jpg"
    path.write_bytes(content)

    for call in (lambda: probe(path, LIMIT), lambda: load_page(path, 0, LIMIT)):
        with pytest.raises(ImageError) as exc_info:
            call()
        assert_error(exc_info, path, "not a readable image", needle)


@pytest.mark.parametrize(
    ("pillow_format", "name"),
    [("GIF", "GIF"), ("BMP", "BMP"), ("WEBP", "WebP"), ("JPEG2000", "JPEG 2000")],
)
def test_unsupported_formats_are_named(tmp_path, pillow_format, name):
    path = tmp_path / "renamed.jpg"
    quadrants().save(path, format=pillow_format)

    with pytest.raises(ImageError) as exc_info:
        probe(path, LIMIT)
    assert_error(exc_info, path, "unsupported image format", name, "JPEG, PNG, TIFF")


def test_damaged_header_of_an_accepted_format(tmp_path):
    path = tmp_path / "bad.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)

    with pytest.raises(ImageError) as exc_info:
        probe(path, LIMIT)
    assert_error(exc_info, path, "PNG")


def test_error_type_is_a_kura_error(tmp_path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(KuraError):
        probe(path, LIMIT)


# --------------------------------------------------------------------------------------
# Sizes and limits


@pytest.mark.parametrize("name", ["one.png", "one.jpg", "one.tif"])
def test_one_pixel_image(tmp_path, name):
    path = save(Image.new("RGB", (1, 1), RED), tmp_path / name, quality=100)

    assert probe(path, LIMIT) == [PageInfo(0, 1, 1)]
    page = load_page(path, 0, LIMIT)
    assert page.size == (1, 1)
    assert close_to(page.getpixel((0, 0)), RED, 3)


@pytest.mark.parametrize("name", ["strip.png", "strip.tif"])
def test_very_wide_image(tmp_path, name):
    source = Image.new("RGB", (100_000, 1), WHITE)
    source.putpixel((99_999, 0), BLUE)
    path = save(source, tmp_path / name)

    assert probe(path, LIMIT) == [PageInfo(0, 100_000, 1)]
    page = load_page(path, 0, LIMIT)
    assert page.size == (100_000, 1)
    assert page.getpixel((99_999, 0)) == BLUE


def test_max_pixels_exceeded(tmp_path):
    path = save(Image.new("RGB", (100, 50)), tmp_path / "big.png")

    for call in (lambda: probe(path, 4999), lambda: load_page(path, 0, 4999)):
        with pytest.raises(ImageError) as exc_info:
            call()
        assert_error(exc_info, path, "max_pixels", "kura.toml", "5,000", "4,999")
    assert probe(path, 5000) == [PageInfo(0, 100, 50)]


def test_huge_png_header_is_refused_before_allocation(tmp_path):
    # IHDR claims 50000 × 50000 (2.5 gigapixels, ~7.5 GB as RGB); the data is one tiny row.
    path = tmp_path / "bomb.png"
    ihdr = struct.pack(">IIBBBBB", 50_000, 50_000, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + png_chunk(b"IEND", b"")
    )
    limit_before = Image.MAX_IMAGE_PIXELS

    for call in (lambda: probe(path, LIMIT), lambda: load_page(path, 0, LIMIT)):
        with pytest.raises(ImageError) as exc_info:
            call()
        assert_error(exc_info, path, "max_pixels", "2,500,000,000")
    limit_after = Image.MAX_IMAGE_PIXELS
    assert limit_after == limit_before  # Pillow's global is restored


def test_our_limit_decides_not_pillows(tmp_path, monkeypatch):
    # With Pillow's own limit far below the image, decoding must still work (pytest turns
    # a DecompressionBombWarning into an error) and Pillow's setting must come back intact.
    path = save(quadrants((64, 64)), tmp_path / "fine.tif", compression="tiff_lzw")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)

    assert probe(path, 10_000) == [PageInfo(0, 64, 64)]
    assert load_page(path, 0, 10_000).size == (64, 64)
    assert Image.MAX_IMAGE_PIXELS == 100


# --------------------------------------------------------------------------------------
# sha256_file


def test_sha256_file(tmp_path):
    data = bytes(range(256)) * 9000  # a little over 2 MiB: several chunks
    path = tmp_path / "blob.bin"
    path.write_bytes(data)

    assert sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_sha256_empty_file(tmp_path):
    path = tmp_path / "empty"
    path.write_bytes(b"")

    assert sha256_file(path) == hashlib.sha256(b"").hexdigest()


def test_probe_reads_headers_only(tmp_path, monkeypatch):
    from PIL import ImageFile, TiffImagePlugin

    paths = []
    for suffix, orientation in [(".jpg", 6), (".png", 8), (".tif", 5)]:
        path = tmp_path / f"oriented{suffix}"
        save_oriented(path, orientation)
        paths.append(path)
    bundle = tmp_path / "bundle.tif"
    Image.new("L", (3, 2)).save(bundle, save_all=True, append_images=[Image.new("L", (5, 4))])

    def no_decoding(self):
        raise AssertionError("probe decoded pixels")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    monkeypatch.setattr(TiffImagePlugin.TiffImageFile, "load", no_decoding)

    for path in paths:
        assert probe(path, LIMIT) == [PageInfo(0, 4, 8)]
    assert probe(bundle, LIMIT) == [PageInfo(0, 3, 2), PageInfo(1, 5, 4)]
