"""Pictures in comments: checked, decoded and re-encoded, so no metadata or payload survives."""

import io
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


class PictureError(ValueError):
    """A picture we will not store, with a message for the person who sent it."""


def process_picture(upload):
    """Return (display ContentFile, thumbnail ContentFile, width, height) or raise PictureError.

    The output is a fresh WebP made from decoded pixels only: EXIF, GPS, comments and any
    trailing data of the original are gone.
    """
    if upload.size > settings.PICTURE_MAX_BYTES:
        limit = settings.PICTURE_MAX_BYTES // (1024 * 1024)
        raise PictureError(f"That picture is too large. Please choose one under {limit} MB.")
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            # Pillow only warns about very large images; treat that as the bomb it may be.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
        if image.format not in ALLOWED_FORMATS:
            raise PictureError(_unsupported())
        width, height = image.size
        if width * height > settings.PICTURE_MAX_PIXELS:
            raise PictureError(
                "That picture has too many pixels. Please choose a smaller one "
                f"(at most {settings.PICTURE_MAX_PIXELS // 1_000_000} megapixels)."
            )
        image.seek(0)  # an animated GIF keeps only its first frame
        image.load()
    except PictureError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PictureError(_unsupported()) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise PictureError(
            "That picture seems damaged or incomplete. Please try another."
        ) from None

    image = ImageOps.exif_transpose(image)  # keep the orientation the camera meant, then drop EXIF
    image = image.convert("RGBA" if _has_transparency(image) else "RGB")
    display = _resized(image, settings.PICTURE_DISPLAY_SIZE)
    thumb = _resized(image, settings.PICTURE_THUMB_SIZE)
    return _webp(display), _webp(thumb), display.width, display.height


def _unsupported():
    return "Please choose a JPEG, PNG, WebP or GIF picture."


def _has_transparency(image):
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )


def _resized(image, longest_side):
    copy = image.copy()
    copy.thumbnail((longest_side, longest_side), Image.Resampling.LANCZOS)
    return copy


def _webp(image):
    buffer = io.BytesIO()
    image.save(buffer, "WEBP", quality=82, method=4)
    return ContentFile(buffer.getvalue())
