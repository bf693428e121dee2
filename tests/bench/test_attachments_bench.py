"""Attachment benchmarks (`make bench`): the attachment worker's own work on one screenshot (sniff,
strip metadata, decode, 320-pixel JPEG thumbnail; S3 and the store aside), goal <= 1 s for a
1920 × 1080 PNG; and, for the record, the size of the images layer only the worker carries."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.bench.goals import report
from tradetrack.attachments.images import clean_image
from tradetrack.attachments.thumbnails import thumbnail

pytestmark = pytest.mark.bench


def chart_png(width: int = 1920, height: int = 1080) -> bytes:
    """A screenshot-like PNG: flat background, a grid and a price line, with EXIF."""
    image = Image.new("RGB", (width, height), (250, 250, 250))
    for x in range(0, width, 40):
        for y in range(height):
            image.putpixel((x, y), (225, 225, 225))
    for x in range(width):
        image.putpixel((x, height // 2 + (x % 200) - 100), (20, 120, 200))
    tags = Image.Exif()
    tags[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, "PNG", exif=tags)
    return out.getvalue()


def test_one_screenshot_cleaned_and_thumbnailed(benchmark: Any) -> None:
    data = chart_png()

    def work() -> tuple[int, int]:
        _, cleaned = clean_image(data)
        return thumbnail(cleaned).thumbnail_size

    assert benchmark.pedantic(work, rounds=5) == (320, 180)
    median = benchmark.stats.stats.median
    what = f"attachment worker, one 1920 × 1080 PNG ({len(data):,} B) cleaned and thumbnailed, median"
    report(benchmark, what, median, "s", "<= 1 s", median <= 1.0)


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def test_the_images_layer_size(benchmark: Any) -> None:
    """For the record: the images layer as `make build` makes it (else Pillow as the venv has it)."""
    import PIL

    root = Path(__file__).resolve().parents[2]
    built = root / "build" / "layers" / "images" / "python"
    where = built if built.is_dir() else Path(PIL.__file__).parent
    size = benchmark.pedantic(lambda: _size(where), rounds=1)
    report(benchmark, f"the images layer (Pillow, {where})", size / 1e6, "MB unzipped", "", None)
