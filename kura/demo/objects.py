"""The demo's objects: kasuri cloth (村山大島紬), the temple bell, the Jōmon sherd, the
Tokoname jar, and three folk tools (民具) photographed on a backdrop."""

from __future__ import annotations

import math
import random

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from kura.demo.drawing import (
    add_grain,
    backdrop,
    blurred,
    brush_columns,
    cloud_noise,
    colorize,
    cylinder,
    drop_shadow,
    ellipse_shadow,
    lathe,
    noise,
    paint,
    profile,
    shaded,
    smooth_profile,
    vgradient,
)

# -- 村山大島紬: kasuri cloth ---------------------------------------------------------

_INDIGO, _INDIGO_LIGHT = (30, 36, 60), (50, 60, 92)
_KASURI_WHITE, _KASURI_GREY = (214, 210, 198), (132, 138, 150)


def _jitter(mask: Image.Image, rng: random.Random, strip: int, amount: int) -> Image.Image:
    """Shift each horizontal strip sideways a little: the feathered edges of ikat."""
    w, h = mask.size
    out = Image.new("L", (w, h), 0)
    for y in range(0, h, strip):
        out.paste(mask.crop((0, y, w, min(h, y + strip))), (rng.randint(-amount, amount), y))
    return out


def _kasuri_masks(rng: random.Random, size: tuple[int, int], cell: int):
    """White and grey motif masks: crosses (十字絣) and well-curbs (井桁) in a half-drop grid."""
    w, h = size
    white = Image.new("L", size, 0)
    grey = Image.new("L", size, 0)
    wd, gd = ImageDraw.Draw(white), ImageDraw.Draw(grey)
    arm, bar = cell * 0.3, cell * 0.075
    row_h = cell * 0.8
    for r in range(-1, int(h / row_h) + 2):
        for c in range(-1, int(w / cell) + 2):
            cx = c * cell + (cell / 2 if r % 2 else 0)
            cy = r * row_h
            if r % 2 == 0:  # cross
                wd.rectangle((cx - arm, cy - bar, cx + arm, cy + bar), fill=255)
                wd.rectangle((cx - bar, cy - arm, cx + bar, cy + arm), fill=255)
            else:  # well-curb #
                for d in (-arm * 0.4, arm * 0.4):
                    gd.rectangle(
                        (cx - arm * 0.8, cy + d - bar * 0.7, cx + arm * 0.8, cy + d + bar * 0.7),
                        fill=255,
                    )
                    gd.rectangle(
                        (cx + d - bar * 0.7, cy - arm * 0.8, cx + d + bar * 0.7, cy + arm * 0.8),
                        fill=255,
                    )
            # small dots between motifs
            dx, dy = cx + cell / 2, cy + row_h / 2
            wd.rectangle((dx - bar, dy - bar * 0.8, dx + bar, dy + bar * 0.8), fill=255)
    amount = max(2, cell // 28)
    masks = []
    for mask in (white, grey):
        mask = _jitter(mask, rng, 3, amount)
        mask = _jitter(mask.transpose(Image.Transpose.TRANSPOSE), rng, 3, amount // 2 + 1)
        masks.append(blurred(mask.transpose(Image.Transpose.TRANSPOSE), 1.0))
    return masks


def _cloth(rng: random.Random, size: tuple[int, int], cell: int, thread: int) -> Image.Image:
    """Kasuri tsumugi: indigo ground, white and grey motifs, plain weave, slubby silk."""
    w, h = size
    ground = colorize(
        cloud_noise(rng, size, cell, 2).point(lambda v: 80 + v // 3), _INDIGO, _INDIGO_LIGHT
    )
    white, grey = _kasuri_masks(rng, size, cell)
    paint(ground, _KASURI_GREY, grey)
    paint(ground, _KASURI_WHITE, white)
    # plain weave: alternating over/under blocks, each thread shaded across
    tile = Image.new("L", (2 * thread, 2 * thread))
    td = ImageDraw.Draw(tile)
    for i in range(2):
        for j in range(2):
            horizontal = (i + j) % 2 == 0
            x0, y0 = i * thread, j * thread
            for k in range(thread):
                v = 255 - round(70 * abs(k - (thread - 1) / 2) / thread)
                if horizontal:
                    td.line([(x0, y0 + k), (x0 + thread - 1, y0 + k)], fill=v)
                else:
                    td.line([(x0 + k, y0), (x0 + k, y0 + thread - 1)], fill=v)
    weave = Image.new("L", size)
    for y in range(0, h, tile.height):
        for x in range(0, w, tile.width):
            weave.paste(tile, (x, y))
    slubs = noise(rng, (max(2, w // 60), h), 205, 255).resize(size, Image.Resampling.BILINEAR)
    cloth = shaded(ground, ImageChops.multiply(weave, slubs).point(lambda v: 60 + v * 195 // 255))
    return add_grain(cloth, rng, 4)


def kasuri_bolt(rng: random.Random) -> Image.Image:
    """A bolt of cloth unrolled on tatami."""
    w, h = 2600, 1950
    straw = noise(rng, (w, max(2, h // 60)), 150, 255).resize((w, h), Image.Resampling.BILINEAR)
    tatami = shaded(
        colorize(cloud_noise(rng, (w, h), 400, 3), (150, 140, 92), (200, 190, 140)), straw
    )
    border = ImageDraw.Draw(tatami)
    border.rectangle((0, h - 150, w, h), fill=(42, 40, 38))  # the tatami's cloth edge
    border.line([(0, h - 150), (w, h - 150)], fill=(90, 84, 70), width=4)
    tatami = add_grain(tatami, rng, 5)
    cx0, cx1 = 760, 1840
    roll_top, roll_bottom = 150, 470
    cw = cx1 - cx0
    drop_shadow(tatami, (cx0 + 20, roll_top + 40, cx1 + 30, h), 24, 170)
    flat = _cloth(rng, (cw, h - roll_bottom), 150, 3)
    folds = [
        0.9 + 0.08 * math.sin(i / 63 * math.pi * 3.2 + 0.6) + 0.04 * math.sin(i / 63 * 17)
        for i in range(64)
    ]
    edge = [min(1.0, 0.75 + 0.25 * min(i, 63 - i) / 4) for i in range(64)]
    flat = shaded(
        flat, profile([min(1.0, a * b) for a, b in zip(folds, edge, strict=True)], flat.size)
    )
    top_shadow = profile(
        [0.55 + 0.45 * min(1.0, i / 20) for i in range(64)], flat.size, vertical=True
    )
    flat = shaded(flat, top_shadow)
    tatami.paste(flat, (cx0, roll_bottom))
    # the roll: the same pattern squeezed as on a cylinder, lit from above
    rh = roll_bottom - roll_top
    roll = _cloth(rng, (cw + 40, round(rh * 1.6)), 150, 3).resize(
        (cw + 40, rh), Image.Resampling.BICUBIC
    )
    roll = shaded(roll, cylinder((rh, cw + 40), light_at=0.3).transpose(Image.Transpose.ROTATE_270))
    mask = Image.new("L", roll.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        (0, 0, roll.width - 1, roll.height - 1), radius=26, fill=255
    )
    tatami.paste(roll, (cx0 - 20, roll_top), mask)
    # selvedges
    d = ImageDraw.Draw(tatami)
    for x in (cx0 + 6, cx1 - 8):
        d.line([(x, roll_bottom), (x, h)], fill=(88, 92, 118), width=3)
    return tatami


def kasuri_closeup(rng: random.Random) -> Image.Image:
    return _cloth(rng, (1600, 1600), 440, 7)


# -- 真福寺梵鐘: a bronze temple bell -------------------------------------------------

_BRONZE = ((38, 27, 18), (122, 86, 50), (214, 174, 116))


def temple_bell(rng: random.Random) -> Image.Image:
    w, h = 1800, 2400
    # inside a temple gate: dark beams above, pillars at the sides, pale daylight between
    image = vgradient((w, h), (196, 200, 196), (150, 152, 140))
    d = ImageDraw.Draw(image)
    wood = (70, 46, 32)
    d.rectangle((0, 0, w, 240), fill=wood)
    d.rectangle((0, 240, w, 272), fill=(50, 34, 24))
    for x0 in (0, w - 190):
        d.rectangle((x0, 240, x0 + 190, h), fill=(86, 58, 38))
        d.line([(x0 + 30, 240), (x0 + 30, h)], fill=(104, 72, 48), width=8)
    d.rectangle((0, h - 190, w, h), fill=(112, 104, 92))  # the floor of the upper storey
    wood_tone = cloud_noise(rng, (w, h), 300, 3).point(lambda v: 225 + v * 30 // 255)
    image = shaded(image, wood_tone)
    cx = w / 2
    y_top, y_body, y_bottom = 520, 700, 2000
    body_h = y_bottom - y_body
    half = smooth_profile([(0, 300), (0.25, 318), (0.7, 352), (0.93, 372), (0.97, 392), (1.0, 394)])
    # hook and dragon-head handle (龍頭)
    d = ImageDraw.Draw(image)
    d.rectangle((cx - 26, 250, cx + 26, 470), fill=(40, 36, 34))
    d.ellipse((cx - 60, 430, cx + 60, 510), outline=(40, 36, 34), width=22)
    bell = Image.new("L", (w, h), 0)
    bd = ImageDraw.Draw(bell)
    bd.polygon(lathe(cx, y_body, y_bottom, lambda t: half(t)), fill=255)
    bd.ellipse((cx - half(0), y_top + 40, cx + half(0), y_body + 150), fill=255)  # the crown
    bd.ellipse((cx - 130, y_top - 90, cx - 20, y_top + 80), outline=255, width=44)  # ryūzu loops
    bd.ellipse((cx + 20, y_top - 90, cx + 130, y_top + 80), outline=255, width=44)
    bd.rectangle((cx - 40, y_top - 40, cx + 40, y_top + 90), fill=255)
    bw = round(2 * half(1.0)) + 4
    shade = cylinder((bw, h), light_at=0.3, ambient=0.12)
    gray = Image.new("L", (w, h), 0)
    gray.paste(shade, (round(cx - bw / 2), 0))
    vertical = profile([0.78 + 0.22 * (i / 31) ** 0.5 for i in range(32)], (w, h), vertical=True)
    metal = colorize(ImageChops.multiply(gray, vertical), *_BRONZE[::2], mid=_BRONZE[1])
    patina = cloud_noise(rng, (w, h), 90, 3).point(lambda v: max(0, v - 150) * 2)
    paint(metal, (84, 118, 96), blurred(patina, 2))
    mottle = cloud_noise(rng, (w, h), 24, 2).point(lambda v: 215 + v * 40 // 255)
    metal = shaded(metal, mottle)
    # cast decoration: bands, vertical bands, nipples (乳), a lotus striking seat
    dec = ImageDraw.Draw(metal)
    dark, hi = (46, 32, 20), (196, 160, 104)

    def band(t: float, thick: int) -> None:
        y = y_body + body_h * t
        x = half(t) - 4
        dec.line([(cx - x, y), (cx + x, y)], fill=dark, width=thick)
        dec.line([(cx - x, y + thick), (cx + x, y + thick)], fill=hi, width=max(2, thick // 3))

    for t, thick in ((0.0, 10), (0.04, 6), (0.62, 12), (0.68, 8), (0.86, 10), (0.9, 6)):
        band(t, thick)
    y_nipple_end = y_body + body_h * 0.3
    for u in (-0.62, -0.05, 0.05, 0.62):
        x = cx + u * half(0.3)
        dec.line([(x, y_body), (x, y_body + body_h * 0.62)], fill=dark, width=9)
        dec.line([(x + 8, y_body), (x + 8, y_body + body_h * 0.62)], fill=hi, width=3)
    dec.line([(cx - half(0.3), y_nipple_end), (cx + half(0.3), y_nipple_end)], fill=dark, width=8)
    for section in ((-0.58, -0.1), (0.1, 0.58)):
        for row in range(4):
            for col in range(4):
                u = section[0] + (section[1] - section[0]) * (col + 0.5) / 4
                x = cx + u * half(0.15)
                y = y_body + 40 + row * (y_nipple_end - y_body - 60) / 4 + 20
                r = 15
                dec.ellipse((x - r + 4, y - r + 5, x + r + 4, y + r + 5), fill=dark)
                dec.ellipse((x - r, y - r, x + r, y + r), fill=(150, 112, 68))
                dec.ellipse((x - r * 0.55, y - r * 0.6, x, y - r * 0.05), fill=(226, 196, 140))
    # the inscription in the panel (池の間)
    text = Image.new("L", (w, h), 0)
    brush_columns(
        ImageDraw.Draw(text),
        rng,
        (cx - 250, y_nipple_end + 50, cx + 250, y_body + body_h * 0.58),
        34,
        26,
        3,
    )
    paint(metal, (58, 40, 26), blurred(text, 0.7))
    # lotus striking seat on the lower band
    sy = y_body + body_h * 0.76
    for i in range(8):
        a = i * math.pi / 4
        px, py = cx + 60 * math.cos(a), sy + 60 * math.sin(a)
        dec.ellipse((px - 34, py - 34, px + 34, py + 34), outline=dark, width=5)
    dec.ellipse((cx - 48, sy - 48, cx + 48, sy + 48), fill=(150, 110, 66), outline=dark, width=6)
    dec.ellipse((cx - 18, sy - 18, cx + 18, sy + 18), fill=dark)
    # the old crack (宝暦年間の火災によるひび)
    crack = [(cx + 210, y_bottom - 5)]
    for _ in range(14):
        x, y = crack[-1]
        crack.append((x + rng.uniform(-14, 10), y - rng.uniform(20, 38)))
    dec.line(crack, fill=(24, 16, 10), width=4)
    ellipse_shadow(image, (cx - 430, y_bottom - 30, cx + 450, y_bottom + 60), 30, 120)
    image.paste(metal, (0, 0), blurred(bell, 1.0))
    return add_grain(image, rng, 3)


# -- 人面装飾付土器: a Jōmon sherd with a face ----------------------------------------


def jomon_sherd(rng: random.Random) -> Image.Image:
    w = h = 1800
    image = backdrop(rng, (w, h), (206, 204, 198), (150, 148, 144))
    cx = w / 2
    face_c, face_r = (cx, 620), 270
    shape = Image.new("L", (w, h), 0)
    sd = ImageDraw.Draw(shape)
    # the sherd: a curved rim fragment with broken, jagged edges, the face rising above it
    corners = []
    for i in range(13):  # a few break points joined by straight-ish broken edges
        a = (i + rng.uniform(-0.3, 0.3)) / 13 * 2 * math.pi
        r = rng.uniform(0.82, 1.08)
        corners.append((cx + 560 * r * math.cos(a), 1120 + 330 * r * math.sin(a)))
    outline = []
    for (x0, y0), (x1, y1) in zip(corners, corners[1:] + corners[:1], strict=True):
        for k in range(6):
            t = k / 6
            outline.append(
                (x0 + (x1 - x0) * t + rng.uniform(-6, 6), y0 + (y1 - y0) * t + rng.uniform(-6, 6))
            )
    sd.polygon(outline, fill=255)
    sd.ellipse(
        (
            face_c[0] - face_r,
            face_c[1] - face_r * 1.1,
            face_c[0] + face_r,
            face_c[1] + face_r * 1.1,
        ),
        fill=255,
    )
    sd.polygon([(cx - 240, 760), (cx + 240, 760), (cx + 330, 900), (cx - 330, 900)], fill=255)
    shape = blurred(shape, 1.2)
    ellipse_shadow(image, (cx - 580, 1360, cx + 620, 1530), 40, 170)
    clay = colorize(
        cloud_noise(rng, (w, h), 160, 4), (92, 56, 34), (184, 128, 84), mid=(146, 94, 60)
    )
    clay = shaded(clay, profile([1.0 - 0.35 * (i / 31) for i in range(32)], (w, h), vertical=True))
    clay = shaded(clay, cylinder((w, h), light_at=0.38, ambient=0.55))
    # cord marks (縄文): rows of slanted twisted-cord impressions on the body
    dark = Image.new("L", (w, h), 0)
    light = Image.new("L", (w, h), 0)
    dd, ld = ImageDraw.Draw(dark), ImageDraw.Draw(light)
    for row, y in enumerate(range(960, 1540, 22)):
        slant = 9 if row % 2 else -9
        for x in range(320, 1500, 13):
            jx, jy = x + rng.uniform(-2, 2), y + rng.uniform(-2, 2)
            dd.line([(jx, jy), (jx + slant, jy + 15)], fill=170, width=5)
            ld.line([(jx - 3, jy - 3), (jx + slant - 3, jy + 12)], fill=110, width=2)
    # a raised band (隆帯) with an incised line under the face
    dd.arc((cx - 520, 640, cx + 520, 1060), 20, 160, fill=200, width=14)
    ld.arc((cx - 520, 630, cx + 520, 1050), 20, 160, fill=170, width=12)
    # the face: a raised rim, joined brows and nose, a slit eye and an X-ed eye, a round mouth
    fx, fy = face_c
    ld.ellipse((fx - 235, fy - 280, fx + 225, fy + 270), outline=170, width=28)
    dd.ellipse((fx - 222, fy - 262, fx + 240, fy + 290), outline=200, width=10)
    ld.arc((fx - 170, fy - 150, fx - 6, fy - 10), 200, 340, fill=190, width=22)
    ld.arc((fx + 6, fy - 150, fx + 170, fy - 10), 200, 340, fill=190, width=22)
    ld.rectangle((fx - 14, fy - 95, fx + 12, fy + 50), fill=170)
    dd.line([(fx + 16, fy - 80), (fx + 18, fy + 55)], fill=170, width=8)
    dd.polygon(
        [(fx - 165, fy - 38), (fx - 95, fy - 60), (fx - 40, fy - 40), (fx - 100, fy - 22)], fill=250
    )
    for a, b in (
        ((fx + 45, fy - 85), (fx + 160, fy + 5)),
        ((fx + 45, fy + 5), (fx + 160, fy - 85)),
    ):
        dd.line([a, b], fill=250, width=17)
    dd.ellipse((fx - 40, fy + 95, fx + 40, fy + 165), fill=250)
    ld.arc((fx - 52, fy + 82, fx + 52, fy + 178), 180, 360, fill=160, width=8)
    clay = add_grain(clay, rng, 10)
    paint(clay, (40, 24, 16), blurred(dark, 1.6))
    paint(clay, (222, 180, 134), blurred(light, 1.8))
    # a thin darker break-edge around the outline
    edge = ImageChops.subtract(shape, shape.filter(ImageFilter.MinFilter(5)))
    paint(clay, (70, 44, 30), blurred(edge, 1.5))
    image.paste(clay, (0, 0), shape)
    return image


# -- 中世常滑窯大甕: a large medieval jar ---------------------------------------------


def tokoname_jar(rng: random.Random) -> Image.Image:
    w, h = 2000, 2400
    image = backdrop(rng, (w, h), (196, 192, 184), (120, 116, 110))
    cx, y0, y1 = w / 2, 330, 2230
    half = smooth_profile(
        [
            (0, 300),
            (0.035, 292),
            (0.07, 280),
            (0.12, 400),
            (0.2, 620),
            (0.3, 760),
            (0.42, 770),
            (0.6, 680),
            (0.8, 500),
            (0.94, 370),
            (1.0, 330),
        ]
    )
    ellipse_shadow(image, (cx - 520, y1 - 70, cx + 620, y1 + 90), 36, 190)
    shape = Image.new("L", (w, h), 0)
    ImageDraw.Draw(shape).polygon(lathe(cx, y0, y1, half), fill=255)
    shape = blurred(shape, 1.2)
    tone = cloud_noise(rng, (w, h), 260, 4).point(lambda v: 70 + v * 120 // 255)
    body = colorize(tone, (70, 40, 26), (176, 108, 68), mid=(132, 76, 46))
    body = shaded(body, cylinder((w, h), light_at=0.34, ambient=0.22))
    ridges = profile([0.95 + 0.05 * math.sin(i * 1.7) for i in range(90)], (w, h), vertical=True)
    body = shaded(body, ridges)
    # natural ash glaze (自然釉): a glossy olive-brown film on the shoulder, running in drips
    glaze = Image.new("L", (w, h), 0)
    gd = ImageDraw.Draw(glaze)
    gy0, gy1 = y0 + 0.08 * (y1 - y0), y0 + 0.24 * (y1 - y0)
    gd.polygon(
        [(cx - 900 + 1800 * k / 24, gy1 + rng.uniform(-60, 80)) for k in range(25)]
        + [(cx + 900, gy0), (cx - 900, gy0)],
        fill=200,
    )
    for _ in range(26):
        x = cx + rng.uniform(-0.85, 0.85) * 700
        length = rng.uniform(60, 420) * (1 - abs(x - cx) / 900)
        width = rng.uniform(8, 22)
        gd.line(
            [(x, gy1 - 30), (x + rng.uniform(-8, 8), gy1 + length)], fill=190, width=round(width)
        )
        r = width * 0.8
        gd.ellipse((x - r, gy1 + length - r, x + r, gy1 + length + r), fill=190)
    breakup = cloud_noise(rng, (w, h), 60, 3).point(lambda v: min(255, 60 + v * 2))
    glaze = ImageChops.multiply(blurred(glaze, 7), breakup)
    paint(body, (92, 86, 40), glaze.point(lambda v: v * 3 // 4))
    sheen = Image.new("L", (w, h), 0)  # the glaze's gloss on the lit side
    ImageDraw.Draw(sheen).ellipse((cx - 560, gy0 + 40, cx - 330, gy1 - 10), fill=110)
    paint(body, (236, 226, 180), ImageChops.multiply(blurred(sheen, 30), glaze))
    highlight = Image.new("L", (w, h), 0)
    ImageDraw.Draw(highlight).ellipse((cx - 560, y0 + 600, cx - 430, y0 + 1150), fill=50)
    paint(body, (255, 236, 206), blurred(highlight, 40))
    image.paste(add_grain(body, rng, 6), (0, 0), shape)
    # the rolled rim and the dark mouth
    d = ImageDraw.Draw(image)
    d.ellipse((cx - 310, y0 - 70, cx + 310, y0 + 70), fill=(120, 72, 44))
    d.ellipse((cx - 252, y0 - 46, cx + 252, y0 + 48), fill=(28, 18, 12))
    d.arc((cx - 310, y0 - 70, cx + 310, y0 + 70), 180, 350, fill=(178, 128, 86), width=9)
    d.arc((cx - 310, y0 - 60, cx + 310, y0 + 84), 10, 170, fill=(84, 50, 32), width=10)
    return image


# -- 民具: folk tools photographed on a backdrop --------------------------------------

_WOOD = ((92, 60, 38), (170, 122, 80))


def _wood(rng: random.Random, size: tuple[int, int], vertical: bool = False) -> Image.Image:
    """Wood with grain running along its length."""
    w, h = size
    if vertical:
        grain = noise(rng, (w, max(2, h // 50)), 0, 255).resize(size, Image.Resampling.BICUBIC)
    else:
        grain = noise(rng, (max(2, w // 50), h), 0, 255).resize(size, Image.Resampling.BICUBIC)
    return colorize(grain, *_WOOD)


def _cut(image: Image.Image, texture: Image.Image, mask: Image.Image) -> None:
    image.paste(texture, (0, 0), blurred(mask, 1.0))


def senbakoki(rng: random.Random) -> Image.Image:
    w, h = 2000, 1500
    image = backdrop(rng, (w, h), (214, 210, 200), (150, 146, 138))
    ellipse_shadow(image, (260, 1180, 1760, 1330), 30, 150)
    wood = _wood(rng, (w, h))
    mask = Image.new("L", (w, h), 0)
    m = ImageDraw.Draw(mask)
    m.polygon([(300, 690), (1700, 690), (1700, 800), (300, 800)], fill=255)  # the beam
    for x0, x1 in ((380, 290), (1620, 1710)):  # legs splaying out
        m.polygon([(x0 - 40, 790), (x0 + 40, 790), (x1 + 40, 1270), (x1 - 40, 1270)], fill=255)
    for x0, x1 in ((560, 520), (1440, 1480)):
        m.polygon([(x0 - 34, 790), (x0 + 34, 790), (x1 + 34, 1200), (x1 - 34, 1200)], fill=255)
    m.polygon([(330, 1000), (1670, 1000), (1670, 1040), (330, 1040)], fill=255)  # brace
    _cut(image, shaded(wood, profile([0.7, 1.0, 0.9, 0.62], (w, h), vertical=True)), mask)
    d = ImageDraw.Draw(image)
    d.line([(300, 690), (1700, 690)], fill=(200, 160, 112), width=4)
    # the iron teeth, a comb along the beam
    for i in range(27):
        x = 420 + i * 44
        tip = 300 + rng.uniform(-6, 6)
        d.polygon([(x - 12, 700), (x + 12, 700), (x + 4, tip), (x - 4, tip)], fill=(58, 56, 58))
        d.line([(x - 6, 690), (x - 2, tip + 10)], fill=(150, 148, 150), width=3)
    d.rectangle((400, 660, 1610, 700), fill=(70, 66, 64))  # the iron clamp holding the teeth
    d.line([(400, 664), (1610, 664)], fill=(140, 136, 132), width=4)
    for x in range(430, 1610, 120):
        d.ellipse((x - 9, 671, x + 9, 689), fill=(160, 150, 140))
    return add_grain(image, rng, 5)


def tomi(rng: random.Random) -> Image.Image:
    w, h = 2000, 1600
    image = backdrop(rng, (w, h), (222, 220, 212), (170, 166, 158))
    ellipse_shadow(image, (180, 1320, 1900, 1470), 34, 150)
    persimmon = ImageChops.multiply(_wood(rng, (w, h)), Image.new("RGB", (w, h), (236, 170, 130)))
    mask = Image.new("L", (w, h), 0)
    m = ImageDraw.Draw(mask)
    m.ellipse((260, 420, 880, 1040), fill=255)  # the fan drum
    m.polygon([(570, 480), (1780, 620), (1780, 900), (570, 1000)], fill=255)  # the wind channel
    m.polygon([(900, 200), (1420, 200), (1280, 560), (1040, 560)], fill=255)  # the hopper
    for x0, x1 in ((420, 380), (760, 780), (1560, 1600), (1740, 1790)):
        m.polygon([(x0 - 26, 900), (x0 + 26, 900), (x1 + 26, 1400), (x1 - 26, 1400)], fill=255)
    m.polygon([(980, 960), (1150, 960), (1060, 1260), (920, 1240)], fill=255)  # first outlet
    m.polygon([(1280, 900), (1420, 900), (1400, 1160), (1270, 1150)], fill=255)  # second outlet
    _cut(image, shaded(persimmon, cylinder((w, h), light_at=0.35, ambient=0.55)), mask)
    d = ImageDraw.Draw(image)
    edge = (70, 42, 28)
    d.ellipse((260, 420, 880, 1040), outline=edge, width=8)
    d.ellipse((520, 680, 620, 780), fill=(96, 64, 40), outline=edge, width=6)  # the axle hub
    d.line([(570, 730), (170, 560)], fill=(110, 74, 46), width=34)  # the crank
    d.line([(170, 560), (150, 450)], fill=(140, 98, 62), width=30)
    d.polygon([(900, 200), (1420, 200), (1280, 560), (1040, 560)], outline=edge, width=7)
    for y in (660, 800, 940):  # planks
        d.line([(880, y - 30), (1780, y + 20 - (y - 660) * 0.3)], fill=(120, 80, 52), width=4)
    d.rectangle((1760, 620, 1790, 900), fill=(50, 32, 22))  # the open end where chaff blows out
    for _ in range(60):  # chaff drifting out of the end
        x, y = rng.uniform(1800, 1980), rng.uniform(640, 900)
        d.ellipse((x - 5, y - 3, x + 5, y + 3), fill=(214, 190, 130))
    return image


def ishiusu(rng: random.Random) -> Image.Image:
    w = h = 1600
    image = backdrop(rng, (w, h), (206, 202, 194), (140, 136, 128))
    ellipse_shadow(image, (260, 1200, 1380, 1400), 34, 170)
    speckle = noise(rng, (w // 3, h // 3)).resize((w, h), Image.Resampling.NEAREST)
    granite = colorize(
        ImageChops.add(
            cloud_noise(rng, (w, h), 120, 3).point(lambda v: v // 2),
            speckle.point(lambda v: v // 2),
        ),
        (70, 70, 72),
        (196, 194, 188),
        mid=(134, 132, 128),
    )
    granite = shaded(granite, cylinder((w, h), light_at=0.33, ambient=0.35))
    cx = w / 2
    # lower stone, then the upper stone on it, each a short cylinder seen from above
    for top, bottom, rx, ry in ((880, 1280, 520, 130), (600, 880, 500, 125)):
        mask = Image.new("L", (w, h), 0)
        m = ImageDraw.Draw(mask)
        m.rectangle((cx - rx, top, cx + rx, bottom), fill=255)
        m.ellipse((cx - rx, bottom - ry, cx + rx, bottom + ry), fill=255)
        m.ellipse((cx - rx, top - ry, cx + rx, top + ry), fill=255)
        _cut(image, granite, mask)
        face = Image.new("L", (w, h), 0)
        ImageDraw.Draw(face).ellipse((cx - rx, top - ry, cx + rx, top + ry), fill=60)
        paint(image, (255, 255, 250), blurred(face, 2))
        ImageDraw.Draw(image).arc(
            (cx - rx, top - ry, cx + rx, top + ry), 0, 180, fill=(60, 58, 56), width=4
        )
    d = ImageDraw.Draw(image)
    d.line([(cx - 520, 880), (cx + 520, 880)], fill=(54, 52, 50), width=6)  # the seam
    d.ellipse((cx - 80, 575, cx + 60, 625), fill=(40, 38, 36))  # the feed hole
    for k in range(-5, 6):
        d.line(
            [(cx - 480 + k * 12, 900 + abs(k) * 4), (cx - 470 + k * 12, 1010)],
            fill=(100, 98, 92),
            width=2,
        )
    handle = _wood(rng, (w, h), vertical=True)
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).polygon(
        [(cx + 360, 300), (cx + 410, 300), (cx + 420, 650), (cx + 350, 650)], fill=255
    )
    _cut(image, shaded(handle, cylinder((w, h), ambient=0.5)), mask)
    return add_grain(image, rng, 6)
