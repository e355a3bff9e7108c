"""Contact, privacy notice, community guidelines and terms of use: written by staff in the
admin, shown at fixed addresses, linked from every page's footer."""

import pytest
from django.test import Client

from articles.models import SitePage

pytestmark = pytest.mark.django_db

ADDRESSES = {
    "contact": "/contact/",
    "privacy": "/privacy/",
    "guidelines": "/guidelines/",
    "terms": "/terms/",
}


def _admin(user):
    client = Client()
    client.force_login(user)
    return client


def _edit(staff, kind, **changes):
    page = SitePage.objects.get(kind=kind)
    form = {"title": page.title, "body": page.body, **changes}
    if page.is_sample and "is_sample" not in changes:
        form["is_sample"] = "on"
    response = _admin(staff).post(f"/admin/articles/sitepage/{page.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()


@pytest.mark.parametrize("kind", ADDRESSES)
def test_each_page_shows_its_sample_text_from_the_migration(client, kind):
    page = SitePage.objects.get(kind=kind)
    response = client.get(ADDRESSES[kind])
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<h1 id="site-page-title">{page.title}</h1>' in html
    assert "Sample text: the operator of this site replaces this page" in html
    assert '<meta name="robots" content="noindex">' in html  # a sample is not for search engines


def test_privacy_notice_gives_the_real_ip_retention_and_points_to_the_data_pages(client, settings):
    html = client.get("/privacy/").content.decode()
    assert f"IP addresses are deleted {settings.IP_RETENTION_DAYS} days after" in html
    assert 'href="/account/"' in html
    assert "Download or delete your data" in html


def test_guidelines_point_to_the_crisis_resources(client):
    assert 'href="/resources/"' in client.get("/guidelines/").content.decode()


def test_staff_edit_is_rendered_from_markdown_and_sanitized(client, staff):
    body = (
        "## Write to us\n\nAt **help@example.org**.\n\n"
        "<script>alert('x')</script>\n\n[x](javascript:alert(1))"
    )
    _edit(staff, "contact", title="Get in touch", body=body, is_sample="")
    html = client.get("/contact/").content.decode()
    assert "<h2>Write to us</h2>" in html
    assert "<strong>help@example.org</strong>" in html
    assert "<script>alert" not in html and "javascript:" not in html
    assert 'name="robots" content="noindex"' not in html  # the operator's own text now
    assert "<title>Get in touch | Kindred</title>" in html


def test_staff_edit_shows_at_once_on_a_cached_page(client, staff):
    assert client.get("/terms/")["X-Page-Cache"] == "miss"
    cached = client.get("/terms/")
    assert cached["X-Page-Cache"] == "hit" and "public" in cached["Cache-Control"]
    _edit(staff, "terms", body="Our own terms, *freshly* written.")
    response = client.get("/terms/")
    assert response["X-Page-Cache"] == "miss"
    assert "Our own terms, <em>freshly</em> written." in response.content.decode()
    assert client.get("/privacy/")["X-Page-Cache"] == "miss"  # first read: its own copy
    assert client.get("/privacy/")["X-Page-Cache"] == "hit"  # untouched by the terms' edit


def test_pages_are_edited_never_added_or_deleted_in_the_admin(staff):
    admin = _admin(staff)
    page = SitePage.objects.get(kind="privacy")
    assert admin.get("/admin/articles/sitepage/add/").status_code == 403
    assert admin.get(f"/admin/articles/sitepage/{page.pk}/delete/").status_code == 403
    listing = admin.get("/admin/articles/sitepage/").content.decode()
    assert "Privacy notice" in listing and "/privacy/" in listing


def test_footer_of_the_article_page_links_to_the_four_pages(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    footer = html[html.index('<footer class="site-footer">') :]
    for label, address in [
        ("Contact", "/contact/"),
        ("Community guidelines", "/guidelines/"),
        ("Privacy notice", "/privacy/"),
        ("Terms of use", "/terms/"),
    ]:
        assert f'<a href="{address}">{label}</a>' in footer


# --- In Spanish (articles/translation.py; docs/article-translations.md, "Site pages") ---------

SPANISH_TITLES = {
    "contact": "Contacto",
    "privacy": "Aviso de privacidad",
    "guidelines": "Normas de la comunidad",
    "terms": "Condiciones de uso",
}
NOT_YET = "Esta página aún no está disponible en español."


def _spanish(client, address):
    return client.get(address, HTTP_ACCEPT_LANGUAGE="es")


def _main(html):
    """The page's own content (the footer's language switcher names English in English)."""
    return html[html.index("<main") : html.index("</main>")]


@pytest.mark.parametrize("kind", ADDRESSES)
def test_a_spanish_reader_gets_the_spanish_sample_text_from_the_migration(client, kind):
    response = _spanish(client, ADDRESSES[kind])
    html = response.content.decode()
    assert response.status_code == 200 and response["Content-Language"] == "es"
    assert f'<h1 id="site-page-title">{SPANISH_TITLES[kind]}</h1>' in html
    assert "Texto de muestra: el responsable de este sitio sustituye esta página" in html
    assert '<meta name="robots" content="noindex">' in html  # still a sample
    assert NOT_YET not in html and 'lang="en"' not in _main(html)
    # The English page is unchanged for an English reader.
    english = client.get(ADDRESSES[kind], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert SPANISH_TITLES[kind] not in english and NOT_YET not in english


def test_the_spanish_privacy_notice_gives_the_real_retention_and_links(client, settings):
    html = _spanish(client, "/privacy/").content.decode()
    assert f"Las direcciones IP se eliminan {settings.IP_RETENTION_DAYS} días después" in html
    assert f"se guarda {settings.MAIL_BODY_RETENTION_DAYS} días" in html
    assert 'href="/account/"' in html and 'href="/contact/"' in html
    assert "Descargar o eliminar tus datos" in html  # as the mails' link says it


def test_a_page_without_spanish_is_the_english_page_marked_under_a_note(client):
    SitePage.objects.filter(kind="terms").update(title_es=None, body_es=None, body_html_es=None)
    page = SitePage.objects.get(kind="terms")
    html = _spanish(client, "/terms/").content.decode()
    assert '<html lang="es">' in html
    assert (
        f'<p class="alert alert-secondary site-page__language-note" role="note">{NOT_YET}</p>'
        in html
    )
    assert f'<h1 id="site-page-title" lang="en">{page.title_en}</h1>' in html
    assert f'<div lang="en">{page.body_html_en}</div>' in html
    assert "Actualizado el" in html  # the rest of the page is the reader's


def test_half_a_translation_is_not_shown(client):
    """A Spanish title without its text (saved some other way than the admin, which refuses
    it): the whole page is English, never a Spanish title over an English text."""
    SitePage.objects.filter(kind="contact").update(body_es="", body_html_es="")
    html = _spanish(client, "/contact/").content.decode()
    assert "Contacto</h1>" not in html
    assert '<h1 id="site-page-title" lang="en">Contact us</h1>' in html and NOT_YET in html


def _edit_both(staff, kind, **changes):
    page = SitePage.objects.get(kind=kind)
    form = {
        "title": page.title_en,
        "body": page.body_en,
        "title_es": page.title_es or "",
        "body_es": page.body_es or "",
        "is_sample": "on" if page.is_sample else "",
        **changes,
    }
    return _admin(staff).post(f"/admin/articles/sitepage/{page.pk}/change/", form)


def test_staff_edit_both_languages_side_by_side_in_the_admin(staff):
    staff.language = "es"  # a staff member working in Spanish still edits the English page
    staff.save(update_fields=["language"])
    admin = _admin(staff)
    page = SitePage.objects.get(kind="guidelines")
    form = admin.get(f"/admin/articles/sitepage/{page.pk}/change/").content.decode()
    assert 'name="title" ' in form and 'value="Community guidelines"' in form
    assert 'name="title_es"' in form and 'value="Normas de la comunidad"' in form
    assert 'name="body_es"' in form
    assert "jquery-ui" not in form.lower()  # not modeltranslation's tabs (a CDN)
    response = _edit_both(
        staff,
        "guidelines",
        title="Our rules",
        body="Be kind.",
        title_es="Nuestras normas",
        body_es="Sé **amable**.",
        is_sample="",
    )
    assert response.status_code == 302, response.content.decode()
    page.refresh_from_db()
    assert (page.title_en, page.body_en) == ("Our rules", "Be kind.")
    assert (page.title_es, page.body_es) == ("Nuestras normas", "Sé **amable**.")
    assert page.body_html_es == "<p>Sé <strong>amable</strong>.</p>"
    # The unsuffixed columns hold the English page, whoever saved.
    plain = SitePage.objects.filter(pk=page.pk).raw_values("title", "body_html").get()
    assert plain == {"title": "Our rules", "body_html": "<p>Be kind.</p>"}
    listing = admin.get("/admin/articles/sitepage/").content.decode()
    assert "Our rules" in listing


def test_the_admin_refuses_half_a_translation(staff):
    response = _edit_both(staff, "terms", title_es="Condiciones", body_es="")
    assert response.status_code == 200
    assert "A translation needs its title and text" in response.content.decode()
    assert SitePage.objects.get(kind="terms").body_es  # unchanged
    # Clearing both leaves the page English-only.
    assert _edit_both(staff, "terms", title_es="", body_es="").status_code == 302
    page = SitePage.objects.get(kind="terms")
    assert not page.title_es and not page.body_es and not page.body_html_es


def test_a_spanish_edit_shows_at_once_on_a_cached_spanish_page(client, staff):
    assert _spanish(client, "/terms/")["X-Page-Cache"] == "miss"
    assert _spanish(client, "/terms/")["X-Page-Cache"] == "hit"
    assert client.get("/terms/", HTTP_ACCEPT_LANGUAGE="en")["X-Page-Cache"] == "miss"  # its own
    _edit_both(staff, "terms", body_es="Nuestras propias *condiciones*.")
    response = _spanish(client, "/terms/")
    assert response["X-Page-Cache"] == "miss"
    assert "Nuestras propias <em>condiciones</em>." in response.content.decode()


def test_the_migration_leaves_a_page_staff_have_written(site_pages):
    """Its English no longer the sample (or no longer marked a sample): no Spanish sample."""
    import importlib

    from django.apps import apps

    seed = importlib.import_module("articles.migrations.0012_site_page_translations")
    SitePage.objects.update(title_es=None, body_es=None, body_html_es=None)
    SitePage.objects.filter(kind="contact").update(body_en="Write to us at our own address.")
    SitePage.objects.filter(kind="terms").update(is_sample=False)
    seed.seed_spanish(apps, None)
    spanish = dict(SitePage.objects.values_list("kind", "title_es"))
    assert spanish == {
        "contact": None,
        "terms": None,
        "privacy": "Aviso de privacidad",
        "guidelines": "Normas de la comunidad",
    }
