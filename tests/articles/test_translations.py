"""Articles in Spanish: a complete, medically reviewed translation is shown whole; anything less
is the English article, marked lang="en" under a note; the admin refuses half a translation;
the pages cost the same queries in either language; search reads the reader's language."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.utils import timezone, translation
from PIL import Image

from articles import demo_content, publishing
from articles.models import (
    NOT_YET_TRANSLATED,
    TRANSLATION_INCOMPLETE,
    TRANSLATION_NOT_REVIEWED,
    TRANSLATION_PICTURE_TEXT_MISSING,
    Article,
)
from articles.search import search_articles
from comments.models import Comment

pytestmark = pytest.mark.django_db

ON_POSTGRESQL = connection.vendor == "postgresql"
REVIEWED_IN_SPANISH = datetime.date(2026, 10, 5)
SPANISH = {
    "title_es": "Vivir bien con una enfermedad de muestra",
    "summary_es": "De qué trata este artículo, en una frase.",
    "body_es": "Primer párrafo sobre la fisioterapia.\n\n## Un apartado\n\n- uno\n- dos",
    "last_reviewed_at_es": REVIEWED_IN_SPANISH,
}


def translate(article, **changes):
    """Give the article a Spanish translation (complete and reviewed unless `changes` say
    otherwise), stored as the admin and load_demo store it."""
    for name, value in {**SPANISH, **changes}.items():
        setattr(article, name, value)
    publishing.save_article(article)
    return article


def in_spanish(client, url, **params):
    return client.get(url, params, HTTP_ACCEPT_LANGUAGE="es")


def in_english(client, url, **params):
    return client.get(url, params, HTTP_ACCEPT_LANGUAGE="en")


def note_in_spanish():
    with translation.override("es"):
        return str(NOT_YET_TRANSLATED["es"])


@pytest.fixture
def open_thread(settings):
    settings.COMMENTS_READ_GATE = False  # anonymous readers see the whole page


# --- What a reader is shown ------------------------------------------------------------------


def test_a_spanish_reader_gets_the_reviewed_translation_whole(client, open_thread, article):
    translate(article)

    page = in_spanish(client, article.get_absolute_url()).content.decode()

    assert '<html lang="es">' in page
    assert ">Vivir bien con una enfermedad de muestra</h1>" in page
    assert "<p>Primer párrafo sobre la fisioterapia.</p>" in page and "<h2>Un apartado</h2>" in page
    # The Spanish translation's own review date, in Spanish.
    assert '<time datetime="2026-10-05">5 de octubre de 2026</time>' in page
    assert "Living well with a sample condition" not in page
    assert "Opening paragraph" not in page
    assert '<div class="article__body"><p>Primer' in page  # no lang of its own: the page's
    assert note_in_spanish() not in page


def test_an_english_reader_still_gets_the_english_article(client, open_thread, article):
    translate(article)
    english_review = article.last_reviewed_at_en

    page = in_english(client, article.get_absolute_url()).content.decode()

    assert ">Living well with a sample condition</h1>" in page
    assert "Opening paragraph of article" in page
    assert f'<time datetime="{english_review:%Y-%m-%d}">' in page
    assert "Vivir bien" not in page and "2026-10-05" not in page


def test_without_a_translation_a_spanish_reader_gets_english_marked_and_a_note(
    client, open_thread, article
):
    page = in_spanish(client, article.get_absolute_url()).content.decode()

    assert '<html lang="es">' in page
    assert f'role="note">{note_in_spanish()}</p>' in page
    assert '<h1 id="article-title" class="article__title" lang="en">Living well' in page
    assert '<div class="article__body" lang="en"><p>Opening paragraph' in page
    assert f'<time datetime="{article.last_reviewed_at_en:%Y-%m-%d}">' in page


@pytest.mark.parametrize(
    "missing",
    [
        {"last_reviewed_at_es": None},  # not reviewed
        {"body_es": ""},  # incomplete
        {"summary_es": None, "body_es": None},
    ],
    ids=["unreviewed", "no text", "title only"],
)
def test_an_incomplete_or_unreviewed_translation_is_never_shown(
    client, open_thread, article, missing
):
    translate(article, **missing)  # stored without the admin's checks, as a script might

    page = in_spanish(client, article.get_absolute_url()).content.decode()

    assert article.reviewed_translations == ""
    assert "Vivir bien" not in page and "Primer párrafo" not in page
    assert '<div class="article__body" lang="en"><p>Opening paragraph' in page
    assert note_in_spanish() in page


def test_the_picture_is_never_described_in_another_language(client, open_thread, make_article):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 36), (30, 120, 160)).save(buffer, "PNG")
    article = make_article(hero_alt="A quiet street in the morning", hero_caption="Walking helps.")
    article.hero_image.save("hero.png", ContentFile(buffer.getvalue()), save=False)
    # Complete but for the picture's texts (stored without the admin's checks): English, whole.
    translate(article)
    page = in_spanish(client, article.get_absolute_url()).content.decode()
    assert article.reviewed_translations == ""
    assert 'alt="A quiet street in the morning" lang="en"' in page
    assert f'class="article__title" lang="en">{article.title_en}</h1>' in page
    assert "Vivir bien" not in page

    article = Article.objects.get(pk=article.pk)  # as the admin has it: the file stored
    translate(
        article, hero_alt_es="Una calle tranquila por la mañana", hero_caption_es="Andar ayuda."
    )
    page = in_spanish(client, article.get_absolute_url()).content.decode()
    assert article.reviewed_translations == "es"
    assert 'alt="Una calle tranquila por la mañana"' in page and "Andar ayuda." in page
    assert "A quiet street" not in page and "Walking helps." not in page


def test_lists_search_results_and_the_feed_show_each_article_in_one_language(
    client, article, make_article
):
    translate(article)
    english_only = make_article(title="Knees and stairs", summary="Climbing with care.")

    results = in_spanish(client, "/search/", q="muestra").content.decode()
    assert "Vivir bien con una enfermedad de muestra" in results
    assert "De qué trata este artículo, en una frase." in results

    feed = in_spanish(client, "/feed/").content.decode()
    assert "<title>Vivir bien con una enfermedad de muestra</title>" in feed
    assert f"<title>{english_only.title}</title>" in feed
    assert (
        "<title>Living well with a sample condition</title>"
        in in_english(client, "/feed/").content.decode()
    )


def test_body_html_is_made_for_each_language_from_its_own_text(article):
    translate(article, body_es="## Qué saber\n\n<script>alert(1)</script>Nada más.")
    article.refresh_from_db()
    assert "<h2>Qué saber</h2>" in article.body_html_es and "<script" not in article.body_html_es
    assert "Opening paragraph" in article.body_html_en
    with translation.override("es"):
        assert article.body_html == article.body_html_es
        assert article.title == "Vivir bien con una enfermedad de muestra"
    assert article.body_html == article.body_html_en


def test_the_unsuffixed_names_are_the_english_article_when_written(make_article):
    with translation.override("es"):
        article = make_article(title="Written with Spanish active", summary="Still English.")
    article.refresh_from_db()
    assert article.title_en == "Written with Spanish active" and article.title_es is None
    # The plain columns hold the English words, whoever saves and in whichever language.
    translate(article)
    with translation.override("es"):
        publishing.save_article(article)
    plain = Article.objects.rewrite(False).filter(pk=article.pk).values_list("title", flat=True)
    assert list(plain) == ["Written with Spanish active"]
    # modeltranslation's values() of a translated field: the English, like a row read alone.
    with translation.override("es"):
        assert list(Article.objects.values_list("title", flat=True)) == [article.title_en]


def test_a_row_read_from_another_model_gives_english_at_no_extra_query(
    article, make_comment, django_assert_num_queries
):
    translate(article)
    make_comment(article)
    with translation.override("es"), django_assert_num_queries(1):
        comment = Comment.objects.select_related("article").only("pk", "article__title").get()
        assert comment.article.title == "Living well with a sample condition"


# --- The admin ---------------------------------------------------------------------------------


def _admin_form(article, **changes):
    published = timezone.localtime(article.published_at)
    form = {
        "title": article.title_en,
        "title_es": article.title_es or "",
        "slug": article.slug,
        "summary": article.summary_en,
        "summary_es": article.summary_es or "",
        "body": article.body_en,
        "body_es": article.body_es or "",
        "kind": "article",
        "video_url": "",
        "hero_alt": "",
        "hero_alt_es": "",
        "hero_caption": "",
        "hero_caption_es": "",
        "hero_credit": "",
        "status": "published",
        "published_at_0": published.strftime("%Y-%m-%d"),
        "published_at_1": published.strftime("%H:%M:%S"),
        "comments_open": "on",
        "reviewers": [r.pk for r in article.reviewers.all()],
        "last_reviewed_at": article.last_reviewed_at_en.isoformat(),
        "last_reviewed_at_es": "",
    }
    form.update(changes)
    return form


def test_clean_refuses_half_a_translation_and_an_unreviewed_one(article):
    article.title_es = "Solo el título"
    with pytest.raises(ValidationError) as refused:
        article.full_clean()
    assert refused.value.message_dict == {
        "summary_es": [str(TRANSLATION_INCOMPLETE)],
        "body_es": [str(TRANSLATION_INCOMPLETE)],
        "last_reviewed_at_es": [str(TRANSLATION_NOT_REVIEWED)],
    }

    for name, value in SPANISH.items():
        setattr(article, name, value)
    article.last_reviewed_at_es = None
    with pytest.raises(ValidationError) as refused:
        article.full_clean()
    assert refused.value.message_dict == {"last_reviewed_at_es": [str(TRANSLATION_NOT_REVIEWED)]}

    # A review date alone is no translation either.
    article.title_es = article.summary_es = article.body_es = None
    article.last_reviewed_at_es = REVIEWED_IN_SPANISH
    with pytest.raises(ValidationError) as refused:
        article.full_clean()
    assert set(refused.value.message_dict) == {"title_es", "summary_es", "body_es"}

    for name, value in SPANISH.items():
        setattr(article, name, value)
    article.full_clean()  # complete and reviewed
    article.title_es = article.summary_es = article.body_es = article.last_reviewed_at_es = None
    article.full_clean()  # or not begun


def test_clean_asks_for_the_picture_texts_the_english_article_has(article):
    article.hero_image = "articles/sample.jpg"
    article.hero_alt = "A quiet street"
    for name, value in SPANISH.items():
        setattr(article, name, value)
    with pytest.raises(ValidationError) as refused:
        article.full_clean()
    assert refused.value.message_dict == {"hero_alt_es": [str(TRANSLATION_PICTURE_TEXT_MISSING)]}


def test_the_admin_shows_why_a_translation_is_refused_and_keeps_the_article(client, staff, article):
    client.force_login(staff)
    url = f"/admin/articles/article/{article.pk}/change/"

    response = client.post(url, _admin_form(article, title_es="Solo el título"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Please correct the errors below." in page
    assert str(TRANSLATION_INCOMPLETE).split(":")[0] in page
    assert str(TRANSLATION_NOT_REVIEWED) in page
    article.refresh_from_db()
    assert article.title_es is None and article.reviewed_translations == ""


def test_the_admin_saves_a_complete_reviewed_translation_beside_the_english(client, staff, article):
    client.force_login(staff)
    url = f"/admin/articles/article/{article.pk}/change/"
    form = _admin_form(
        article,
        title_es=SPANISH["title_es"],
        summary_es=SPANISH["summary_es"],
        body_es=SPANISH["body_es"],
        last_reviewed_at_es="2026-10-05",
    )
    assert client.post(url, form).status_code == 302

    article.refresh_from_db()
    assert article.reviewed_translations == "es"
    assert article.title_en == "Living well with a sample condition"
    assert "<h2>Un apartado</h2>" in article.body_html_es
    assert "Vivir bien" in in_spanish(Client(), article.get_absolute_url()).content.decode()
    # The change page puts each Spanish field beside its English one.
    page = client.get(url).content.decode()
    assert 'name="title"' in page and 'name="title_es"' in page
    assert 'name="last_reviewed_at_es"' in page
    changelist = client.get("/admin/articles/article/").content.decode()
    assert 'class="field-translations">es<' in changelist


def test_a_staff_member_working_in_spanish_edits_the_english_under_its_own_name(
    client, staff, article
):
    translate(article)
    staff.language = "es"
    staff.save()
    client.force_login(staff)
    url = f"/admin/articles/article/{article.pk}/change/"

    page = client.get(url).content.decode()
    assert 'value="Living well with a sample condition"' in page  # the English title field
    assert 'value="Vivir bien con una enfermedad de muestra"' in page  # the Spanish one

    form = _admin_form(article, title="Living better", last_reviewed_at_es="2026-10-05")
    assert client.post(url, form).status_code == 302
    article.refresh_from_db()
    assert (article.title_en, article.title_es) == ("Living better", SPANISH["title_es"])


def test_the_review_filter_and_column_count_each_languages_own_review(
    client, staff, article, settings, make_article
):
    settings.REVIEW_INTERVAL_DAYS = 365
    translate(article, last_reviewed_at_es=timezone.localdate() - datetime.timedelta(days=400))
    current = make_article(title="Fresh everywhere")
    client.force_login(staff)

    due = client.get("/admin/articles/article/", {"review": "due"}).content.decode()
    assert "Living well" in due and "Fresh everywhere" not in due
    assert "review due (es)" in due
    up_to_date = client.get("/admin/articles/article/", {"review": "current"}).content.decode()
    assert current.title in up_to_date and "Living well" not in up_to_date


# --- What it costs -------------------------------------------------------------------------------


@pytest.mark.parametrize("translated", [True, False], ids=["translated", "english-only"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_article_page_costs_the_same_queries_in_either_language(
    client,
    settings,
    member,
    article,
    make_comment,
    translated,
    language,
    django_assert_num_queries,
):
    if translated:
        translate(article)
    make_comment(make_comment(article).article, body="Another kind word.")
    settings.PAGE_CACHE_SECONDS = 0
    url = article.get_absolute_url()
    client.get(url, HTTP_ACCEPT_LANGUAGE=language)  # the sidebar
    # As tests/comments/test_query_counts.py counts them: 1 article, 2 reviewers, 3 authors,
    # 4 the published count (the gate hides the thread).
    with django_assert_num_queries(4):
        assert client.get(url, HTTP_ACCEPT_LANGUAGE=language).status_code == 200

    member.language = language
    member.save()
    client.force_login(member)
    client.get(url)
    # 1 session, 2 member, 3 the article, 4 its reviewers, 5 its authors, 6 the thread's
    # counts, 7 the page's top-level posts, 8 those with their replies.
    with django_assert_num_queries(8):
        response = client.get(url)
    assert (b"Vivir bien" in response.content) == (translated and language == "es")


@pytest.mark.parametrize("count", [3, 30])
def test_search_in_spanish_costs_the_same_queries(
    client, make_article, count, django_assert_num_queries
):
    for n in range(count):
        translate(make_article(), title_es=f"Diabetes y alimentación {n}")
    # 1 the paginator's count of matching articles, 2 the page of them.
    with django_assert_num_queries(2):
        response = in_spanish(client, "/search/", q="diabetes")
    assert len(response.context["page"].object_list) == min(count, 10)


# --- Search, sitemap, feeds -------------------------------------------------------------------


def test_search_reads_the_language_each_article_is_shown_in(client, article, make_article):
    translate(article, body_es="La fisioterapia respiratoria ayuda a toser mejor.")
    untranslated = make_article(title="Knees", body="Physiotherapy for knees.")
    half = translate(make_article(title="Elbows"), title_es="Codos y fisioterapia")
    Article.objects.filter(pk=half.pk).update(last_reviewed_at_es=None, reviewed_translations="")

    found = in_spanish(client, "/search/", q="fisioterapia").context["page"].object_list
    assert [a.pk for a in found] == [article.pk]  # not the unreviewed "Codos y fisioterapia"
    # A Spanish reader also finds the English-only articles by their English words.
    found = in_spanish(client, "/search/", q="physiotherapy").context["page"].object_list
    assert [a.pk for a in found] == [untranslated.pk]
    # The English reader searches the English article.
    assert list(search_articles("fisioterapia", language="en")) == []
    page = in_spanish(client, "/search/", q="physiotherapy").content.decode()
    assert '<a href="/articles/' in page and 'lang="en">Knees</a>' in page


@pytest.mark.skipif(not ON_POSTGRESQL, reason="full-text search is PostgreSQL's")
def test_postgresql_searches_spanish_with_spanish_word_forms(article, make_article):
    translate(article, body_es="Los músculos paraespinales se debilitan tras la operación.")
    make_article(title="Muscles", body="Muscles weaken.")
    with translation.override("es"):
        assert list(search_articles("músculo debilitado")) == [article]  # stems, no accents lost
        assert list(search_articles("la")) == []  # a Spanish stop word


@pytest.mark.skipif(not ON_POSTGRESQL, reason="the GIN indexes exist on PostgreSQL only")
def test_postgresql_uses_the_gin_index_of_each_language_for_a_spanish_reader(article):
    from articles import search

    translate(article)
    spanish = search.shown_in("es")
    query = search._full_text(
        Article.objects.all(), "fisioterapia", [("es", spanish), ("en", ~spanish)]
    ).values("pk")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")  # as test_search.py says why
        plan = query.explain()
    assert "article_search_es_idx" in plan and "article_search_idx" in plan


def test_the_sitemap_lists_articles_reviewed_in_english_in_any_language(client, article):
    translate(article)
    never = Article.objects.create(
        title="Never reviewed",
        slug="never-reviewed",
        summary="s",
        body="b",
        status="published",
        published_at=timezone.now(),
    )
    for language in ("en", "es"):
        sitemap = client.get("/sitemap.xml", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert article.get_absolute_url() in sitemap
        assert never.get_absolute_url() not in sitemap


# --- The demo -------------------------------------------------------------------------------


def test_the_demo_has_two_complete_spanish_translations_and_english_only_articles():
    spanish = [data for data in demo_content.ARTICLES if data["title_es"]]
    english_only = [data for data in demo_content.ARTICLES if not data["title_es"]]
    assert len(spanish) >= 2 and english_only
    for data in spanish:
        article = Article(
            **{name: data[name] for name in ("title", "summary", "body", "last_reviewed_at")},
            **{name: data[name] for name in demo_content.SPANISH_FIELDS},
            hero_image="articles/demo.png" if data.get("hero_image_name") else "",
            hero_alt=data.get("hero_alt", ""),
            hero_caption=data.get("hero_caption", ""),
        )
        assert article.translation_problems("es") == {}, data["slug"]
        assert article.has_reviewed_translation("es")
        assert data["last_reviewed_at_es"] != data["last_reviewed_at"]  # its own review
        for name in ("title_es", "summary_es", "hero_alt_es", "hero_caption_es"):
            field = Article._meta.get_field(name)
            assert len(data[name] or "") <= field.max_length, (data["slug"], name)
