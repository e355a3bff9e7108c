"""import_comments (Disqus, WordPress, Kindred) and export_comments: threads, dates and states
kept, guests never mailed, safe twice, a dry run, unsafe XML refused, and the way back out.

The sample exports below are our own made-up data, shaped like the real formats."""

import datetime
import io
import json

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from accounts.models import AddressClaim, Delivery, Subscriber
from articles import newsletter
from comments.models import Comment, WatchedWord

UTC = datetime.UTC

DISQUS = """<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
  <category dsq:id="1"><forum>sample-forum</forum><title>General</title></category>
  <thread dsq:id="100">
    <id>sample-identifier-100</id>
    <forum>sample-forum</forum>
    <link>https://old.example/articles/living-well/</link>
    <title>Living well (sample)</title>
    <createdAt>2013-01-01T09:00:00Z</createdAt>
  </thread>
  <thread dsq:id="101">
    <id>sample-identifier-101</id>
    <link>https://old.example/pages/gone-page/</link>
    <title>A page this site does not have</title>
  </thread>
  <post dsq:id="203">
    <message><![CDATA[<p>Sample third reply, still waiting.</p>]]></message>
    <createdAt>2013-01-03T10:00:00Z</createdAt>
    <isDeleted>false</isDeleted><isSpam>false</isSpam><isApproved>false</isApproved>
    <author><email>zoe@example.org</email><name>Zoë Sample</name></author>
    <thread dsq:id="100"/><parent dsq:id="202"/>
  </post>
  <post dsq:id="201">
    <message><![CDATA[<p>Sample first post.</p><p>Second line<br>and a
      <a href="https://sample.example/read">sample link</a></p>
      <script>alert("x")</script>]]></message>
    <createdAt>2013-01-01T10:00:00Z</createdAt>
    <isDeleted>false</isDeleted><isSpam>false</isSpam>
    <author><email>zoe@example.org</email><name>Zoë Sample</name></author>
    <ipAddress>192.0.2.10</ipAddress>
    <thread dsq:id="100"/>
  </post>
  <post dsq:id="202">
    <message><![CDATA[<p>Sample reply by Łukasz.</p>]]></message>
    <createdAt>2013-01-02T10:00:00Z</createdAt>
    <isDeleted>false</isDeleted><isSpam>false</isSpam>
    <author><email>lukasz@example.org</email><name>Łukasz Sąmple</name></author>
    <thread dsq:id="100"/><parent dsq:id="201"/>
  </post>
  <post dsq:id="204">
    <message><![CDATA[<p>Sample spam post.</p>]]></message>
    <createdAt>2013-01-04T10:00:00Z</createdAt>
    <isDeleted>false</isDeleted><isSpam>true</isSpam>
    <author><email>spammer@example.org</email><name>Sample Spammer</name></author>
    <thread dsq:id="100"/>
  </post>
  <post dsq:id="205">
    <message><![CDATA[<p>Sample answer to the spam.</p>]]></message>
    <createdAt>2013-01-05T10:00:00Z</createdAt>
    <isDeleted>false</isDeleted><isSpam>false</isSpam>
    <author><email></email><name>Anonymous Sample</name><isAnonymous>true</isAnonymous></author>
    <thread dsq:id="100"/><parent dsq:id="204"/>
  </post>
  <post dsq:id="206">
    <message><![CDATA[<p>Sample post on the missing page.</p>]]></message>
    <createdAt>2013-01-06T10:00:00Z</createdAt>
    <isDeleted>false</isDeleted><isSpam>false</isSpam>
    <author><email>zoe@example.org</email><name>Zoë Sample</name></author>
    <thread dsq:id="101"/>
  </post>
</disqus>
"""


def _wp_comment(cid, author, email, date_gmt, content, approved="1", parent="0", kind=""):
    return f"""
      <wp:comment>
        <wp:comment_id>{cid}</wp:comment_id>
        <wp:comment_author><![CDATA[{author}]]></wp:comment_author>
        <wp:comment_author_email>{email}</wp:comment_author_email>
        <wp:comment_author_IP>192.0.2.20</wp:comment_author_IP>
        <wp:comment_date>{date_gmt}</wp:comment_date>
        <wp:comment_date_gmt>{date_gmt}</wp:comment_date_gmt>
        <wp:comment_content><![CDATA[{content}]]></wp:comment_content>
        <wp:comment_approved>{approved}</wp:comment_approved>
        <wp:comment_type>{kind}</wp:comment_type>
        <wp:comment_parent>{parent}</wp:comment_parent>
      </wp:comment>"""


