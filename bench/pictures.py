"""Benchmark (never part of `make test`): the memory one picture upload takes, at the pixel limit.

For JPEG, PNG and HEIC it makes the largest upload the site accepts (PICTURE_MAX_PIXELS pixels,
4:3, under PICTURE_MAX_BYTES: smooth, photo-like content so it fits) and runs
comments.pictures.process_picture on it in a fresh process, the way a request does (the upload
read from a file on disk, as Django keeps uploads over 2.5 MB). That process first handles a
small picture of the same format (codecs loaded, caches warm), then reports how much its peak
resident memory grew while processing the big one, and the peak of the Python objects alone
(tracemalloc: Pillow's and libheif's pixel buffers are C memory it does not see). The peak is
Linux's VmHWM, reset just before (/proc/self/clear_refs): ru_maxrss would not do, as a child
inherits its parent's peak across exec, and this parent holds the big picture.
The figure to read is the ratio: peak growth / the decoded bitmap (width x height x 4 bytes,
one full-size Pillow RGB image, as Pillow stores 3 channels in 4 bytes). It says how many
full-size copies of the pixels are alive at the worst moment, and so what a pixel limit costs.

    make bench                # or: .venv/bin/python bench/pictures.py [--megapixels N]
"""

import argparse
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the project's own modules
# The cases: a format, and for JPEG also a portrait photo as phones save it (the pixels stored
# sideways, EXIF orientation 6), which must be turned: the worst case for a JPEG.
CASES = {"JPEG": ".jpg", "JPEG-turned": ".jpg", "PNG": ".png", "HEIF": ".heic"}


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "0"
    os.environ["REQUEST_LOG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
    import django

    django.setup()


def _size_at(pixels):
    """The largest 4:3 picture of at most `pixels` pixels, even sides (HEVC's 4:2:0 wants them)."""
    width = math.isqrt(pixels * 4 // 3) // 2 * 2
    height = pixels // width // 2 * 2
    return width, height


def _photo_like(size):
    """Gradients under soft blobs: compresses like a photo, so the largest sizes fit in 10 MB."""
    from PIL import Image

    width, height = size

    def channel(sigma, turn):
        gradient = Image.linear_gradient("L")
        if turn is not None:
            gradient = gradient.transpose(turn)
        blobs = Image.effect_noise((width // 32, height // 32), sigma)
        resample = Image.Resampling.BICUBIC
        return Image.blend(gradient.resize(size), blobs.resize(size, resample), 0.5)

    red, green, blue = (None, Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_90)
    return Image.merge("RGB", [channel(60, red), channel(50, green), channel(70, blue)])


def _encoded(image, case):
    from PIL import Image, ImageOps

    buffer = io.BytesIO()
    if case == "JPEG":
        image.save(buffer, "JPEG", quality=90)
    elif case == "JPEG-turned":
        exif = Image.Exif()
        exif[0x0112] = 6  # orientation: turn 90 degrees clockwise to show
        image.save(buffer, "JPEG", quality=90, exif=exif)
    elif case == "PNG":
        # A photo as PNG is far over 10 MB at these sizes; flat colours (a screenshot) fit.
        ImageOps.posterize(image, 2).save(buffer, "PNG", compress_level=6)
    else:
        # ultrafast: the encoder's speed, not the file's size or how it decodes, is all it changes
        image.save(buffer, "HEIF", quality=80, enc_params={"preset": "ultrafast"})
    return buffer.getvalue()


# --- One measurement, in its own process -------------------------------------------------------


def _memory(field):
    """VmRSS (resident now) or VmHWM (its peak since the last reset), in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status: this benchmark needs Linux")


def _reset_peak():
    """Start the peak afresh from what is resident now, and return that."""
    Path("/proc/self/clear_refs").write_text("5")
    return _memory("VmRSS")


def measure(path, warm_up_path):
    """Process the picture at `path` as a comment upload; print what it cost as JSON."""
    _django()
    from django.core.files import File

    from comments.pictures import process_picture

    with open(warm_up_path, "rb") as handle:
        process_picture(File(handle, name=Path(warm_up_path).name))
    before = _reset_peak()
    tracemalloc.start()
    start = time.perf_counter()
    with open(path, "rb") as handle:
        _display, _thumb, width, height = process_picture(File(handle, name=Path(path).name))
    seconds = time.perf_counter() - start
    _, python_peak = tracemalloc.get_traced_memory()
    after = _memory("VmHWM")
    result = {
        "peak_growth": after - before,
        "python_peak": python_peak,
        "seconds": seconds,
        "output": [width, height],
    }
    print(json.dumps(result))


# --- The driver -----------------------------------------------------------------------------------


def _run_one(path, warm_up_path):
    command = [sys.executable, __file__, "--measure", str(path), str(warm_up_path)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - this very file
    if done.returncode != 0:
        sys.exit(f"measuring {path.name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megapixels", type=float, help="instead of PICTURE_MAX_PIXELS")
    parser.add_argument("--measure", nargs=2, metavar=("FILE", "WARM_UP"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(*args.measure)
        return

    _django()
    from django.conf import settings

    from kindred import images  # noqa: F401  (registers the HEIF plugin for the encoder)

    pixels = int(args.megapixels * 1_000_000) if args.megapixels else settings.PICTURE_MAX_PIXELS
    size = _size_at(pixels)
    bitmap = size[0] * size[1] * 4
    print(
        f"One comment picture at {size[0]} x {size[1]} ({size[0] * size[1] / 1e6:.1f} MP; "
        f"limit {settings.PICTURE_MAX_PIXELS / 1e6:g} MP, {settings.PICTURE_MAX_BYTES >> 20} MB); "
        f"decoded bitmap {bitmap / 2**20:.0f} MiB (4 bytes a pixel)"
    )
    picture, small = _photo_like(size), _photo_like((256, 192))
    rows = []
    with tempfile.TemporaryDirectory(prefix="kindred-bench-pictures-") as folder:
        for case, suffix in CASES.items():
            path, warm_up = Path(folder) / f"big{suffix}", Path(folder) / f"small{suffix}"
            path.write_bytes(_encoded(picture, case))
            warm_up.write_bytes(_encoded(small, case))
            upload_bytes = path.stat().st_size
            if upload_bytes > settings.PICTURE_MAX_BYTES:
                sys.exit(f"{case}: {upload_bytes} bytes is over PICTURE_MAX_BYTES; not accepted")
            result = _run_one(path, warm_up)
            rows.append((case, upload_bytes, result))
            path.unlink()

    print("case           upload  peak RSS growth  / bitmap  Python peak    time")
    for case, upload_bytes, result in rows:
        print(
            f"{case:<12} {upload_bytes / 2**20:>6.1f}MB {result['peak_growth'] / 2**20:>13.0f}MiB "
            f"{result['peak_growth'] / bitmap:>8.2f}x {result['python_peak'] / 2**20:>9.1f}MiB "
            f"{result['seconds']:>6.2f}s"
        )


if __name__ == "__main__":
    main()
