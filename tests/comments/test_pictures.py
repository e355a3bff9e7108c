"""Pictures: re-encoded without metadata, resized, and anything else refused with a message."""

import io
import re

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


def test_a_sideways_phone_photo_is_stored_upright(poster, article, post_comment):
    """Phones store a portrait photo sideways and say in EXIF how to turn it."""
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: turn 90 degrees clockwise to show
    post_comment(
        poster, article, image=_upload(_image_bytes(size=(400, 300), exif=exif)), image_alt="x"
    )
    with _stored(Comment.objects.get().image) as image:
        assert image.size == (300, 400)
        assert not image.getexif()


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
            "Please choose a JPEG, PNG, WebP, GIF or HEIC picture.",
        ),
        (
            b"MZ\x90\x00" + b"\x00" * 2000,
            "holiday.jpg",
            "Please choose a JPEG, PNG, WebP, GIF or HEIC",
        ),
        (_bomb(), "big.png", "too many pixels"),
        (_image_bytes(size=(400, 300))[:300], "cut.jpg", "damaged or incomplete"),
        (_image_bytes("BMP"), "old.jpg", "Please choose a JPEG, PNG, WebP, GIF or HEIC picture."),
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


# --- iPhone photos: HEIC/HEIF, made here with pillow-heif ------------------------------------


def _heic_with_gps(size=(2000, 1500)):
    """A HEIC photo as a phone writes one: EXIF with the camera and a GPS position, XMP, and an
    embedded thumbnail (a second, smaller image in the file)."""
    import pillow_heif

    exif = Image.Exif()
    exif[0x010F] = "SampleCam"  # camera make
    gps = exif.get_ifd(0x8825)
    gps[2] = (51.0, 30.0, 0.0)  # latitude
    gps[4] = (0.0, 7.0, 0.0)  # longitude
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description>SampleXMP</rdf:Description>'
    buffer = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", size, (200, 80, 40))).save(
        buffer, quality=60, exif=exif.tobytes(), xmp=xmp + b"</x:xmpmeta>", thumbnails=[256]
    )
    return buffer.getvalue()


def _heic_upload(content, name="IMG_0001.HEIC"):
    return _upload(content, name, content_type="image/heic")


def test_heic_photo_is_stored_as_webp_without_exif_gps_or_xmp(poster, article, post_comment):
    original = _heic_with_gps()
    assert b"SampleCam" in original and b"SampleXMP" in original
    response = post_comment(
        poster, article, image=_heic_upload(original), image_alt="A sample photo of a ramp"
    )
    assert response.status_code == 302
    comment = Comment.objects.get()
    with comment.image.open("rb") as handle:
        stored = handle.read()
    assert b"SampleCam" not in stored and b"SampleXMP" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "WEBP"
        assert max(image.size) == 1280  # from the full picture, not its 256 px thumbnail
        assert (comment.image_width, comment.image_height) == image.size == (1280, 960)
        assert not image.getexif()
        assert not image.getexif().get_ifd(0x8825)  # no GPS
        assert "exif" not in image.info and "xmp" not in image.info
    with _stored(comment.image_thumb) as thumb:
        assert thumb.format == "WEBP" and max(thumb.size) == 320
        assert "exif" not in thumb.info and "xmp" not in thumb.info


def test_file_chooser_offers_heic(poster, article):
    page = poster.get(article.get_absolute_url()).content.decode()
    accept = re.search(r'<input type="file" name="image"[^>]*accept="([^"]*)"', page)
    offered = set(accept.group(1).split(","))
    assert {".heic", ".heif", "image/heic", "image/heif", "image/jpeg"} <= offered


def test_the_pixel_limit_keeps_a_current_iphones_default_photo(settings):
    """The limit is set by memory (docs/settings.md), but never below a phone's own default."""
    assert settings.PICTURE_MAX_PIXELS >= 5712 * 4284  # 24 MP, the iPhone 15's and later