_LIVING_WELL_COMMENTS = "".join(
    [
        _wp_comment(
            11,
            "Renée Sample",
            "renee@example.org",
            "2014-02-01 08:30:00",
            "Sample WordPress comment\nwith a line break and <b>bold</b>.",
        ),
        _wp_comment(
            12,
            "Sample Reply",
            "reply@example.org",
            "2014-02-02 08:30:00",
            "Sample reply <script>steal()</script><a href='javascript:x()'>click</a>",
            parent="11",
        ),
        _wp_comment(
            13,
            "Sample Waiter",
            "waiter@example.org",
            "2014-02-03 08:30:00",
            "Sample pending reply.",
            approved="0",
            parent="12",
        ),
        _wp_comment(
            14, "Sample Spammer", "spam@example.org", "2014-02-04 08:30:00", "Spam.", "spam"
        ),
        _wp_comment(
            15, "Sample Trash", "trash@example.org", "2014-02-05 08:30:00", "Gone.", "trash"
        ),
        _wp_comment(16, "Sample Blog", "", "2014-02-06 08:30:00", "Pingback.", kind="pingback"),
    ]
)
_UNMATCHED_COMMENT = _wp_comment(
    21, "Renée Sample", "renee@example.org", "2014-03-01 08:30:00", "Sample nobody matches."
)

