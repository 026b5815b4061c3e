"""The demo's photographs of people and places: the lion dance (横中馬獅子舞) and the
satoyama landscape of the Sayama Hills."""

from __future__ import annotations

import math
import random

from PIL import Image, ImageChops, ImageDraw

from kura.demo.drawing import (
    Point,
    add_grain,
    blurred,
    cloud_noise,
    colorize,
    ellipse_shadow,
    noise,
    paint,
    profile,
    vgradient,
)

# -- 横中馬獅子舞: a greyscale festival photograph -------------------------------------


def _dancer(rng: random.Random, scale: float) -> tuple[Image.Image, Image.Image]:
    """One lion dancer (black lion head with a long mane, drum at the belly); L + mask."""
    w, h = round(900 * scale), round(1500 * scale)
    pic = Image.new("L", (w, h), 0)
    mask = Image.new("L", (w, h), 0)
    p, m = ImageDraw.Draw(pic), ImageDraw.Draw(mask)
    s = scale
    cx = w / 2

    def shape(kind: str, box_or_points, tone: int, **kw) -> None:
        getattr(p, kind)(box_or_points, fill=tone, **kw)
        getattr(m, kind)(box_or_points, fill=255, **kw)

    def trapezoid(top: float, bottom: float, y0: float, y1: float, tone: int) -> None:
        """Half-widths ``top`` at y0 and ``bottom`` at y1, about the centre line."""
        points = [(cx - top * s, y0 * s), (cx + top * s, y0 * s)]
        shape("polygon", [*points, (cx + bottom * s, y1 * s), (cx - bottom * s, y1 * s)], tone)

    # hakama (legs), wide and dark, feet apart
    shape(
        "polygon",
        [
            (cx - 170 * s, 820 * s),
            (cx + 170 * s, 820 * s),
            (cx + 300 * s, 1440 * s),
            (cx + 60 * s, 1440 * s),
            (cx, 1100 * s),
            (cx - 60 * s, 1440 * s),
            (cx - 300 * s, 1440 * s),
        ],
        48,
    )
    for fx in (-200, 180):
        shape("ellipse", (cx + (fx - 70) * s, 1420 * s, cx + (fx + 70) * s, 1480 * s), 200)
    # kimono body with sleeves
    trapezoid(190, 210, 420, 860, 178)
    for side in (-1, 1):
        shape(
            "polygon",
            [
                (cx + side * 180 * s, 440 * s),
                (cx + side * 400 * s, 560 * s),
                (cx + side * 420 * s, 760 * s),
                (cx + side * 200 * s, 700 * s),
            ],
            160,
        )
        # drumstick raised
        p.line(
            [
                (cx + side * 380 * s, 600 * s),
                (cx + side * (300 + rng.uniform(0, 120)) * s, 330 * s),
            ],
            fill=235,
            width=round(14 * s),
        )
        m.line(
            [(cx + side * 380 * s, 600 * s), (cx + side * 300 * s, 330 * s)],
            fill=255,
            width=round(14 * s),
        )
    # crossed sash (たすき) over the kimono
    p.line([(cx - 180 * s, 430 * s), (cx + 190 * s, 840 * s)], fill=90, width=round(26 * s))
    p.line([(cx + 180 * s, 430 * s), (cx - 190 * s, 840 * s)], fill=90, width=round(26 * s))
    # the drum at the belly
    shape("ellipse", (cx - 165 * s, 560 * s, cx + 165 * s, 760 * s), 62)
    for k in (-1, 0, 1):  # the drum's lacing
        p.line(
            [(cx + k * 90 * s, 600 * s), (cx + k * 70 * s, 740 * s)], fill=150, width=round(6 * s)
        )
    shape("ellipse", (cx - 130 * s, 548 * s, cx + 130 * s, 612 * s), 225)
    p.ellipse((cx - 130 * s, 548 * s, cx + 130 * s, 612 * s), outline=50, width=round(8 * s))
    # the cloth hanging from the lion head over the dancer's face
    trapezoid(150, 190, 300, 470, 120)
    for k in range(-4, 5):
        p.line(
            [(cx + k * 34 * s, 305 * s), (cx + k * 42 * s, 468 * s)], fill=95, width=round(5 * s)
        )
    # the mane (ケンバ): long dark strands falling from the head
    for _ in range(260):
        a = rng.uniform(0.15, math.pi - 0.15)
        sx, sy = cx + 170 * s * math.cos(a), 190 * s - 60 * s * math.sin(a)
        length = rng.uniform(180, 460) * s
        tone = rng.randint(12, 60)
        ex = sx + (sx - cx) * rng.uniform(0.2, 0.7) + rng.uniform(-30, 30) * s
        p.line([(sx, sy), (ex, sy + length)], fill=tone, width=max(2, round(rng.uniform(3, 6) * s)))
        m.line([(sx, sy), (ex, sy + length)], fill=255, width=max(2, round(rng.uniform(3, 6) * s)))
    # the lion head: black lacquer with white eyes, gilt teeth and a short horn
    shape("ellipse", (cx - 170 * s, 60 * s, cx + 170 * s, 330 * s), 22)
    for side in (-1, 1):
        ex = cx + side * 80 * s
        p.ellipse((ex - 36 * s, 150 * s, ex + 36 * s, 205 * s), fill=235)
        p.ellipse((ex - 14 * s, 165 * s, ex + 14 * s, 195 * s), fill=10)
        p.ellipse(
            (cx + side * 150 * s - 40 * s, 40 * s, cx + side * 150 * s + 20 * s, 120 * s), fill=40
        )
    p.rectangle((cx - 90 * s, 258 * s, cx + 90 * s, 285 * s), fill=205)
    for k in range(-4, 5):
        p.line([(cx + k * 20 * s, 258 * s), (cx + k * 20 * s, 285 * s)], fill=120, width=2)
    p.polygon([(cx - 20 * s, 70 * s), (cx + 20 * s, 70 * s), (cx, -10 * s + 40 * s)], fill=180)
    return pic, mask


