"""Time the product photo pipeline on a generated, photo-like JPEG.

    manage.py bench_images [--runs 20] [--megapixels 12]

(a)  the four square thumbnails (200/400 in WebP and JPEG) the way the task makes them: draft-mode
     decode at 1/2, 1/4 or 1/8 scale, then a reduce-aware Lanczos resize;
(b)  the same thumbnails through a full decode: Image.open, load at full size, Lanczos resize;
(b') as (b) but with (a)'s reduce-aware resize, to show what draft mode alone saves;
(c)  the whole job: validate the upload, re-encode the original, then every rendition from the
     re-encoded original (display + thumbnails): what the upload and the task do together.

The runs of (a), (b) and (c) are interleaved so a noisy neighbour slows all three alike.
"""

import io
import math
import os
import random
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from PIL import Image, ImageDraw, ImageFilter

from catalog import images
from marketplace import images as uploads

GOAL_THUMBNAILS_MS = 60
GOAL_RATIO = 0.5
GOAL_WHOLE_JOB_MS = 300


class Command(BaseCommand):
    help = "Time thumbnails (draft vs full decode) and the whole photo job on a generated JPEG."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=20, help="timed runs of each step (default 20)")
        parser.add_argument("--megapixels", type=float, default=12.0, help="size of the test photo (default 12)")

    def handle(self, *args, runs: int, megapixels: float, **options):
        if runs < 2 or not 0.1 <= megapixels <= uploads.MAX_PIXELS / 1e6:
            raise CommandError("--runs must be at least 2 and --megapixels between 0.1 and 50.")
        pinned = _pin_to_one_core()
        data, (width, height) = photo_like_jpeg(megapixels)
        if len(data) > uploads.MAX_UPLOAD_BYTES:
            raise CommandError(f"The generated photo is {len(data) / 1e6:.1f} MB, over the upload limit; use fewer MP.")

        def whole_job():
            upload = io.BytesIO(data)
            uploads.validate_upload(upload)
            original, _ext, _w, _h = uploads.reencode_original(upload)
            images.make_renditions(original)

        steps = {
            "(a)  4 thumbnails, draft decode": lambda: images.make_thumbnails(data),
            "(b)  4 thumbnails, full decode": lambda: images.make_thumbnails(data, use_draft=False, reducing_gap=None),
            "(b') (b) with (a)'s resize": lambda: images.make_thumbnails(data, use_draft=False),
            "(c)  whole job": whole_job,
        }
        timings: dict[str, list[float]] = {name: [] for name in steps}
        for step in steps.values():  # warm-up: imports, codec tables, allocator
            step()
        for _ in range(runs):
            for name, step in steps.items():
                started = time.perf_counter()
                step()
                timings[name].append((time.perf_counter() - started) * 1000)

        p50 = {name: statistics.median(values) for name, values in timings.items()}
        p95 = {name: _p95(values) for name, values in timings.items()}
        a, b, b_same_resize, c = steps
        ratio = p50[a] / p50[b]
        goals = {a: (p50[a], GOAL_THUMBNAILS_MS), c: (p50[c], GOAL_WHOLE_JOB_MS)}

        out = self.stdout.write
        out(
            f"Photo: {width}×{height} JPEG ({width * height / 1e6:.1f} MP), {len(data) / 1e6:.2f} MB, "
            "generated (gradients, shapes, grain), quality 90"
        )
        out(f"CPU: {pinned}")
        out(f"Runs: {runs} of each step, interleaved, after one warm-up run; Pillow {Image.__version__}")
        out("")
        out(f"{'step':<34}{'p50 ms':>9}{'p95 ms':>9}   goal")
        for name in steps:
            goal = ""
            if name in goals:
                value, limit = goals[name]
                goal = f"≤ {limit} ms  {'ok' if value <= limit else 'MISSED'}"
            out(f"{name:<34}{p50[name]:>9.1f}{p95[name]:>9.1f}   {goal}".rstrip())
        verdict = "ok" if ratio <= GOAL_RATIO else "MISSED"
        out(f"{'ratio (a)/(b), p50':<34}{ratio:>9.2f}{'':>9}   ≤ {GOAL_RATIO}  {verdict}")
        out(f"{"ratio (a)/(b'), p50":<34}{p50[a] / p50[b_same_resize]:>9.2f}{'':>9}   (draft mode alone)")


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def _pin_to_one_core() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity on this platform)"
    allowed = sorted(os.sched_getaffinity(0))
    core = allowed[0]
    os.sched_setaffinity(0, {core})
    return f"pinned to core {core} with os.sched_setaffinity (machine has {os.cpu_count()} cores)"


def photo_like_jpeg(megapixels: float, *, seed: int = 12) -> tuple[bytes, tuple[int, int]]:
    """A 4:3 JPEG (quality 90) that costs what a photo costs to code.

    A flat colour compresses to almost nothing and decodes in no time; this has smooth gradients,
    soft-edged shapes, mid-frequency texture and per-channel grain, and lands near a phone photo's
    size (about 2.6 MB at 12 MP).
    """
    width = round(math.sqrt(megapixels * 1e6 * 4 / 3))
    height = round(width * 3 / 4)
    rng = random.Random(seed)
    small = (max(1, width // 8), max(1, height // 8))

    def gradient(angle: int) -> Image.Image:
        return Image.linear_gradient("L").rotate(angle, Image.Resampling.BILINEAR).resize(small)

    base = Image.merge("RGB", (gradient(20), Image.radial_gradient("L").resize(small), gradient(130)))
    draw = ImageDraw.Draw(base)
    for _ in range(150):
        x, y, r = rng.randrange(small[0]), rng.randrange(small[1]), rng.randrange(3, max(4, small[0] // 12))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
    base = base.filter(ImageFilter.GaussianBlur(1.5)).resize((width, height), Image.Resampling.BICUBIC)
    texture = Image.merge("RGB", [Image.effect_noise((max(1, width // 6), max(1, height // 6)), 60) for _ in "rgb"])
    grain = Image.merge("RGB", [Image.effect_noise((width, height), 30) for _ in "rgb"])
    photo = Image.blend(Image.blend(base, texture.resize((width, height), Image.Resampling.BICUBIC), 0.25), grain, 0.12)
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=90)
    return out.getvalue(), (width, height)
