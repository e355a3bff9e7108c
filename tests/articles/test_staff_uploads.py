"""Hero images and reviewer photos uploaded by staff are stored re-encoded: no EXIF, no GPS."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from articles.models import Article, Reviewer

pytestmark = pytest.mark.django_db


def _photo_with_gps(name="holiday-at-home.jpg", size=(640, 480)):
    """A JPEG as a phone writes it: camera make, the place it was taken, a comment."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SamplePhoneMaker"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (52.0, 31.0, 12.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (13.0, 24.0, 36.0),
    }
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 160)).save(
        buffer, "JPEG", exif=exif, comment=b"taken at 12 Sample Street"
    )
    data = buffer.getvalue()
    assert b"SamplePhoneMaker" in data and b"Sample Street" in data
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def _assert_stored_without_metadata(field, folder, uploaded_name="holiday-at-home"):
    assert field.name.startswith(folder)
    assert uploaded_name not in field.name
    stem = field.name.rsplit("/", 1)[-1].split(".")[0]
    assert len(stem) >= 20  # random, not the name it was uploaded with
    with field.open("rb") as handle:
        data = handle.read()
    for leftover in (b"Exif", b"SamplePhoneMaker", b"Sample Street"):
        assert leftover not in data
    stored = Image.open(io.BytesIO(data))
    assert not stored.getexif()
    assert not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)


def _article_form(**fields):
    return {
        "title": "Walking after surgery",
        "slug": "walking-after-surgery",
        "summary": "How to start again.",
        "body": "Slowly.",
        "kind": "article",
        "video_url": "",
        "status": "draft",
        "published_at_0": "",
        "published_at_1": "",
        "comments_open": "on",
        "hero_alt": "A quiet street",
        "hero_caption": "",
        "hero_credit": "",
        "last_reviewed_at": "",
        **fields,
    }


def test_a_hero_image_is_stored_without_exif_under_a_random_name(client, staff):
    client.force_login(staff)
    response = client.post(
        "/admin/articles/article/add/", _article_form(hero_image=_photo_with_gps())
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get(slug="walking-after-surgery")
    _assert_stored_without_metadata(article.hero_image, "articles/")
    assert (article.hero_width, article.hero_height) == (640, 480)


def test_a_large_hero_image_is_scaled_down(client, staff):
    client.force_login(staff)
    upload = _photo_with_gps(size=(4000, 1000))
    client.post("/admin/articles/article/add/", _article_form(hero_image=upload))
    article = Article.objects.get(slug="walking-after-surgery")
    assert (article.hero_width, article.hero_height) == (2000, 500)


def test_a_reviewer_photo_is_stored_without_exif_under_a_random_name(client, staff):
    client.force_login(staff)
    response = client.post(
        "/admin/articles/reviewer/add/",
        {
            "name": "Sample Dana Reyes",
            "slug": "sample-dana-reyes",
            "credentials": "M.D.",
            "headline": "",
            "bio": "",
            "photo": _photo_with_gps(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    reviewer = Reviewer.objects.get(slug="sample-dana-reyes")
    _assert_stored_without_metadata(reviewer.photo, "reviewers/")
    with Image.open(reviewer.photo.path) as stored:
        assert max(stored.size) == 480


def test_a_file_that_is_no_picture_is_refused_with_a_message_and_the_form_kept(client, staff):
    client.force_login(staff)
    fake = SimpleUploadedFile("hero.jpg", b"GIF89a" + b"\x00" * 200, content_type="image/jpeg")
    response = client.post("/admin/articles/article/add/", _article_form(hero_image=fake))
    assert response.status_code == 200
    page = response.content.decode()
    assert "valid image" in page or "Please choose a JPEG" in page
    assert 'value="Walking after surgery"' in page
    assert not Article.objects.exists()