def shishimai(rng: random.Random) -> Image.Image:
    w, h = 4000, 3000
    sky = profile([0.86 - 0.12 * i / 31 for i in range(32)], (w, h), vertical=True)
    image = sky
    d = ImageDraw.Draw(image)
    # trees behind the temple
    trees = Image.new("L", (w, h), 0)
    td = ImageDraw.Draw(trees)
    for _ in range(420):
        x, y = rng.uniform(-100, w + 100), rng.uniform(250, 1250)
        r = rng.uniform(60, 220)
        td.ellipse((x - r, y - r * 0.8, x + r, y + r * 0.8), fill=255)
    td.rectangle((0, 520, w, 1500), fill=255)
    foliage = cloud_noise(rng, (w, h), 60, 3).point(lambda v: 40 + v * 70 // 255)
    image.paste(foliage, (0, 0), blurred(trees, 4))
    # the temple hall: a big roof with upturned eaves
    d.polygon(
        [(1700, 1180), (3900, 1180), (3700, 880), (3300, 720), (2300, 720), (1900, 880)], fill=46
    )
    d.polygon([(1640, 1190), (3960, 1190), (3990, 1150), (1610, 1150)], fill=34)
    d.rectangle((1850, 1190, 3750, 1560), fill=92)
    for x in range(1900, 3750, 230):
        d.rectangle((x, 1190, x + 34, 1560), fill=60)
    d.rectangle((1850, 1190, 3750, 1240), fill=70)
    # the ground: trodden earth and gravel
    ground = profile([0.62 + 0.12 * i / 31 for i in range(32)], (w, h - 1500), vertical=True)
    ground = ImageChops.multiply(ground, noise(rng, ground.size, 190, 255))
    image.paste(ground, (0, 1500))
    # onlookers around the dance ground
    crowd = ImageDraw.Draw(image)
    for k in range(44):
        x = rng.uniform(-50, w + 50)
        if 900 < x < 3100 and k % 3:
            continue
        y = rng.uniform(1480, 1720)
        r = rng.uniform(44, 60)
        tone = rng.randint(30, 110)
        crowd.ellipse((x - r, y - r, x + r, y + r), fill=tone)
        crowd.polygon(
            [
                (x - r * 2, y + r * 6),
                (x - r * 1.6, y + r * 0.8),
                (x + r * 1.6, y + r * 0.8),
                (x + r * 2, y + r * 6),
            ],
            fill=min(255, tone + rng.randint(-20, 60)),
        )
    image = blurred(image, 5.0)  # the background out of focus
    for x, tilt, scale in ((1150, -4, 1.02), (2000, 2, 1.08), (2850, 5, 0.98)):
        pic, mask = _dancer(rng, scale)
        pic = pic.rotate(tilt, resample=Image.Resampling.BICUBIC, expand=True)
        mask = mask.rotate(tilt, resample=Image.Resampling.BICUBIC, expand=True)
        top = 2880 - pic.height
        ellipse_shadow(image, (x - 380, 2780, x + 420, 2920), 30, 120)
        image.paste(pic, (round(x - pic.width / 2), top), blurred(mask, 1.2))
    image = blurred(image, 1.1)
    vignette = (
        Image.radial_gradient("L")
        .resize((w, h))
        .point(lambda v: 255 - max(0, v - 120) * 150 // 135)
    )
    image = ImageChops.multiply(image, vignette)
    image = image.point(lambda v: round(255 * (v / 255) ** 1.1))
    # old-print wear: dust and a few scratches
    d = ImageDraw.Draw(image)
    for _ in range(90):
        x, y, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(1, 2.5)
        d.ellipse((x - r, y - r, x + r, y + r), fill=rng.choice((200, 215, 50)))
    for _ in range(3):
        x = rng.uniform(0, w)
        y = rng.uniform(0, h * 0.7)
        d.line([(x, y), (x + rng.uniform(-12, 12), y + rng.uniform(200, 700))], fill=205, width=2)
    return add_grain(image, rng, 16)


# -- 狭山丘陵の里山: a colour landscape photograph -----------------------------------


def satoyama(rng: random.Random) -> Image.Image:
    w, h = 2400, 1600
    image = vgradient((w, h), (118, 164, 214), (226, 234, 238))
    clouds = cloud_noise(rng, (w, h), 420, 4).point(lambda v: min(255, max(0, v - 150) * 3))
    fade = profile([max(0.0, 1 - i / 24) for i in range(32)], (w, h), vertical=True)
    paint(image, (250, 250, 252), ImageChops.multiply(blurred(clouds, 10), fade))

    def ridge(base: float, amp: float, seed_phase: float) -> list[Point]:
        pts = [(0.0, float(h))]
        for i in range(121):
            x = w * i / 120
            y = base - amp * (
                0.6 * math.sin(i / 18 + seed_phase)
                + 0.3 * math.sin(i / 7 + 2 * seed_phase)
                + 0.1 * math.sin(i / 2.3)
            )
            pts.append((x, y))
        pts.append((float(w), float(h)))
        return pts

    far = Image.new("L", (w, h), 0)
    ImageDraw.Draw(far).polygon(ridge(760, 60, rng.uniform(0, 6)), fill=255)
    paint(image, (132, 156, 168), blurred(far, 2))
    near = Image.new("L", (w, h), 0)
    ImageDraw.Draw(near).polygon(ridge(860, 120, rng.uniform(0, 6)), fill=255)
    forest = colorize(
        cloud_noise(rng, (w, h), 40, 3), (34, 62, 34), (118, 150, 72), mid=(70, 104, 50)
    )
    fd = ImageDraw.Draw(forest)
    for _ in range(2600):  # tree crowns catching the light
        x, y = rng.uniform(0, w), rng.uniform(700, 1200)
        r = rng.uniform(10, 34)
        g = rng.randint(-20, 30)
        fd.ellipse((x - r, y - r * 0.8, x + r, y + r * 0.6), fill=(70 + g, 108 + g, 52 + g // 2))
    image.paste(forest, (0, 0), blurred(near, 1.5))
    # terraced paddies in the valley and a thatched farmhouse
    d = ImageDraw.Draw(image)
    y = 1120
    k = 0
    while y < h:
        step = 50 + k * 18
        tone = (140, 178, 84) if k % 2 else (168, 190, 96)
        d.polygon(
            [
                (0, y + 14 * math.sin(k)),
                (w, y - 20 + 10 * math.cos(k)),
                (w, y + step),
                (0, y + step + 10),
            ],
            fill=tone,
        )
        d.line(
            [(0, y + 14 * math.sin(k)), (w, y - 20 + 10 * math.cos(k))], fill=(96, 110, 60), width=4
        )
        y += step
        k += 1
    hx, hy = 1640, 1040
    d.rectangle((hx - 170, hy, hx + 170, hy + 120), fill=(222, 214, 196))
    d.rectangle((hx - 40, hy + 40, hx + 40, hy + 120), fill=(60, 48, 40))
    d.polygon(
        [(hx - 230, hy + 10), (hx + 230, hy + 10), (hx + 120, hy - 170), (hx - 120, hy - 170)],
        fill=(112, 100, 78),
    )
    d.polygon(
        [(hx - 120, hy - 170), (hx + 120, hy - 170), (hx + 90, hy - 196), (hx - 90, hy - 196)],
        fill=(70, 62, 52),
    )
    for x in range(hx - 220, hx + 220, 9):
        d.line([(x, hy + 8), (hx + (x - hx) * 0.52, hy - 168)], fill=(96, 86, 66), width=2)
    return add_grain(blurred(image, 0.7), rng, 6)