WORDPRESS = f"""<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
  <title>Sample old blog</title>
  <link>https://blog.example</link>
  <wp:wxr_version>1.2</wp:wxr_version>
  <wp:base_site_url>https://blog.example</wp:base_site_url>
  <item>
    <title>Living well</title>
    <link>https://blog.example/2013/01/living-well-old-address/</link>
    <wp:post_id>5</wp:post_id>
    <wp:post_name>living-well</wp:post_name>
    <wp:post_type>post</wp:post_type>
    {_LIVING_WELL_COMMENTS}
  </item>
  <item>
    <title>Only on the old blog</title>
    <link>https://blog.example/2013/02/old-only-post/</link>
    <wp:post_id>6</wp:post_id>
    <wp:post_name>old-only-post</wp:post_name>
    {_UNMATCHED_COMMENT}
  </item>
</channel>
</rss>
"""


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE disqus [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
  <thread dsq:id="1"><link>https://old.example/articles/living-well/</link></thread>
  <post dsq:id="2"><message>&lol3;</message><createdAt>2013-01-01T10:00:00Z</createdAt>
    <author><email>a@example.org</email><name>Sample</name></author><thread dsq:id="1"/></post>
</disqus>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel>
  <item><wp:post_name>living-well</wp:post_name>
    <wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_content>&secret;</wp:comment_content>
    <wp:comment_date_gmt>2014-01-01 00:00:00</wp:comment_date_gmt>
    <wp:comment_approved>1</wp:comment_approved></wp:comment></item>
</channel></rss>
"""


@pytest.fixture
def export_file(tmp_path):
    def write(text, name="export.xml"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


def run_import(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_comments", path, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def threads():
    """Every post as (article, author, text, parent's text, depth, status, date)."""
    return sorted(
        (
            c.article.slug,
            c.author_subscriber.name if c.author_subscriber else c.author_user.display_name,
            c.body,
            c.parent.body if c.parent else None,
            c.depth,
            c.status,
            c.created_at,
        )
        for c in Comment.objects.select_related("article", "parent", "author_subscriber")
    )


@pytest.mark.default_moderation
def test_disqus_threads_dates_and_states_are_kept(article, export_file):
    out, err = run_import(export_file(DISQUS))

    first = Comment.objects.get(import_key="disqus:201")
    reply = Comment.objects.get(import_key="disqus:202")
    waiting = Comment.objects.get(import_key="disqus:203")
    assert (first.parent, first.root, first.depth) == (None, None, 0)
    assert (reply.parent, reply.root, reply.depth) == (first, first, 1)
    assert (waiting.parent, waiting.root, waiting.depth) == (reply, first, 2)
    assert first.created_at == datetime.datetime(2013, 1, 1, 10, tzinfo=UTC)
    assert waiting.created_at == datetime.datetime(2013, 1, 3, 10, tzinfo=UTC)
    # Approved there is published here, even under the new-author hold; waiting still waits.
    assert first.status == reply.status == Comment.Status.PUBLISHED
    assert waiting.status == Comment.Status.PENDING
    assert waiting.held_at is not None
    assert reply.author_subscriber.name == "Łukasz Sąmple"
    # The spam is skipped; the reply to it starts a thread of its own.
    assert not Comment.objects.filter(import_key="disqus:204").exists()
    answer = Comment.objects.get(import_key="disqus:205")
    assert (answer.parent, answer.depth, answer.status) == (None, 0, Comment.Status.PUBLISHED)
    assert answer.author_subscriber.name == "Anonymous Sample"
    assert answer.author_subscriber.email.endswith("@import.invalid")
    assert "Stored 4: 3 published, 1 waiting for review" in out
    assert "Skipped, spam on the old site: 1." in out
    assert "https://old.example/pages/gone-page/ “A page this site does not have”: 1 posts" in out
    assert "100% read" in err


def test_html_is_made_plain_text_and_shown_as_any_post(article, export_file):
    run_import(export_file(DISQUS))

    first = Comment.objects.get(import_key="disqus:201")
    assert first.body == (
        "Sample first post.\n\nSecond line\nand a sample link (https://sample.example/read)"
    )
    assert "<script" not in first.body_html and "alert" not in first.body_html
    assert 'href="https://sample.example/read"' in first.body_html
    assert 'rel="nofollow ugc noopener"' in first.body_html
    assert first.ip_address is None  # used by the policy, not kept


def test_wordpress_threads_states_and_skips(article, export_file):
    out, _ = run_import(export_file(WORDPRESS), "--format", "wordpress")

    top = Comment.objects.get(import_key="wordpress:blog.example:11")
    reply = Comment.objects.get(import_key="wordpress:blog.example:12")
    waiting = Comment.objects.get(import_key="wordpress:blog.example:13")
    assert top.article == article  # matched by its slug, not by its old address
    assert top.body == "Sample WordPress comment\nwith a line break and bold."
    assert top.author_subscriber.name == "Renée Sample"
    assert top.created_at == datetime.datetime(2014, 2, 1, 8, 30, tzinfo=UTC)
    assert (reply.parent, reply.depth, reply.body) == (top, 1, "Sample reply click")
    assert (waiting.parent, waiting.root, waiting.depth) == (reply, top, 2)
    assert waiting.status == Comment.Status.PENDING
    assert Comment.objects.count() == 3
    assert "Skipped, spam on the old site: 1." in out
    assert "Skipped, deleted or in the trash on the old site: 1." in out
    assert "Skipped, pingbacks and trackbacks: 1." in out
    assert "https://blog.example/2013/02/old-only-post/ “Only on the old blog”: 1 posts" in out


def test_imported_guests_are_never_mailed_nor_newsletter_recipients(
    article, export_file, make_comment
):
    run_import(export_file(DISQUS))
    run_import(export_file(WORDPRESS))
    # A reply written here later to an imported guest's post mails them nothing either.
    make_comment(article, parent=Comment.objects.get(import_key="disqus:201"))

    guests = Subscriber.objects.all()
    assert guests.count() == 6
    assert {g.source for g in guests} == {Subscriber.Source.IMPORT}
    assert all(g.confirmed_at is None and g.newsletter_at is None for g in guests)
    assert not newsletter.subscribed().exists()
    assert mail.outbox == []
    assert Delivery.objects.count() == 0
    assert AddressClaim.objects.count() == 0


def test_a_known_address_keeps_its_own_guest_row(article, export_file, make_subscriber):
    known = make_subscriber(email="Zoe@Example.org", name="Zoë as known here", newsletter=True)

    run_import(export_file(DISQUS))

    assert Comment.objects.get(import_key="disqus:201").author_subscriber == known
    known.refresh_from_db()
    assert known.name == "Zoë as known here"
    assert mail.outbox == []


def test_a_second_run_stores_nothing_twice(article, export_file):
    path = export_file(DISQUS)
    run_import(path)
    before = threads()

    out, _ = run_import(path)

    assert threads() == before
    assert "Stored 0:" in out
    assert "Already here from an earlier run: 4." in out


def test_dry_run_reports_and_writes_nothing(article, export_file):
    out, _ = run_import(export_file(DISQUS), "--dry-run")

    assert "Would store 4: 3 published, 1 waiting for review" in out
    assert "Dry run: nothing was written." in out
    assert Comment.objects.count() == 0
    assert Subscriber.objects.count() == 0


def test_our_moderation_rules_apply_to_imports(article, export_file):
    WatchedWord.objects.create(phrase="Łukasz", action="hold")
    WatchedWord.objects.create(phrase="spam", action="reject")

    out, _ = run_import(export_file(DISQUS))

    held = Comment.objects.get(import_key="disqus:202")
    assert held.status == Comment.Status.PENDING
    assert "imported: approved on the old site" in held.moderation_reasons
    assert not Comment.objects.filter(import_key="disqus:205").exists()  # "the spam"
    assert "Skipped, refused by this site's moderation rules: 1." in out


@pytest.mark.parametrize("unsafe", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_entity_bombs_and_external_entities_are_refused(article, export_file, unsafe):
    with pytest.raises(CommandError, match="declares a DTD or entities"):
        run_import(export_file(unsafe))

    assert Comment.objects.count() == 0
    assert Subscriber.objects.count() == 0


def test_a_broken_file_halfway_leaves_nothing_written(article, export_file):
    broken = DISQUS.replace("</disqus>", "<post dsq:id='999'><message>")

    with pytest.raises(CommandError, match="not well-formed XML.*Nothing was imported"):
        run_import(export_file(broken))

    assert Comment.objects.count() == 0


def test_clear_errors_for_a_bad_path_or_format(db, export_file, tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run_import(str(tmp_path / "missing.xml"))
    with pytest.raises(CommandError, match="invalid choice: 'mbox'"):
        run_import(export_file(DISQUS), "--format", "mbox")
    with pytest.raises(CommandError, match="name its format with --format"):
        run_import(export_file("just some text", name="notes.txt"))
    with pytest.raises(CommandError, match="not a Kindred export"):
        run_import(export_file('{"some": "json"}', name="other.json"))


def test_round_trip_through_the_kindred_export(article, export_file, tmp_path):
    run_import(export_file(DISQUS))
    run_import(export_file(WORDPRESS))
    before = threads()
    exported = tmp_path / "kindred.json"
    call_command("export_comments", "--all", "-o", str(exported), stderr=io.StringIO())

    # Into a fresh site: the same threads, authors, dates and states.
    Comment.objects.all().delete()
    Subscriber.objects.all().delete()
    out, _ = run_import(str(exported))  # told from its first bytes
    assert threads() == before
    assert "Read 7 posts from the kindred export." in out

    # And again: nothing twice.
    out, _ = run_import(str(exported), "--format", "kindred")
    assert threads() == before
    assert "Already here from an earlier run: 7." in out


def test_export_holds_published_posts_by_default(article, make_comment, member, settings):
    settings.SITE_URL = "https://kindred.example"
    top = make_comment(article, author=member, body="A sample post by a member.")
    held = make_comment(article, parent=top, body="Held.", status=Comment.Status.PENDING)
    make_comment(article, parent=held, body="A published reply under a held one.")
    out = io.StringIO()

    call_command("export_comments", stdout=out, stderr=io.StringIO())

    data = json.loads(out.getvalue())
    assert (data["format"], data["version"]) == ("kindred-comments", 1)
    (thread,) = data["articles"]
    assert thread["url"] == "https://kindred.example/articles/living-well/"
    posts = thread["comments"]
    assert [p["text"] for p in posts] == [
        "A sample post by a member.",
        "A published reply under a held one.",
    ]
    assert posts[0]["id"] == f"kindred:kindred.example:{top.pk}"
    assert posts[0]["author"] == {"name": "Sample Member", "email": member.email, "member": True}
    assert posts[1]["parent"] == posts[0]["id"]  # under the nearest post in the file


def test_a_sites_own_export_read_back_stores_nothing(article, make_comment, member, tmp_path):
    make_comment(article, author=member, body="A sample post written here.")
    exported = tmp_path / "kindred.json"
    call_command("export_comments", "-o", str(exported), stderr=io.StringIO())

    out, _ = run_import(str(exported))

    assert Comment.objects.count() == 1
    assert "Already here from an earlier run: 1." in out
