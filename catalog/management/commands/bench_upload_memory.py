"""Peak memory of one photo upload, and of its thumbnail task, per kind of image.

    manage.py bench_upload_memory

Each step runs in a fresh Python process and reports how far its peak resident memory
(``getrusage``'s ``ru_maxrss``) rose above what the process held once the file was read: Pillow
allocates pixels outside Python's allocator, where ``tracemalloc`` cannot see them.

The images: a 49-megapixel PNG of one colour (143 KB: what a hostile upload looks like), a
smooth 48-megapixel JPEG (a phone's 48 MP photo), a 12-megapixel JPEG and a 16-megapixel PNG.
"""

import json
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

_STEP = r"""
import io, json, resource, sys
from marketplace.images import ImageRejected, reencode_original, validate_upload
from catalog.images import make_renditions

step, source, target = sys.argv[1:4]
data = open(source, "rb").read()
peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
before = peak()
try:
    if step == "upload":
        upload = io.BytesIO(data)
        upload.name = "upload"
        validate_upload(upload)
        original, _ext, width, height = reencode_original(upload)
        open(target, "wb").write(original)
        result = f"stored {width}x{height}"
    else:
        result = f"{len(make_renditions(data))} renditions"
except ImageRejected as exc:
    result = f"refused: {exc}"
print(json.dumps({"peak_mib": round(peak() - before, 1), "result": result}))
"""


def png_flat(width: int, height: int, *, mode_bytes: int = 3) -> bytes:
    """A real, valid PNG of one colour, compressed row by row (never the whole image in memory)."""
    import struct

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    colour_type = {1: 0, 3: 2, 4: 6}[mode_bytes]
    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x7f" * (width * mode_bytes)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def smooth_image(width: int, height: int, fmt: str, *, alpha: bool = False) -> bytes:
    """A smooth colour gradient (small when compressed, like a sky), made in its own process."""
    code = (
        "import io, sys; from PIL import Image\n"
        "w, h, fmt, alpha = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4] == '1'\n"
        "g = Image.linear_gradient('L').resize((w, h))\n"
        "bands = (g, g.transpose(Image.Transpose.ROTATE_180), Image.new('L', (w, h), 90))\n"
        "im = Image.merge('RGBA' if alpha else 'RGB', bands + ((g,) if alpha else ()))\n"
        "out = io.BytesIO(); im.save(out, fmt, **({'quality': 80} if fmt == 'JPEG' else {}))\n"
        "sys.stdout.buffer.write(out.getvalue())\n"
    )
    done = subprocess.run(  # noqa: S603 -- our own interpreter
        [sys.executable, "-c", code, str(width), str(height), fmt, "1" if alpha else "0"],
        capture_output=True,
        check=True,
    )
    return done.stdout


def peak_memory(data: bytes) -> dict:
    """Upload ``data`` (check and re-encode), then make its renditions from the stored original, each in
    a fresh process: {"upload": MiB, "task": MiB or None, "result": what the upload step said}."""
    with tempfile.TemporaryDirectory() as folder:
        source, original = Path(folder, "upload"), Path(folder, "original")
        source.write_bytes(data)
        upload = _run("upload", source, original)
        task = _run("renditions", original, Path(folder, "unused")) if original.exists() else None
    return {"upload": upload["peak_mib"], "task": task and task["peak_mib"], "result": upload["result"]}


def _run(step: str, source: Path, target: Path) -> dict:
    done = subprocess.run(  # noqa: S603 -- our own interpreter
        [sys.executable, "-c", _STEP, step, str(source), str(target)],
        capture_output=True,
        check=True,
        cwd=Path(settings.BASE_DIR),
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


class Command(BaseCommand):
    help = "Peak memory of one photo upload and of its thumbnail task, per kind of image."
    requires_system_checks = []

    def handle(self, *args, **options):
        cases = [
            ("PNG 7000x7000 (49 MP), one colour", png_flat(7000, 7000)),
            ("JPEG 8000x6000 (48 MP), smooth", smooth_image(8000, 6000, "JPEG")),
            ("JPEG 4000x3000 (12 MP), smooth", smooth_image(4000, 3000, "JPEG")),
            ("PNG 4000x4000 (16 MP), smooth", smooth_image(4000, 4000, "PNG")),
            ("PNG 4000x4000 (16 MP), smooth, transparent", smooth_image(4000, 4000, "PNG", alpha=True)),
        ]
        self.stdout.write(f"{'image':40} {'size':>9} {'upload MiB':>11} {'task MiB':>9}  result")
        for name, data in cases:
            peak = peak_memory(data)
            task = "-" if peak["task"] is None else f"{peak['task']:.1f}"
            self.stdout.write(
                f"{name:40} {len(data) / 1024:8.0f}K {peak['upload']:11.1f} {task:>9}  {peak['result'][:70]}"
            )
