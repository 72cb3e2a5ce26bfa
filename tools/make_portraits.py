"""Draw the illustrated portraits of the demo therapists into ``assets/portraits``.

Run from anywhere: ``.venv/bin/python tools/make_portraits.py``. The drawing is
deterministic (colours follow the catalogue order), so rerunning reproduces the files.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw

if TYPE_CHECKING:
    from db.demo import DemoTherapist

ROOT = Path(__file__).resolve().parent.parent
SIZE = 512
SCALE = 2  # drawn larger, then scaled down for smooth edges
MAX_BYTES = 60 * 1024

Colour = tuple[int, int, int]

BACKGROUNDS: tuple[Colour, ...] = (
    (250, 226, 214),
    (220, 236, 228),
    (222, 230, 246),
    (246, 236, 208),
    (236, 224, 244),
    (212, 236, 240),
    (248, 222, 230),
    (230, 238, 214),
)
SKIN: tuple[Colour, ...] = (
    (246, 214, 190),
    (236, 196, 164),
    (224, 178, 142),
    (250, 222, 204),
    (204, 152, 116),
)
HAIR: tuple[Colour, ...] = (
    (74, 52, 40),
    (120, 82, 54),
    (46, 40, 40),
    (176, 128, 80),
    (150, 96, 60),
    (96, 96, 104),
)
CLOTHES: tuple[Colour, ...] = (
    (94, 130, 160),
    (126, 160, 120),
    (190, 120, 110),
    (140, 118, 170),
    (210, 160, 90),
    (90, 140, 140),
    (170, 110, 140),
)


def _lighter(colour: Colour, amount: float) -> Colour:
    r, g, b = colour
    return (
        round(r + (255 - r) * amount),
        round(g + (255 - g) * amount),
        round(b + (255 - b) * amount),
    )


def _darker(colour: Colour, amount: float) -> Colour:
    r, g, b = colour
    return (round(r * (1 - amount)), round(g * (1 - amount)), round(b * (1 - amount)))


def draw_portrait(number: int, gender: str) -> Image.Image:
    """The portrait of the ``number``-th therapist of the catalogue. The palettes are
    walked with different strides, so neighbours never look alike."""
    background = BACKGROUNDS[number % len(BACKGROUNDS)]
    skin = SKIN[(number * 2) % len(SKIN)]
    hair = HAIR[(number * 5 + 1) % len(HAIR)]
    clothes = CLOTHES[(number * 3 + 2) % len(CLOTHES)]
    glasses = number % 4 == 2

    side = SIZE * SCALE

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
        """Coordinates given on a 0..100 grid."""
        unit = side / 100
        return (round(x0 * unit), round(y0 * unit), round(x1 * unit), round(y1 * unit))

    image = Image.new("RGB", (side, side), background)
    draw = ImageDraw.Draw(image)
    draw.ellipse(box(12, 10, 88, 86), fill=_lighter(background, 0.45))

    long_hair = gender == "female"
    if long_hair:
        draw.rounded_rectangle(box(29, 22, 71, 74), radius=round(side * 0.16), fill=hair)

    # Shoulders and neck.
    draw.ellipse(box(14, 70, 86, 130), fill=clothes)
    draw.rectangle(box(44, 56, 56, 74), fill=_darker(skin, 0.06))
    draw.pieslice(box(40, 64, 60, 80), 0, 180, fill=_darker(skin, 0.06))

    # Head, ears and hair on top.
    draw.ellipse(box(30.5, 40, 36.5, 52), fill=_darker(skin, 0.04))
    draw.ellipse(box(63.5, 40, 69.5, 52), fill=_darker(skin, 0.04))
    draw.ellipse(box(33, 22, 67, 64), fill=skin)
    if long_hair:
        draw.chord(box(31, 18, 69, 50), 180, 360, fill=hair)
        draw.pieslice(box(30, 18, 58, 48), 180, 270, fill=hair)
    else:
        draw.chord(box(32, 17, 68, 44), 180, 360, fill=hair)
        # A fringe swept to one side.
        draw.pieslice(box(33, 19, 63, 41), 150, 290, fill=hair)

    # A calm, friendly face.
    eye = _darker(hair, 0.35)
    draw.ellipse(box(41.5, 41, 45.5, 45.5), fill=eye)
    draw.ellipse(box(54.5, 41, 58.5, 45.5), fill=eye)
    cheek = _lighter((232, 140, 140), 0.35)
    draw.ellipse(box(37, 47, 43, 52), fill=_blend(skin, cheek, 0.45))
    draw.ellipse(box(57, 47, 63, 52), fill=_blend(skin, cheek, 0.45))
    draw.arc(box(44, 46, 56, 56), 20, 160, fill=_darker(skin, 0.45), width=round(side * 0.008))
    if glasses:
        frame = _darker(hair, 0.2)
        width = round(side * 0.006)
        draw.ellipse(box(39, 38.5, 48, 48), outline=frame, width=width)
        draw.ellipse(box(52, 38.5, 61, 48), outline=frame, width=width)
        draw.line(box(48, 42.5, 52, 42.5), fill=frame, width=width)

    # A collar line gives the shoulders some shape.
    draw.arc(box(40, 66, 60, 84), 20, 160, fill=_darker(clothes, 0.18), width=round(side * 0.01))

    return image.resize((SIZE, SIZE), Image.Resampling.LANCZOS)


def _blend(first: Colour, second: Colour, share: float) -> Colour:
    r1, g1, b1 = first
    r2, g2, b2 = second
    return (
        round(r1 + (r2 - r1) * share),
        round(g1 + (g2 - g1) * share),
        round(b1 + (b2 - b1) * share),
    )


def save(image: Image.Image, path: Path) -> int:
    """Save as an optimised palette PNG (flat colours compress well); returns the size."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    return path.stat().st_size


def main() -> int:
    # The demo catalogue is the one list of therapists; import it from the project.
    sys.path.insert(0, str(ROOT))
    from db.demo import DEMO_THERAPISTS

    therapists: list[DemoTherapist] = list(DEMO_THERAPISTS)
    for number, therapist in enumerate(therapists):
        if therapist.photo_path is None:
            continue
        path = ROOT / therapist.photo_path
        size = save(draw_portrait(number, therapist.gender), path)
        if size > MAX_BYTES:
            print(f"{path}: {size} bytes, over {MAX_BYTES}", file=sys.stderr)
            return 1
        print(f"{path.relative_to(ROOT)}: {size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
