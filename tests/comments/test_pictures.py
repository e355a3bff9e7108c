"""Pictures: re-encoded without metadata, resized, and anything else refused with a message."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from comments.models import Comment

pytestmark = pytest.mark.django_db


def _image_bytes(fmt="JPEG", size=(64, 48), **save_args):
    buffer = io.BytesIO()
    mode = "RGBA" if fmt in ("PNG", "WEBP") else "RGB"
    Image.new(mode, size, (200, 80, 40, 255)[: len(mode)]).save(buffer, fmt, **save_args)
    return buffer.getvalue()


def _jpeg_with_gps():
    exif = Image.Exif()
    exif[0x010F] = "SampleCam"  # camera make
    gps = exif.get_ifd(0x8825)
    gps[2] = (51.0, 30.0, 0.0)  # latitude
    gps[4] = (0.0, 7.0, 0.0)  # longitude
    return _image_bytes("JPEG", size=(2000, 1000), exif=exif)


def _stored(field):
    """The stored picture as an image, its file closed again."""
    with field.open("rb") as handle:
        return Image.open(io.BytesIO(handle.read()))


def _upload(content, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def poster(client, member):
    client.force_login(member)
    return client


def test_picture_is_reencoded_without_metadata_and_resized(poster, article, post_comment):
    original = _jpeg_with_gps()
    assert b"SampleCam" in original
    response = post_comment(
        poster, article, image=_upload(original), image_alt="A sample photo of a ramp"
    )
    assert response.status_code == 302
    comment = Comment.objects.get()
    with comment.image.open("rb") as handle:
        stored = handle.read()
    assert b"SampleCam" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "WEBP"
        assert not image.getexif()
        assert max(image.size) == 1280
    with _stored(comment.image_thumb) as thumb:
        assert max(thumb.size) == 320
    page = poster.get(article.get_absolute_url()).content.decode()
    assert 'alt="A sample photo of a ramp"' in page


@pytest.mark.parametrize("fmt, name", [("PNG", "p.png"), ("WEBP", "p.webp"), ("GIF", "p.gif")])
def test_png_webp_and_gif_are_accepted(poster, article, post_comment, fmt, name):
    post_comment(poster, article, image=_upload(_image_bytes(fmt), name), image_alt="Sample")
    assert Comment.objects.get().image


def test_animated_gif_keeps_its_first_frame(poster, article, post_comment):
    frames = [Image.new("RGB", (30, 30), color) for color in ("red", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    post_comment(poster, article, image=_upload(buffer.getvalue(), "a.gif"), image_alt="Red")
    with _stored(Comment.objects.get().image) as image:
        assert getattr(image, "n_frames", 1) == 1
        red, green, blue = image.convert("RGB").getpixel((5, 5))
        assert red > 200 and blue < 50


def test_picture_alone_is_a_valid_post(poster, article, post_comment):
    post_comment(poster, article, image=_upload(_image_bytes()), image_alt="A sample picture")
    assert Comment.objects.get().body == ""


def test_picture_needs_a_description(poster, article, post_comment):
    response = post_comment(poster, article, image=_upload(_image_bytes()), image_alt="")
    assert response.status_code == 400
    assert "Please describe the picture" in response.content.decode()
    assert not Comment.objects.exists()


def _bomb():
    buffer = io.BytesIO()
    Image.new("1", (9000, 5000)).save(buffer, "PNG")  # 45 megapixels in a few kilobytes
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content, name, message",
    [
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "evil.svg",
            "Please choose a JPEG, PNG, WebP or GIF picture.",
        ),
        (b"MZ\x90\x00" + b"\x00" * 2000, "holiday.jpg", "Please choose a JPEG, PNG, WebP or GIF"),
        (_bomb(), "big.png", "too many pixels"),
        (_image_bytes(size=(400, 300))[:300], "cut.jpg", "damaged or incomplete"),
        (_image_bytes("BMP"), "old.jpg", "Please choose a JPEG, PNG, WebP or GIF picture."),
    ],
    ids=["svg", "renamed-executable", "decompression-bomb", "truncated", "bmp"],
)
def test_bad_pictures_are_refused_and_nothing_is_stored(
    poster, article, post_comment, settings, content, name, message
):
    response = post_comment(
        poster, article, body="See this", image=_upload(content, name), image_alt="Sample"
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Comment.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_picture_over_ten_megabytes_is_refused(poster, article, post_comment, settings):
    settings.PICTURE_MAX_BYTES = 1000
    response = post_comment(
        poster, article, image=_upload(_image_bytes(size=(300, 300), quality=100)), image_alt="x"
    )
    assert response.status_code == 400
    assert "That picture is too large" in response.content.decode()
    assert not Comment.objects.exists()