def test_heic_over_the_pixel_limit_is_refused_and_the_text_stays(
    poster, article, post_comment, settings
):
    settings.PICTURE_MAX_PIXELS = 2_000_000
    response = post_comment(
        poster,
        article,
        body="My knee, two weeks after surgery",
        image=_heic_upload(_heic_with_gps(size=(2000, 1500))),  # 3 megapixels
        image_alt="A knee",
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "That picture has too many pixels" in page and "at most 2 megapixels" in page
    assert "My knee, two weeks after surgery</textarea>" in page
    assert not Comment.objects.exists()
    assert _files(settings) == []


@pytest.mark.parametrize(
    "content",
    [b"These are my notes, not a photo.\n" * 40, _image_bytes("BMP")],
    ids=["text", "bitmap"],
)
def test_a_file_named_heic_that_is_not_one_is_refused(
    poster, article, post_comment, settings, content
):
    response = post_comment(
        poster, article, body="See this", image=_heic_upload(content), image_alt="Sample"
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Please choose a JPEG, PNG, WebP, GIF or HEIC picture." in page
    assert "See this</textarea>" in page
    assert not Comment.objects.exists()
    assert _files(settings) == []


def test_a_damaged_heic_is_refused(poster, article, post_comment, settings):
    whole = _heic_with_gps(size=(640, 480))
    response = post_comment(
        poster, article, image=_heic_upload(whole[: len(whole) // 2]), image_alt="Sample"
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "That picture seems damaged or incomplete. Please try another." in page
    assert not Comment.objects.exists()


# --- Who may see a picture, and for how long ------------------------------------------------
# Pictures of posts that are not published are private; a moderator's "no" deletes them.


def _post_picture(client, article, post_comment, body="With a picture"):
    post_comment(client, article, body=body, image=_upload(_image_bytes()), image_alt="A ramp")
    return Comment.objects.get(body=body)


def _files(settings):
    media = settings.MEDIA_ROOT
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


def _stranger(client):
    return type(client)()


def _get(client, url):
    """GET, reading a streamed file to its end as a browser would (the test client then closes
    it; closing it here would also close the database connection, as a request's end does)."""
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)
    return response


@pytest.fixture
def held(settings):
    """A new author's first post waits for review (the site's default)."""
    from comments.models import ModerationRules

    ModerationRules.objects.update_or_create(pk=1, defaults={"new_author_held_posts": 1})


def test_published_picture_is_served_to_anyone(poster, client, article, post_comment):
    comment = _post_picture(poster, article, post_comment)
    assert comment.is_published
    page = _get(poster, article.get_absolute_url()).content.decode()
    assert f'src="{comment.thumb_url}"' in page and f'href="{comment.picture_url}"' in page
    response = _get(_stranger(client), comment.picture_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert _get(_stranger(client), comment.thumb_url).status_code == 200


def test_picture_names_are_random_and_unguessable(poster, article, post_comment):
    first = _post_picture(poster, article, post_comment, body="One")
    second = _post_picture(poster, article, post_comment, body="Two")
    names = [first.image.name, first.image_thumb.name, second.image.name, second.image_thumb.name]
    assert len(set(names)) == 4
    for name in names:
        stem = name.rsplit("/", 1)[-1].removesuffix(".webp")
        assert "picture" not in name
        assert len(stem) >= 22  # 128 random bits, URL-safe


@pytest.mark.parametrize("action", ["reject", "mark_spam", "ban_author"])
def test_moderators_no_deletes_the_picture_at_once(
    action, poster, client, article, post_comment, moderator, settings
):
    from comments import moderator_actions

    comment = _post_picture(poster, article, post_comment)
    url, thumb = comment.picture_url, comment.thumb_url
    assert _get(client, url).status_code == 200
    if action == "ban_author":
        # A ban rejects the author's waiting posts: hidden by reports, this one waits.
        Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.PENDING)
        comment.refresh_from_db()
        moderator_actions.ban_author(comment, moderator, reason="Spam run")
    else:
        extra = ["spam"] if action == "reject" else []  # reject takes a reason
        getattr(moderator_actions, action)(comment, moderator, *extra)
    comment.refresh_from_db()
    assert comment.status in (Comment.Status.REJECTED, Comment.Status.SPAM)
    assert _get(client, url).status_code == 404
    assert _get(client, thumb).status_code == 404
    assert _files(settings) == []
    assert not comment.image and not comment.image_thumb


def test_bulk_reject_in_the_admin_deletes_the_pictures(
    poster, client, article, post_comment, moderator, settings
):
    comment = _post_picture(poster, article, post_comment)
    url = comment.picture_url
    admin = _stranger(client)
    admin.force_login(moderator)
    admin.post(
        "/admin/comments/comment/",
        {"action": "reject", "reject_reason": "misinformation", "_selected_action": [comment.pk]},
    )
    assert Comment.objects.get().status == Comment.Status.REJECTED
    assert _get(client, url).status_code == 404
    assert _files(settings) == []


def test_a_rejected_post_comes_back_without_its_picture(
    poster, client, article, post_comment, moderator
):
    from comments import moderator_actions

    comment = _post_picture(poster, article, post_comment, body="Words and a picture")
    moderator_actions.reject(comment, moderator, "off_topic")
    admin = _stranger(client)
    admin.force_login(moderator)
    change = _get(admin, f"/admin/comments/comment/{comment.pk}/change/").content.decode()
    assert "Deleted for good when the post was rejected" in change
    admin.post("/admin/comments/comment/", {"action": "approve", "_selected_action": [comment.pk]})
    comment.refresh_from_db()
    assert comment.is_published and not comment.image
    page = _get(poster, article.get_absolute_url()).content.decode()
    assert "Words and a picture" in page and "comment__picture" not in page


def test_a_rejected_picture_only_post_cannot_be_approved(
    poster, client, article, post_comment, moderator
):
    from comments import moderator_actions

    post_comment(poster, article, image=_upload(_image_bytes()), image_alt="Only a picture")
    comment = Comment.objects.get()
    moderator_actions.mark_spam(comment, moderator)
    admin = _stranger(client)
    admin.force_login(moderator)
    response = admin.post(
        "/admin/comments/comment/",
        {"action": "approve", "_selected_action": [comment.pk]},
        follow=True,
    )
    assert "they were only a picture" in response.content.decode()
    assert Comment.objects.get().status == Comment.Status.SPAM


def test_waiting_posts_picture_is_shown_to_its_author_and_staff_only(
    held, poster, client, article, post_comment, moderator, member
):
    comment = _post_picture(poster, article, post_comment)
    assert comment.status == Comment.Status.PENDING
    stored_url = comment.image.url  # where the storage keeps it
    assert _get(_stranger(client), stored_url).status_code == 404
    another = _stranger(client)
    another.force_login(
        type(member).objects.create_user(email="o@example.org", password="x" * 12, display_name="O")
    )
    for visitor in (_stranger(client), another):
        assert _get(visitor, comment.picture_url).status_code == 404
        assert _get(visitor, comment.thumb_url).status_code == 404
    own = _get(poster, comment.picture_url)
    assert own.status_code == 200 and own["Content-Type"] == "image/webp"
    assert own["Cache-Control"] == "private, no-store"
    assert own["Content-Security-Policy"] == "default-src 'none'; img-src 'self'; sandbox"
    page = _get(poster, article.get_absolute_url()).content.decode()
    assert f'src="{comment.thumb_url}"' in page
    admin = _stranger(client)
    admin.force_login(moderator)
    assert _get(admin, comment.thumb_url).status_code == 200
    queue_page = _get(admin, "/admin/comments/comment/").content.decode()
    assert f'src="{comment.thumb_url}"' in queue_page


def test_guests_waiting_picture_is_theirs_alone(
    client, article, post_comment, make_subscriber, guest_login
):
    guest = make_subscriber(confirmed=False)
    guest_login(client, guest, proven=False)
    comment = _post_picture(client, article, post_comment)
    assert comment.status == Comment.Status.AWAITING_EMAIL
    assert _get(client, comment.picture_url).status_code == 200
    other = guest_login(_stranger(client), make_subscriber(), proven=True)
    assert _get(other, comment.picture_url).status_code == 404
    assert _get(other, comment.image.url).status_code == 404


def test_approving_makes_the_picture_public_under_a_new_name(
    held, poster, client, article, post_comment, moderator, settings
):
    from comments import moderator_actions

    comment = _post_picture(poster, article, post_comment)
    private_name = comment.image.name
    moderator_actions.approve(comment, moderator)
    comment.refresh_from_db()
    assert comment.image.name != private_name
    assert _get(_stranger(client), comment.picture_url).status_code == 200
    assert len(_files(settings)) == 2  # the display size and the thumbnail, nothing left over


def test_post_hidden_by_reports_takes_its_picture_out_of_public_view(
    poster, client, article, post_comment, moderator, member
):
    from comments import moderator_actions
    from comments.models import ModerationRules

    ModerationRules.objects.update_or_create(pk=1, defaults={"report_threshold": 2})
    comment = _post_picture(poster, article, post_comment)
    public_url = comment.picture_url
    for n in (1, 2):
        reader = _stranger(client)
        reader.force_login(
            type(member).objects.create_user(
                email=f"reader{n}@example.org", password="x" * 12, display_name=f"Reader {n}"
            )
        )
        reader.post(
            f"/comments/{comment.pk}/report/",
            {"reason": "misinformation"},
            REMOTE_ADDR=f"198.51.{100 + n}.1",  # distinct networks (/24)
        )
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING
    assert _get(client, public_url).status_code == 404
    assert _get(_stranger(client), comment.picture_url).status_code == 404
    assert _get(poster, comment.picture_url).status_code == 200
    moderator_actions.approve(comment, moderator)
    comment.refresh_from_db()
    assert _get(_stranger(client), comment.picture_url).status_code == 200


def test_media_view_refuses_the_private_folder_by_any_path(
    held, poster, client, article, post_comment
):
    comment = _post_picture(poster, article, post_comment)
    name = comment.image.name
    for path in (f"/media/{name}", f"/media/comments/../{name}", f"/media//{name}"):
        assert _get(client, path).status_code == 404, path


def test_pictures_move_through_any_django_storage(
    held, poster, client, article, post_comment, moderator, settings
):
    """No file-system calls: the same steps work with S3 (django-storages)."""
    from django.core.files.storage import default_storage

    from comments import moderator_actions

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    comment = _post_picture(poster, article, post_comment)
    private = comment.image.name
    assert default_storage.exists(private)
    moderator_actions.approve(comment, moderator)
    comment.refresh_from_db()
    public = comment.image.name
    assert not default_storage.exists(private) and default_storage.exists(public)
    moderator_actions.reject(comment, moderator, "off_topic")
    assert not default_storage.exists(public)
    assert _files(settings) == []


def test_pictures_stored_before_the_upgrade_are_put_in_place(
    poster, client, article, post_comment, moderator, settings
):
    """Pictures uploaded under the old scheme (public, guessable names) whatever the status."""
    from django.core.files.base import ContentFile
    from django.core.management import call_command

    waiting = _post_picture(poster, article, post_comment, body="Waiting")
    rejected = _post_picture(poster, article, post_comment, body="Rejected")
    for comment, status in ((waiting, Comment.Status.PENDING), (rejected, Comment.Status.REJECTED)):
        for field in (comment.image, comment.image_thumb):
            field.storage.delete(field.name)
            field.name = field.storage.save("comments/2025/01/picture.webp", ContentFile(b"x"))
        comment.status = status
        Comment.objects.filter(pk=comment.pk).update(
            status=status, image=comment.image.name, image_thumb=comment.image_thumb.name
        )
    old_url = Comment.objects.get(pk=waiting.pk).image.url
    assert _get(client, old_url).status_code == 200

    call_command("sync_pictures", stdout=io.StringIO())
    call_command("sync_pictures", stdout=io.StringIO())  # a second run changes nothing

    assert _get(client, old_url).status_code == 404
    waiting.refresh_from_db()
    assert _get(poster, waiting.picture_url).status_code == 200
    assert _get(_stranger(client), waiting.picture_url).status_code == 404
    assert not Comment.objects.get(pk=rejected.pk).image
    assert len(_files(settings)) == 2


def test_an_article_with_comments_is_not_deleted_behind_its_pictures_back(
    poster, client, article, post_comment, staff, settings
):
    """Deleting an article would take its comments with it but leave their picture files
    reachable: the admin refuses until the comments (and so their files) are deleted."""
    comment = _post_picture(poster, article, post_comment)
    url = comment.picture_url
    admin = _stranger(client)
    admin.force_login(staff)

    refused = admin.post(f"/admin/articles/article/{article.pk}/delete/", {"post": "yes"})
    assert "would require deleting the following protected related objects" in (
        refused.content.decode()
    )
    assert type(article).objects.filter(pk=article.pk).exists()

    admin.post(
        "/admin/comments/comment/",
        {"action": "delete_selected", "_selected_action": [comment.pk], "post": "yes"},
    )
    assert _get(client, url).status_code == 404 and _files(settings) == []
    admin.post(f"/admin/articles/article/{article.pk}/delete/", {"post": "yes"})
    assert not type(article).objects.filter(pk=article.pk).exists()


def _reply_with_picture(client, article, post_comment, parent, body):
    post_comment(
        client,
        article,
        body=body,
        parent=parent.pk,
        image=_upload(_image_bytes()),
        image_alt="A ramp, again",
    )
    return Comment.objects.get(body=body)


@pytest.mark.parametrize("how", ["single", "bulk"])
def test_deleting_a_post_in_the_admin_deletes_its_replies_pictures_too(
    how, poster, client, article, post_comment, staff, settings
):
    """The replies go with the post (a database cascade): their pictures must not stay public."""
    post = _post_picture(poster, article, post_comment, body="The post")
    reply = _reply_with_picture(poster, article, post_comment, post, "A reply")
    deeper = _reply_with_picture(poster, article, post_comment, reply, "A reply to the reply")
    urls = [c.picture_url for c in (post, reply, deeper)] + [
        c.thumb_url for c in (post, reply, deeper)
    ]
    assert all(_get(_stranger(client), url).status_code == 200 for url in urls)
    count = 'conversation__count">(3)<'
    assert count in _get(_stranger(client), article.get_absolute_url()).content.decode()
    admin = _stranger(client)
    admin.force_login(staff)

    if how == "single":
        admin.post(f"/admin/comments/comment/{post.pk}/delete/", {"post": "yes"})
    else:
        admin.post(
            "/admin/comments/comment/",
            {"action": "delete_selected", "_selected_action": [post.pk], "post": "yes"},
        )

    assert not Comment.objects.exists()
    assert [_get(_stranger(client), url).status_code for url in urls] == [404] * len(urls)
    assert _files(settings) == []
    page = _get(_stranger(client), article.get_absolute_url()).content.decode()
    assert count not in page  # the cached page follows
