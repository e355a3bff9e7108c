"""`manage.py load_demo`: load Kindred's sample articles and invented reviewer profiles.

Safe to run again and again: rows are matched by slug and only written when something differs,
so a second run leaves every row (and its `updated_at`) as it was.
"""

import io
import math

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext
from PIL import Image, ImageDraw

from articles import demo_content, publishing
from articles.models import Article, Reviewer

HERO_SIZE = (1200, 675)
ARTICLE_FIELDS = (
    "title",
    "summary",
    "body",
    "kind",
    "video_url",
    "published_at",
    "last_reviewed_at",
    "hero_alt",
    "hero_caption",
    "hero_credit",
    *demo_content.SPANISH_FIELDS,  # the Spanish translations of two articles
)
PERSON_FIELDS = ("name", "credentials", "headline", "bio")


class Command(BaseCommand):
    help = "Load the sample articles and reviewer profiles. Running it twice changes nothing."

    def handle(self, *args, **options):
        tally = {"created": 0, "updated": 0, "unchanged": 0}
        with transaction.atomic():
            people = {}
            for data in demo_content.PEOPLE:
                fields = {name: data[name] for name in PERSON_FIELDS}
                fields["is_sample"] = True
                people[data["slug"]], outcome = sync_row(
                    Reviewer, data["slug"], fields, publishing.save_reviewer
                )
                tally[outcome] += 1
            for data in demo_content.ARTICLES:
                tally[load_article(data, people)] += 1
        if settings.DEBUG:
            self.stdout.write(ensure_demo_editor())
        self.stdout.write(
            self.style.SUCCESS(
                gettext(
                    "Demo content: %(articles)d articles, %(people)d people "
                    "(created %(created)d, updated %(updated)d, unchanged %(unchanged)d)"
                )
                % {
                    "articles": len(demo_content.ARTICLES),
                    "people": len(demo_content.PEOPLE),
                    **tally,
                }
            )
        )


DEMO_EDITOR_EMAIL = "editor@example.org"
DEMO_EDITOR_PASSWORD = "kindred-demo-editor"  # noqa: S105 - development only (DEBUG)


def ensure_demo_editor():
    """A staff account to try the admin with under `make run` (never without DEBUG: anyone who
    knows its password could sign in first and set up their own authenticator). The admin asks
    it to set up an authenticator app on the first visit, after the link mailed to its address
    (the console, under `make run`), as it asks every staff member."""
    from allauth.account.models import EmailAddress

    from accounts.models import User

    editor = User.objects.filter(email=DEMO_EDITOR_EMAIL).first()
    if editor is None:
        editor = User.objects.create_user(
            email=DEMO_EDITOR_EMAIL,
            password=DEMO_EDITOR_PASSWORD,
            display_name="Demo Editor",
            is_staff=True,
            is_superuser=True,
        )
        EmailAddress.objects.create(user=editor, email=editor.email, verified=True, primary=True)
    return gettext(
        "Demo editor for /%(admin_url)s: %(email)s / %(password)s (on the first visit, open the "
        "set-up link mailed to it, which runserver prints in this console, then set up an "
        "authenticator app)"
    ) % {
        "admin_url": settings.ADMIN_URL,
        "email": DEMO_EDITOR_EMAIL,
        "password": DEMO_EDITOR_PASSWORD,
    }


def sync_row(model, slug, fields, save, before_create=None):
    """Create the row or bring it up to date with `save` (articles.publishing, which rebuilds
    the Markdown's HTML); return (row, "created"|"updated"|"unchanged")."""
    row = model.objects.filter(slug=slug).first()
    if row is None:
        row = model(slug=slug, **fields)
        if before_create:
            before_create(row)
        save(row)
        return row, "created"
    changed = {name: value for name, value in fields.items() if getattr(row, name) != value}
    if not changed:
        return row, "unchanged"
    for name, value in changed.items():
        setattr(row, name, value)
    save(row)
    return row, "updated"


def load_article(data, people):
    fields = {name: data.get(name, "") for name in ARTICLE_FIELDS}
    fields["last_reviewed_at"] = data["last_reviewed_at"]
    fields["status"] = Article.Status.PUBLISHED
    fields["newsletter"] = False  # a back catalogue: nobody is mailed for the demo
    fields["is_sample"] = True
    image_name = data.get("hero_image_name")

    def attach_image(article):
        article.hero_image.save(image_name, ContentFile(draw_hero_image()), save=False)

    article, outcome = sync_row(
        Article,
        data["slug"],
        fields,
        publishing.save_article,
        before_create=attach_image if image_name else None,
    )
    if image_name and outcome != "created" and not has_stored_file(article.hero_image):
        # Also covers a wiped media folder: the row remembers a file that is gone.
        attach_image(article)
        publishing.save_article(article)
        outcome = "updated"
    people_now = {
        relation: {people[slug].pk for slug in data[relation]}
        for relation in ("authors", "reviewers")
    }
    changed = {
        relation: wanted
        for relation, wanted in people_now.items()
        if set(getattr(article, relation).values_list("pk", flat=True)) != wanted
    }
    if changed:
        publishing.set_people(article, **changed)
        if outcome == "unchanged":
            outcome = "updated"
    return outcome


def has_stored_file(field_file):
    return bool(field_file) and field_file.storage.exists(field_file.name)


def draw_hero_image():
    """A soft illustration of a spine with a back brace around its lower part, as PNG bytes."""
    width, height = HERO_SIZE
    image = Image.new("RGB", HERO_SIZE)
    draw = ImageDraw.Draw(image)

    top, bottom = (214, 232, 244), (250, 226, 212)  # pale blue fading into peach
    for y in range(height):
        t = y / (height - 1)
        shade = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=shade)
    draw.ellipse((380, 60, 820, 620), fill=(236, 244, 248))

    # The brace first, so the spine reads as sitting inside it.
    center_x = width // 2
    brace_top, brace_bottom = 330, 610
    draw.rounded_rectangle(
        (center_x - 170, brace_top, center_x + 170, brace_bottom),
        radius=48,
        fill=(222, 235, 246),
        outline=(74, 120, 156),
        width=10,
    )
    for strap_y in (brace_top + 70, brace_top + 140, brace_top + 210):
        draw.line(
            [(center_x - 230, strap_y), (center_x + 230, strap_y)], fill=(74, 120, 156), width=8
        )
        for side in (-1, 1):
            buckle_x = center_x + side * 230
            draw.rounded_rectangle(
                (buckle_x - 14, strap_y - 16, buckle_x + 14, strap_y + 16),
                radius=6,
                fill=(222, 235, 246),
                outline=(74, 120, 156),
                width=5,
            )

    vertebra_count = 13
    first_y, step = 80, 40
    for index in range(vertebra_count):
        y = first_y + index * step
        # A gentle S-curve, like a spine seen from the side.
        x = center_x + round(22 * math.sin(index / (vertebra_count - 1) * 2 * math.pi))
        half_width = 46 + index * 3
        draw.rounded_rectangle(
            (x - half_width, y, x + half_width, y + 28),
            radius=12,
            fill=(255, 250, 240),
            outline=(176, 150, 128),
            width=3,
        )
        draw.ellipse((x - 10, y + 6, x + 10, y + 22), fill=(232, 206, 186))
        if index < vertebra_count - 1:
            draw.rounded_rectangle(
                (x - half_width + 12, y + 30, x + half_width - 12, y + 38),
                radius=4,
                fill=(240, 160, 150),
            )

    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
