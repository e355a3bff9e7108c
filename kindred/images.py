"""Uploaded pictures, whoever sends them: checked, decoded and re-encoded from their pixels alone.

A stored picture is never the uploaded file: EXIF (with the GPS position a phone writes),
comments, colour-profile payloads and any trailing data are gone, and the name is random. The
comment pictures (comments/pictures.py) and the staff's hero images and reviewer photos
(articles/admin.py) share this core; it lives here because both apps may import kindred.
"""

import io
import secrets
import warnings

import pillow_heif
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext
from PIL import Image, ImageOps, UnidentifiedImageError

# HEIC/HEIF (what iPhones save) through pillow-heif's Pillow plugin. Only the primary image is
# ever decoded: the embedded thumbnails, depth maps and auxiliary images (HDR gain maps, mattes)
# are not read at all, so they cost no memory and nothing of them reaches the output.
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "HEIF"}
# What a file chooser offers (the `accept` of a file input). Desktop browsers and Android often
# know no type for HEIC files, so their name endings are listed as well.
ACCEPTED_TYPES = (
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "image/heic",
    "image/heif",
    ".heic",
    ".heif",
)


class PictureError(ValueError):
    """A picture we will not store, with a message for the person who sent it."""


def decode(upload):
    """The upload's first frame as RGB or RGBA pixels, turned as the camera meant, with nothing
    else of the file kept; PictureError when it is too large, not a picture or damaged."""
    if upload.size > settings.PICTURE_MAX_BYTES:
        limit = settings.PICTURE_MAX_BYTES // (1024 * 1024)
        raise PictureError(
            gettext("That picture is too large. Please choose one under %(limit)s MB.")
            % {"limit": limit}
        )
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
                gettext(
                    "That picture has too many pixels. Please choose a smaller one "
                    "(at most %(limit)s megapixels)."
                )
                % {"limit": settings.PICTURE_MAX_PIXELS // 1_000_000}
            )
        if image.format != "HEIF":  # a HEIF file opens on its primary image: keep that one
            image.seek(0)  # an animated GIF keeps only its first frame
        image.load()
    except PictureError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PictureError(_unsupported()) from None
    except UnidentifiedImageError:
        # pillow-heif refuses a HEIF file it cannot read as "not mine": say what it is.
        raise PictureError(_damaged() if _is_heif(upload) else _unsupported()) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise PictureError(_damaged()) from None

    # One full-size bitmap is what an upload may cost (bench/pictures.py): the orientation the
    # camera meant is applied in place (a turned photo needs a second bitmap for a moment), and
    # the pixels are converted only when they are not RGB or RGBA already.
    ImageOps.exif_transpose(image, in_place=True)
    mode = "RGBA" if has_transparency(image) else "RGB"
    pixels = image if image.mode == mode else image.convert(mode)
    # What the file said besides its pixels (EXIF, XMP, comments, profiles): some encoders would
    # write it again from here (JPEG its comment, PNG its profile). Every output is a new image
    # made from these pixels by resized(), and takes this empty info with it.
    pixels.info = {}
    return pixels


def _is_heif(upload):
    """Whether the file begins as a HEIC/HEIF file does (its `ftyp` box names a HEIF brand)."""
    upload.seek(0)
    return pillow_heif.get_file_mimetype(upload.read(12)).startswith(("image/heic", "image/heif"))


def _damaged():
    return gettext("That picture seems damaged or incomplete. Please try another.")


def _unsupported():
    return gettext("Please choose a JPEG, PNG, WebP, GIF or HEIC picture.")


def has_transparency(image):
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )


def resized(image, longest_side):
    """A new image at most `longest_side` pixels across, made without a full-size copy first
    (as Image.thumbnail does: reduced by whole steps, then Lanczos)."""
    scale = longest_side / max(image.size)
    if scale >= 1:
        return image.copy()
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def webp(image):
    buffer = io.BytesIO()
    image.save(buffer, "WEBP", quality=82, method=4)
    return ContentFile(buffer.getvalue())


def reencoded(upload, longest_side):
    """A staff upload made fresh: at most `longest_side` pixels across, JPEG (PNG when it has
    transparency; mail programs show both, unlike WebP), under a random name. PictureError as
    for decode()."""
    image = resized(decode(upload), longest_side)
    buffer = io.BytesIO()
    if image.mode == "RGBA":
        image.save(buffer, "PNG", optimize=True)
        suffix = ".png"
    else:
        image.save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
        suffix = ".jpg"
    return ContentFile(buffer.getvalue(), name=secrets.token_urlsafe(16) + suffix)
