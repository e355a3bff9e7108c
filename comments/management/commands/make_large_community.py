"""`manage.py make_large_community`: a community the size of a busy site's, for benchmarks.

By default 2,000 articles, 1,000,000 comments under them (three threads of 20,000, most of a
few dozen, a long tail between), 100,000 members and 100,000 subscribers, with the hugs,
reports, bans and audit log entries such a site has, in the shares a real one shows (the
counts are options). For bench/, never in the tests' default path: on PostgreSQL the rows go
in through COPY, in one transaction, in a few minutes; on SQLite only a tiny run for the tests
(--allow-sqlite).

Every row is as the domain functions would leave it, so the pages show what they would:
body_html rendered from body (a few dozen sample texts, each rendered once and reused), root
and depth as comments/posting.py sets them (within the display depth), hug_count and
report_count equal to the rows they count, a reply under a members-only post members-only too,
a banned author's waiting posts rejected, times in order (nobody posts before joining, under an
article before it is live, or hugs a post before it was written). The page caches are told
(kindred.freshness) once the rows are committed. Not made: pictures (files), reply notices,
deliveries, sessions, address claims.

Sample data, clearly marked: members and subscribers at large.bench.example (under
bench.example, which cannot receive mail; apart from make_busy_thread's members, so both
commands run on one database), display names starting "Bench" or "Sample", articles and
reviewers marked is_sample with slugs starting "large-bench-", newsletter off on every article
(nobody is mailed), and one unusable password for every member. It refuses to run where its
data exists already.
"""

import bisect
import datetime
import heapq
import itertools
import json
import math
import random
import secrets
import time
from array import array

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts import privacy
from accounts.models import Role, Subscriber, User
from articles import demo_content, publishing
from articles.markdown import render_markdown
from articles.models import Article, Reviewer
from comments.models import Ban, Comment, Hug, ModerationAction, RejectionReason, Report
from comments.sample_text import SENTENCES
from comments.text import render_comment_text
from kindred import freshness
from kindred.progress import progress_bar

EMAIL_DOMAIN = "large.bench.example"
SLUG_PREFIX = "large-bench-"
DAY = 86400.0
SITE_AGE_DAYS = 730  # the articles' and comments' times spread over two years
ROWS_PER_COPY = 20_000  # one COPY statement each: its foreign keys are checked at its end

# --- The shares -------------------------------------------------------------------------------
# Articles: a few drafts and scheduled ones (no comments), a few closed conversations, videos.
DRAFT_SHARE, SCHEDULED_SHARE, CLOSED_SHARE, VIDEO_SHARE = 0.02, 0.01, 0.05, 0.10
PINNED_SHARE = 0.02  # of articles: a moderator pinned a post at the top of the thread
# The ordinary threads' sizes: log-normal (most a few dozen, some thousands), bent to stay
# under half a big thread (_spread).
THREAD_SIZE_SIGMA = 2.4
# Who writes: members mostly, some guests (subscribers); a tenth of the guests' posts come
# from addresses never confirmed (they wait for the confirmation for good).
GUEST_POST_SHARE, UNCONFIRMED_GUEST_POST_SHARE = 0.12, 0.10
# The posts' statuses as one byte each (in the arrays that remember every post made).
PUBLISHED, PENDING, REJECTED, SPAM, REMOVED, AWAITING = range(6)
REJECTED_BY_BAN = 6  # stored as rejected: its author was banned while it waited
STATUSES = (
    *(Comment.Status.PUBLISHED, Comment.Status.PENDING, Comment.Status.REJECTED),
    *(Comment.Status.SPAM, Comment.Status.REMOVED, Comment.Status.AWAITING_EMAIL),
    Comment.Status.REJECTED,
)
# What became of a post by a member or a confirmed guest.
STATUS_SHARES = (
    (PUBLISHED, 0.935),
    (PENDING, 0.02),
    (REJECTED, 0.02),
    (SPAM, 0.015),
    (REMOVED, 0.01),
)
REPLY_SHARE = 0.31  # a few fall back to the top level (no post to answer yet)
MEMBERS_ONLY_SHARE = 0.03  # of members' top-level posts (a reply under one follows it)
EDITED_SHARE = 0.03
HUGGED_SHARE = 0.21  # of published posts; each gets 1 + an exponential number (mean 2)
# Reports: on published posts (one or two readers, no more: three would hide it), on posts
# the moderators took down after them, and on posts hidden by three reports (they wait).
REPORTED_PUBLISHED, REPORTED_TAKEN_DOWN, HIDDEN_BY_REPORTS = 0.003, 0.04, 0.05
DISMISSED_SHARE = 0.5  # of reported published posts: a moderator read them and left them up
BANNED_MEMBER_SHARE, BANNED_GUEST_SHARE = 0.002, 0.0005
# Members: who they say they are, their language, a public profile.
ROLES = ((Role.PATIENT, 0.5), (Role.CAREGIVER, 0.25), (Role.PROFESSIONAL, 0.05), ("", 0.2))
MEMBER_LANGUAGES = (("en", 0.80), ("es", 0.12), ("", 0.08))
PUBLIC_PROFILE_SHARE, INACTIVE_SHARE = 0.10, 0.005
# Subscribers: members' own (from account settings), guests who shared name + email to join
# the conversation, readers of the sidebar and subscribe page. 80% confirmed, 60% getting the
# newsletter, some unsubscribed (which ends the newsletter).
LINKED_SHARE, GUEST_SHARE = 0.15, 0.45
CONFIRMED_SHARE, NEWSLETTER_SHARE, UNSUBSCRIBED_SHARE = 0.80, 0.60, 0.08
SUBSCRIBER_LANGUAGES = (("en", 0.80), ("es", 0.15), ("", 0.05))

FIRST_NAMES = (
    *("Maya", "Sam", "Ines", "Tom", "Aiko", "Lucia", "Omar", "Grace", "Diego", "Hana"),
    *("Priya", "Jonas", "Amara", "Leo", "Sofia", "Kwame", "Elena", "Ravi", "Nora", "Mateo"),
)
LIVING_WITH = (
    "SMA type 2",
    "SMA type 3",
    "my son's SMA",
    "my daughter's SMA",
    "ALS",
    "my mum's ALS",
)
PROFESSIONS = ("Registered nurse", "Physiotherapist", "Neurologist")
SPANISH_SENTENCES = (
    "Gracias por el artículo, nos ayudó a preparar la próxima cita con la neuróloga.",
    "Mi hija empezó la fisioterapia en primavera y ya notamos la diferencia.",
    "¿Alguien sabe si el seguro cubre la silla nueva?",
)
LINK_SENTENCE = "There is a longer guide at https://example.org/living-with-sma that helped us."
SPAM_TEXTS = (
    "Cheap supplements, no prescription needed: https://pharma.example/buy",
    "Earn money from home today, visit https://work.example/join now!",
    "Miracle cure for SMA, guaranteed results: https://cure.example https://cure.example/order",
)
HOLD_REASONS = (
    ["new author: first posts are reviewed"],
    ["3 links (more than 2)"],
    ["watched word: cure"],
)
BAN_REASONS = ("Repeated abuse of other members.", "Advertising.", "Medical misinformation.")
REPORT_REASONS = (
    Report.Reason.ABUSE,
    Report.Reason.MISINFORMATION,
    Report.Reason.SPAM,
    Report.Reason.OTHER,
)


class Command(BaseCommand):
    help = (
        "Make a large community for benchmarks (articles, comments, members, subscribers, "
        "hugs, reports, bans), on PostgreSQL, with COPY. Refuses to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=2000, help="articles (2000)")
        parser.add_argument("--comments", type=int, default=1_000_000, help="comments (1000000)")
        parser.add_argument("--members", type=int, default=100_000, help="members (100000)")
        parser.add_argument("--subscribers", type=int, default=100_000, help="subscribers (100000)")
        parser.add_argument(
            "--big-threads", type=int, default=3, help="articles with a big thread (3)"
        )
        parser.add_argument(
            "--big-thread-size",
            type=int,
            default=20_000,
            help="comments in each big thread (20000)",
        )
        parser.add_argument("--seed", type=int, default=17, help="the random seed (17)")
        parser.add_argument(
            "--allow-sqlite",
            action="store_true",
            help="run on SQLite too (slow: for the tests' tiny runs only)",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="no progress bar on standard error"
        )

    def handle(self, *args, **options):
        counts = {
            name: options[name]
            for name in ("articles", "comments", "members", "subscribers", "big_threads")
        }
        counts["big_thread_size"] = options["big_thread_size"]
        if connection.vendor != "postgresql" and not options["allow_sqlite"]:
            raise CommandError(
                "make_large_community runs on PostgreSQL only (set DATABASE_URL): it writes "
                "with COPY. --allow-sqlite makes a tiny set on SQLite, for the tests."
            )
        if connection.vendor not in ("postgresql", "sqlite"):
            raise CommandError("make_large_community runs on PostgreSQL (or SQLite for tests).")
        _check_counts(**counts)
        if (
            User.objects.filter(email__iendswith=f"@{EMAIL_DOMAIN}").exists()
            or Article.objects.filter(slug__startswith=SLUG_PREFIX).exists()
        ):
            raise CommandError(
                f"Bench data exists already (members @{EMAIL_DOMAIN}, articles {SLUG_PREFIX}…): "
                "the large community is made once, on a fresh database. Nothing was changed."
            )
        self.show_progress = not options["no_progress"]
        community = _Community(counts, seed=options["seed"])
        started = time.monotonic()
        is_postgresql = connection.vendor == "postgresql"
        with transaction.atomic():
            if is_postgresql:
                # Foreign keys are checked at the end of each COPY, not piled up until the
                # commit (Django makes them deferrable, initially deferred); as they were after.
                _execute("SET CONSTRAINTS ALL IMMEDIATE")
            for label, make in community.stages():
                self._stage(label, make)
            if is_postgresql:
                _execute("SET CONSTRAINTS ALL DEFERRED")
            transaction.on_commit(lambda: _tell_caches(community.article_ids))
        if is_postgresql:
            self._stage("analyze", _analyze, unit="tables")
        self.stdout.write(community.summary())
        self.stdout.write(f"Done in {time.monotonic() - started:.1f} s.")

    def _stage(self, label, make, unit="rows"):
        """Run one stage, `make(progress)` returning how many rows it wrote, and say how long
        it took."""
        began = time.monotonic()
        progress = (
            progress_bar(self.stderr, before=f"{label:<16} ")
            if self.show_progress
            else _no_progress
        )
        rows = make(progress)
        if self.show_progress and self.stderr.isatty():
            self.stderr.write("")  # the bar's line ends
        took = time.monotonic() - began
        self.stdout.write(f"{label:<16} {rows:>10,} {unit:<6} {took:8.1f} s")


def _no_progress(done, total):
    pass


def _execute(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)


def _check_counts(*, articles, comments, members, subscribers, big_threads, big_thread_size):
    if min(articles, comments, members, subscribers, big_threads, big_thread_size) < 0:
        raise CommandError("Counts cannot be negative.")
    if articles < 1 or members < 1:
        raise CommandError("--articles and --members must be at least 1.")
    if big_threads * big_thread_size > comments:
        raise CommandError(
            f"--big-threads {big_threads} of {big_thread_size:,} comments need "
            f"{big_threads * big_thread_size:,} comments; --comments is {comments:,}."
        )
    if big_threads > _published_count(articles):
        raise CommandError(
            f"--big-threads {big_threads} is more than the {_published_count(articles)} "
            "published articles."
        )


def _published_count(articles):
    return articles - int(articles * DRAFT_SHARE) - int(articles * SCHEDULED_SHARE)


def _tell_caches(article_ids):
    """Cached pages, fragments and the sidebar follow the new rows (kindred.freshness)."""
    for article_id in article_ids:
        freshness.thread_changed(article_id)
    freshness.site_changed()


def _analyze(progress):
    """Fresh statistics: the planner's view of the tables changed by a million rows."""
    tables = [
        model._meta.db_table
        for model in (
            *(User, EmailAddress, Subscriber, Reviewer, Article, Article.reviewers.through),
            *(Article.authors.through, Comment, Hug, Report, Ban, ModerationAction),
        )
    ]
    with connection.cursor() as cursor:
        for done, table in enumerate(tables, 1):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
            progress(done, len(tables))
    return len(tables)


# --- Writing rows ------------------------------------------------------------------------------


def _insert(model, names, rows, progress=None, total=0):
    """Write `rows` (tuples of the fields `names`, by attname) into `model`'s table, streamed:
    COPY on PostgreSQL, in statements of ROWS_PER_COPY rows; INSERTs on SQLite. A field not
    named gets its default (one the model lacks is an error: a new required field must be
    given here). Returns how many rows were written."""
    meta = model._meta
    given = [meta.get_field(name) for name in names]
    named = {field.attname for field in given}
    rest = [f for f in meta.concrete_fields if f.attname not in named and not f.primary_key]
    for field in rest:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            raise CommandError(f"{meta.label}.{field.name} is set on save: give it a value.")
        if not (field.has_default() or field.null or field.empty_strings_allowed):
            raise CommandError(f"{meta.label}.{field.name} has no default: give it a value.")
    defaults = tuple(field.get_default() for field in rest)
    fields = [*given, *rest]
    progress = progress or _no_progress
    if connection.vendor == "postgresql":
        return _copy(meta.db_table, fields, defaults, rows, progress, total)
    return _insert_many(meta.db_table, fields, defaults, rows, progress, total)


def _copy(table, fields, defaults, rows, progress, total):
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    sql = f"COPY {quote(table)} ({columns}) FROM STDIN"
    # COPY's text format reads a JSON column from its text; psycopg would write a list as
    # an array.
    is_json = [isinstance(field, models.JSONField) for field in fields]
    json_given = [i for i, flag in enumerate(is_json[: len(fields) - len(defaults)]) if flag]
    defaults = tuple(
        json.dumps(value) if flag else value
        for value, flag in zip(defaults, is_json[len(fields) - len(defaults) :], strict=True)
    )
    rows, written = iter(rows), 0
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:  # psycopg's own: COPY FROM STDIN
        while True:
            chunk = itertools.islice(rows, ROWS_PER_COPY)
            first = next(chunk, None)
            if first is None:
                break
            with cursor.copy(sql) as copy:
                for row in itertools.chain((first,), chunk):
                    if json_given:
                        row = list(row)
                        for i in json_given:
                            row[i] = json.dumps(row[i])
                        row = tuple(row)
                    copy.write_row(row + defaults)
                    written += 1
            progress(written, total)
    return written


def _insert_many(table, fields, defaults, rows, progress, total):
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    # Names from the models' own tables and columns, quoted; the values go as parameters.
    sql = f"INSERT INTO {quote(table)} ({columns}) VALUES ({marks})"  # noqa: S608
    rows, written = iter(rows), 0
    with connection.cursor() as cursor:
        while chunk := list(itertools.islice(rows, ROWS_PER_COPY)):
            cursor.executemany(
                sql,
                [
                    [
                        f.get_db_prep_save(v, connection)
                        for f, v in zip(fields, row + defaults, strict=True)
                    ]
                    for row in chunk
                ],
            )
            written += len(chunk)
            progress(written, total)
    return written


def _reserve_ids(model, count):
    """The first of `count` consecutive primary keys nobody else will be given: the rows are
    written with their keys, so replies can name their parents in the same stream."""
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s))", [table, column])
            first = cursor.fetchone()[0]
            if count > 1:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, %s), %s)",
                    [table, column, first + count - 1],
                )
        else:  # SQLite's AUTOINCREMENT continues after the largest key written
            quote = connection.ops.quote_name
            largest = f"SELECT COALESCE(MAX({quote(column)}), 0) + 1 FROM {quote(table)}"  # noqa: S608
            cursor.execute(largest)
            first = cursor.fetchone()[0]
    return first


# --- What to write ---------------------------------------------------------------------------


def _moment(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC)


def _pick(rng, shares):
    """One of the (value, share) pairs' values, by its share."""
    roll = rng.random()
    for value, share in shares:
        roll -= share
        if roll < 0:
            return value
    return shares[-1][0]


def _ip(rng):
    """An address from the ranges kept for documentation (RFC 5737, RFC 3849)."""
    if rng.random() < 0.15:
        return f"2001:db8:{rng.randrange(65536):x}::{rng.randrange(1, 65536):x}"
    network = rng.choice(("192.0.2", "198.51.100", "203.0.113"))
    return f"{network}.{rng.randrange(1, 255)}"


def _sample_texts(rng):
    """(body, body_html) pairs to share among the posts, each rendered once: mostly one to
    three sentences, some of several paragraphs, a few in Spanish or with a link."""
    texts = []
    for n in range(48):
        texts.append(" ".join(rng.sample(SENTENCES, 1 + n % 3)))
    for n in range(10):
        paragraphs = [" ".join(rng.sample(SENTENCES, 3)) for _ in range(2 + n % 4)]
        texts.append("\n\n".join(paragraphs))
    for n in range(6):
        texts.append(" ".join(rng.sample(SPANISH_SENTENCES, 1 + n % 3)))
    for sentence in SENTENCES[:4]:
        texts.append(f"{sentence}\n{LINK_SENTENCE}")
    return [(text, render_comment_text(text)) for text in dict.fromkeys(texts)]


def _spread(total, count, cap, rng):
    """`total` comments over `count` threads, a long tail: most get a few dozen, some
    thousands, none more than `cap`. A thread's size is its log-normal weight bent below the
    cap (cap * (1 - e^(-x/cap))), scaled to add up to `total`: the largest come near the cap
    rather than piling up at it."""
    if total >= cap * count:  # no room for a tail: every thread full, the cap gives way
        return [total // count + (n < total % count) for n in range(count)]
    weights = [rng.lognormvariate(0, THREAD_SIZE_SIGMA) for _ in range(count)]

    def sizes_at(scale):
        return [cap * -math.expm1(-scale * weight / cap) for weight in weights]

    low, high = 0.0, 1.0
    while sum(sizes_at(high)) < total:
        high *= 2
    for _ in range(200):  # bisection, to well under one comment
        middle = (low + high) / 2
        low, high = (middle, high) if sum(sizes_at(middle)) < total else (low, middle)
        if sum(sizes_at(high)) - total < 0.1:
            break
    exact = sizes_at(high)
    sizes = [min(int(size), cap) for size in exact]
    by_remainder = sorted(range(count), key=lambda n: exact[n] - sizes[n], reverse=True)
    for n in by_remainder[: max(total - sum(sizes), 0)]:
        sizes[n] += 1
    for n in sorted(range(count), key=lambda n: sizes[n], reverse=True):
        if sum(sizes) <= total:
            break
        sizes[n] -= 1  # the rounding's last comment or so
    return sizes


def _stamped(times, article):
    for at in times:
        yield at, article


class _Guests:
    """The guests of one kind (confirmed or not) who can post, by when they shared their
    address: those who had by a given time are a prefix."""

    def __init__(self):
        self.since = array("d")
        self.rows = []  # (subscriber id, guest key, name, serial)

    def add(self, since, row):
        self.since.append(since)
        self.rows.append(row)

    def pick(self, rng, at):
        known = bisect.bisect_right(self.since, at)
        return self.rows[rng.randrange(known)] if known else None


class _Community:
    """The plan and the rows, made stage by stage; what later stages need of earlier rows is
    kept in compact arrays (a byte or a number per post), never as model objects."""

    def __init__(self, counts, seed):
        self.counts = counts
        self.rng = random.Random(seed)  # noqa: S311 - sample data, not secrets; the same set every time
        self.now = timezone.now().timestamp()
        self.opened = self.now - (SITE_AGE_DAYS + 30) * DAY  # the first members joined then
        self.texts = _sample_texts(self.rng)
        self.spam_texts = [(text, render_comment_text(text)) for text in SPAM_TEXTS]
        self.article_ids = []
        self.rejection_reasons = list(
            RejectionReason.objects.filter(is_active=True).values_list("code", "text")
        )

    def stages(self):
        return [
            ("members", self.write_members),
            ("email addresses", self.write_email_addresses),
            ("subscribers", self.write_subscribers),
            ("articles", self.write_articles),
            ("comments", self.write_comments),
            ("hugs", self.write_hugs),
            ("reports", self.write_reports),
            ("bans", self.write_bans),
            ("audit log", self.write_audit_log),
        ]

    # --- Members

    def member_email(self, n):
        return f"reader{n}@{EMAIL_DOMAIN}"

    def member_name(self, n):
        return f"Bench {FIRST_NAMES[n % len(FIRST_NAMES)]} {n}"

    def write_members(self, progress):
        rng, count = self.rng, self.counts["members"]
        joined = sorted(rng.uniform(self.opened, self.now - 3600) for _ in range(count))
        joined[0] = self.opened  # somebody was there to write the first comment
        self.joined = array("d", joined)
        self.first_member_id = _reserve_ids(User, count)
        self.member_language = [_pick(rng, MEMBER_LANGUAGES) for _ in range(count)]
        banned = rng.sample(range(count), max(1, round(count * BANNED_MEMBER_SHARE)))
        self.banned_members = dict.fromkeys(banned)  # member -> their last post's time
        password = make_password(None)  # unusable: nobody can sign in as them

        def rows():
            for n in range(count):
                since = joined[n]
                name = self.member_name(n)
                role = _pick(rng, ROLES)
                verified = rng.choice(PROFESSIONS) if role == Role.PROFESSIONAL and n % 2 else ""
                is_active = rng.random() >= INACTIVE_SHARE
                is_public = rng.random() < PUBLIC_PROFILE_SHARE
                yield (
                    self.first_member_id + n,
                    password,
                    self.member_email(n),
                    name,
                    _moment(since),
                    _moment(rng.uniform(since, self.now)),
                    is_active,
                    is_public,
                    slugify(name) if is_public and is_active else "",
                    "Sample profile: a bench member, not a real person." if is_public else "",
                    role,
                    rng.choice(LIVING_WITH) if rng.random() < 0.4 else "",
                    verified,
                    _moment(since + 7 * DAY) if verified else None,
                    self.member_language[n],
                    _moment(since),
                    rng.random() < 0.85,
                )

        names = (
            *("id", "password", "email", "display_name", "date_joined", "last_login"),
            *("is_active", "profile_public", "handle", "bio", "role", "living_with"),
            *("profession_verified", "profession_verified_at", "language"),
            *("agreed_to_terms_at", "notify_replies"),
        )
        return _insert(User, names, rows(), progress, count)

    def write_email_addresses(self, progress):
        count = self.counts["members"]
        rows = ((self.first_member_id + n, self.member_email(n), True, True) for n in range(count))
        names = ("user_id", "email", "verified", "primary")
        return _insert(EmailAddress, names, rows, progress, count)

    # --- Subscribers

    def write_subscribers(self, progress):
        rng, count, members = self.rng, self.counts["subscribers"], self.counts["members"]
        linked = rng.sample(range(members), min(members, int(count * LINKED_SHARE)))
        guests = int(count * GUEST_SHARE)
        kinds = [("linked", member) for member in linked]
        kinds += [("guest", None)] * guests + [("reader", None)] * (count - len(kinds) - guests)
        # Members' own are confirmed at once; the others' chance makes the whole CONFIRMED_SHARE.
        others = max(count - len(linked), 1)
        confirm_other = max(0.0, (CONFIRMED_SHARE * count - len(linked)) / others)
        newsletter = NEWSLETTER_SHARE / (CONFIRMED_SHARE * (1 - UNSUBSCRIBED_SHARE))
        planned = []
        for kind, member in kinds:
            since = rng.uniform(self.joined[member] if kind == "linked" else self.opened, self.now)
            planned.append((since, kind, member))
        planned.sort(key=lambda plan: plan[0])
        first_id = _reserve_ids(Subscriber, count)
        self.confirmed_guests, self.unconfirmed_guests = _Guests(), _Guests()
        self.guest_names = {}  # serial -> name, for the audit log's words
        self.banned_guests = {}  # serial -> (email, their last post's time)

        def rows():
            for serial, (since, kind, member) in enumerate(planned):
                sid = first_id + serial
                if kind == "linked":
                    email, name = self.member_email(member), self.member_name(member)
                    language, source = self.member_language[member], Subscriber.Source.ACCOUNT
                else:
                    email, name = f"subscriber{serial}@{EMAIL_DOMAIN}", f"Sample guest {serial}"
                    language = _pick(rng, SUBSCRIBER_LANGUAGES)
                    source = (
                        Subscriber.Source.COMMENTS
                        if kind == "guest"
                        else rng.choice((Subscriber.Source.SIDEBAR, Subscriber.Source.PAGE))
                    )
                is_confirmed = kind == "linked" or rng.random() < confirm_other
                confirmed_at = since + rng.uniform(60, 7200) if is_confirmed else None
                if kind == "linked":
                    confirmed_at = since
                unsubscribed_at = None
                if is_confirmed and rng.random() < UNSUBSCRIBED_SHARE:
                    unsubscribed_at = rng.uniform(confirmed_at, self.now)
                wants_newsletter = (
                    is_confirmed and unsubscribed_at is None and rng.random() < newsletter
                )
                if kind == "guest":
                    guest_key = secrets.token_urlsafe(30)  # a browser's key: 40 characters
                    guests = self.confirmed_guests if is_confirmed else self.unconfirmed_guests
                    guests.add(since, (sid, guest_key, name, serial, is_confirmed))
                    self.guest_names[serial] = name
                    if rng.random() < BANNED_GUEST_SHARE:
                        self.banned_guests[serial] = [email, None]
                yield (
                    sid,
                    email,
                    name,
                    self.first_member_id + member if kind == "linked" else None,
                    source,
                    _moment(since),
                    _moment(confirmed_at) if confirmed_at else None,
                    _moment(unsubscribed_at) if unsubscribed_at else None,
                    None if kind == "linked" else _moment(since),
                    _moment(confirmed_at) if wants_newsletter else None,
                    language,
                    "" if is_confirmed else secrets.token_hex(16),
                    secrets.token_urlsafe(32),
                    rng.random() < 0.9,
                )

        names = (
            *("id", "email", "name", "user_id", "source", "created_at", "confirmed_at"),
            *("unsubscribed_at", "confirmation_sent_at", "newsletter_at", "language"),
            *("confirmation_nonce", "unsubscribe_key", "notify_replies"),
        )
        return _insert(Subscriber, names, rows(), progress, count)

    # --- Articles

    def write_articles(self, progress):
        rng, count = self.rng, self.counts["articles"]
        samples = [
            (data, render_markdown(data["body"])) for data in demo_content.ARTICLES
        ]  # each body rendered once
        reviewers = []
        for n, person in enumerate(demo_content.PEOPLE[:4]):
            reviewer = Reviewer(
                name=f"{person['name']} (large bench)",
                slug=f"{SLUG_PREFIX}reviewer-{n}",
                credentials=person.get("credentials", ""),
                headline=person.get("headline", ""),
                bio=person.get("bio", ""),
                is_sample=True,
            )
            publishing.save_reviewer(reviewer)
            reviewers.append(reviewer.pk)
        drafts, scheduled = int(count * DRAFT_SHARE), int(count * SCHEDULED_SHARE)
        published = count - drafts - scheduled
        start, end = self.now - SITE_AGE_DAYS * DAY, self.now - 3600
        times = sorted(rng.uniform(start, end) for _ in range(published))
        times += [None] * drafts + [self.now + rng.uniform(DAY, 30 * DAY) for _ in range(scheduled)]
        first_id = _reserve_ids(Article, count)
        self.article_ids = [first_id + n for n in range(count)]
        self.published_at = times[:published]

        def rows():
            for n, published_at in enumerate(times):
                data, body_html = samples[n % len(samples)]
                kind = Article.Kind.VIDEO if rng.random() < VIDEO_SHARE else Article.Kind.ARTICLE
                video_url = data["video_url"] or f"https://video.example/{SLUG_PREFIX}{n}"
                written = published_at or self.now - rng.uniform(0, 30 * DAY)
                created = min(written - 3 * DAY, self.now - 3600)
                is_live = published_at is not None
                reviewed = None
                if published_at is not None and published_at < self.now and rng.random() < 0.9:
                    reviewed = _moment(rng.uniform(published_at, self.now)).date()
                yield (
                    first_id + n,
                    f"{data['title']} (sample {n})"[:200],
                    f"{SLUG_PREFIX}{n}-{data['slug']}"[:200],
                    data["summary"][:300],
                    data["body"],
                    body_html,
                    kind,
                    video_url if kind == Article.Kind.VIDEO else "",
                    Article.Status.PUBLISHED if is_live else Article.Status.DRAFT,
                    _moment(published_at) if is_live else None,
                    _moment(created),
                    _moment(max(created, min(published_at or created, self.now))),
                    reviewed,
                    rng.random() >= CLOSED_SHARE,
                    False,  # a back catalogue: nobody is mailed for it
                    True,
                )

        names = (
            *("id", "title", "slug", "summary", "body", "body_html", "kind", "video_url"),
            *("status", "published_at", "created_at", "updated_at", "last_reviewed_at"),
            *("comments_open", "newsletter", "is_sample"),
        )
        written = _insert(Article, names, rows(), progress, count)
        people = [(article_id, rng.choice(reviewers)) for article_id in self.article_ids]
        _insert(Article.authors.through, ("article_id", "reviewer_id"), iter(people))
        reviewed = [row for row in people if rng.random() < 0.9]
        _insert(Article.reviewers.through, ("article_id", "reviewer_id"), iter(reviewed))
        return written

    # --- Comments

    def thread_sizes(self):
        """How many comments each published article gets: the big threads, then the rest."""
        rng, live = self.rng, len(self.published_at)
        big, size = self.counts["big_threads"], self.counts["big_thread_size"]
        chosen = set(rng.sample(range(live), big))
        others = [n for n in range(live) if n not in chosen]
        left = self.counts["comments"] - big * size
        cap = max(size // 2, 1) if big else left
        spread = _spread(left, len(others), cap, rng) if others else []
        sizes = [0] * live
        for n in chosen:
            sizes[n] = size
        for n, thread_size in zip(others, spread, strict=True):
            sizes[n] = thread_size
        if not others and left:
            sizes[next(iter(chosen))] += left
        return sizes

    def write_comments(self, progress):
        rng = self.rng
        self.sizes = sizes = self.thread_sizes()
        total = sum(sizes)
        self.first_comment_id = first = _reserve_ids(Comment, total)
        # What later stages need of each post, by its position (id - first).
        self.status = bytearray(total)
        self.created = array("d", bytes(8 * total))
        self.author = array("q", bytes(8 * total))  # member n as n, guest serial s as -1 - s
        self.hugs = array("I", bytes(4 * total))
        self.reports = bytearray(total)
        self.reason = bytearray(total)  # the rejection reason's place in the list, plus one
        depth, members_only = bytearray(total), bytearray(total)
        root = array("q", [-1]) * total
        deepest = settings.COMMENTS_DISPLAY_DEPTH - 1
        threads = [self._thread_times(n, size) for n, size in enumerate(sizes) if size]
        answerable = {n: array("q") for n, size in enumerate(sizes) if size}
        pinned = set(rng.sample(range(len(sizes)), int(len(sizes) * PINNED_SHARE)))
        self.status_counts = [0] * 7
        ip_since = self.now - settings.IP_RETENTION_DAYS * DAY

        def rows():
            for pos, (at, article) in enumerate(heapq.merge(*threads)):
                members_before = bisect.bisect_right(self.joined, at)
                guest = None
                if rng.random() < GUEST_POST_SHARE:
                    is_unconfirmed = rng.random() < UNCONFIRMED_GUEST_POST_SHARE
                    guests = self.unconfirmed_guests if is_unconfirmed else self.confirmed_guests
                    guest = guests.pick(rng, at)
                member = None if guest else int(members_before * rng.random() ** 2)
                parent = None
                candidates = answerable[article]
                if candidates and rng.random() < REPLY_SHARE:
                    if rng.random() < 0.6:  # most answer a recent post
                        parent = candidates[-1 - rng.randrange(min(30, len(candidates)))]
                    else:
                        parent = candidates[rng.randrange(len(candidates))]
                    if guest and members_only[parent]:
                        parent = None  # a guest does not see a members-only post
                # A post of an address never confirmed waits for the confirmation for good.
                status = AWAITING if guest and not guest[4] else _pick(rng, STATUS_SHARES)
                is_banned = (
                    (member in self.banned_members)
                    if guest is None
                    else (guest[3] in self.banned_guests)
                )
                if is_banned:
                    if status in (PENDING, AWAITING):
                        status = REJECTED_BY_BAN  # rejected when the ban was made
                    self._note_banned_post(member, guest, at)
                is_members_only = (
                    bool(members_only[parent])
                    if parent is not None
                    else guest is None and rng.random() < MEMBERS_ONLY_SHARE
                )
                # How many hugs and reports it gets (written by later stages): by members
                # who had joined when it was written, never its author.
                others = members_before - (guest is None)
                hugs = reports = 0
                reasons, held_at = [], None
                if status == PUBLISHED and rng.random() < HUGGED_SHARE:
                    hugs = min(1 + int(rng.expovariate(0.5)), others)
                if status == PUBLISHED and rng.random() < REPORTED_PUBLISHED:
                    reports = min(1 + (rng.random() < 0.3), others)
                elif status in (REJECTED, SPAM) and rng.random() < REPORTED_TAKEN_DOWN:
                    reports = min(rng.randint(1, 3), others)
                elif status == PENDING:
                    held_at = at
                    if rng.random() < HIDDEN_BY_REPORTS and others >= 3:
                        reports = 3
                        held_at = min(at + 6 * 3600, self.now)
                        reasons = ["reported by 3 readers"]
                    else:
                        reasons = rng.choice(HOLD_REASONS)
                if status == REMOVED:
                    body, body_html = "", ""
                elif status == SPAM:
                    body, body_html = rng.choice(self.spam_texts)
                else:
                    body, body_html = self.texts[int(len(self.texts) * rng.random() ** 1.5)]
                is_pinned = (
                    article in pinned
                    and parent is None
                    and status == PUBLISHED
                    and not is_members_only
                )
                if is_pinned:
                    pinned.discard(article)
                self.status[pos], self.created[pos] = status, at
                self.author[pos] = member if guest is None else -1 - guest[3]
                self.hugs[pos], self.reports[pos] = hugs, reports
                self.status_counts[status] += 1
                members_only[pos] = is_members_only
                if parent is not None:
                    depth[pos] = depth[parent] + 1
                    root[pos] = parent if root[parent] < 0 else root[parent]
                if status in (PUBLISHED, REMOVED) and depth[pos] < deepest:
                    candidates.append(pos)
                yield (
                    first + pos,
                    self.article_ids[article],
                    None if parent is None else first + parent,
                    None if root[pos] < 0 else first + root[pos],
                    depth[pos],
                    None if guest else self.first_member_id + member,
                    guest[0] if guest else None,
                    guest[1] if guest else "",
                    body,
                    body_html,
                    STATUSES[status],
                    reasons,
                    _moment(held_at) if held_at else None,
                    self._rejection_code(pos, status),
                    is_pinned,
                    is_members_only,
                    hugs,
                    reports,
                    _ip(rng) if at >= ip_since else None,
                    _moment(at),
                    _moment(at + rng.uniform(30, 600))
                    if status == PUBLISHED and rng.random() < EDITED_SHARE
                    else None,
                )

        names = (
            *("id", "article_id", "parent_id", "root_id", "depth", "author_user_id"),
            *("author_subscriber_id", "guest_key", "body", "body_html", "status"),
            *("moderation_reasons", "held_at", "rejection_reason_id", "is_pinned"),
            *("members_only", "hug_count", "report_count", "ip_address", "created_at"),
            "edited_at",
        )
        return _insert(Comment, names, rows(), progress, total)

    def _thread_times(self, article, size):
        """The times of an article's comments, in order, each with the article: a burst in
        the days after it went live, the rest spread until now."""
        rng, published_at = self.rng, self.published_at[article]
        times = array("d")
        for _ in range(size):
            at = published_at + rng.expovariate(1 / (5 * DAY))
            if at >= self.now or rng.random() < 0.4:
                at = rng.uniform(published_at, self.now)
            times.append(at)
        return _stamped(array("d", sorted(times)), article)

    def _note_banned_post(self, member, guest, at):
        if guest is None:
            self.banned_members[member] = max(self.banned_members[member] or 0, at)
        else:
            entry = self.banned_guests[guest[3]]
            entry[1] = max(entry[1] or 0, at)

    def _rejection_code(self, pos, status):
        if status != REJECTED or not self.rejection_reasons:
            return None
        self.reason[pos] = 1 + self.rng.randrange(min(len(self.rejection_reasons), 255))
        return self.rejection_reasons[self.reason[pos] - 1][0]

    # --- Hugs and reports

    def _others(self, pos, count):
        """`count` distinct members, other than the post's author, who had joined when it was
        written."""
        members_before = bisect.bisect_right(self.joined, self.created[pos])
        author = self.author[pos]
        chosen = self.rng.sample(range(members_before), count + (author >= 0))
        if author in chosen:
            chosen.remove(author)
        return chosen[:count]

    def write_hugs(self, progress):
        rng, first = self.rng, self.first_comment_id

        def rows():
            for pos, count in enumerate(self.hugs):
                if not count:
                    continue
                at = self.created[pos]
                for member in self._others(pos, count):
                    hugged_at = min(at + rng.expovariate(1 / (2 * DAY)), self.now)
                    yield first + pos, self.first_member_id + member, _moment(hugged_at)

        names = ("comment_id", "user_id", "created_at")
        return _insert(Hug, names, rows(), progress, sum(self.hugs))

    def write_reports(self, progress):
        rng, first = self.rng, self.first_comment_id
        ip_since = self.now - settings.IP_RETENTION_DAYS * DAY

        def rows():
            for pos, count in enumerate(self.reports):
                if not count:
                    continue
                status = self.status[pos]
                if status == PUBLISHED:
                    dismissed = rng.random() < DISMISSED_SHARE
                    state = Report.State.DISMISSED if dismissed else Report.State.OPEN
                elif status == PENDING:
                    state = Report.State.OPEN
                else:
                    state = Report.State.RESOLVED
                at = self.created[pos]
                for member in self._others(pos, count):
                    reported_at = min(at + rng.expovariate(1 / (6 * 3600)), self.now)
                    reason = Report.Reason.SPAM if status == SPAM else rng.choice(REPORT_REASONS)
                    handled_at = None
                    if state != Report.State.OPEN:
                        handled_at = _moment(min(reported_at + rng.uniform(600, DAY), self.now))
                    yield (
                        first + pos,
                        self.first_member_id + member,
                        reason,
                        True,  # a member's report counts toward hiding the post
                        _ip(rng) if reported_at >= ip_since else None,
                        _moment(reported_at),
                        state,
                        handled_at,
                    )

        names = (
            *("comment_id", "reporter_user_id", "reason", "counts", "ip_address"),
            *("created_at", "state", "handled_at"),
        )
        return _insert(Report, names, rows(), progress, sum(self.reports))

    # --- Bans and the audit log

    def write_bans(self, progress):
        """Bans made after the person's last post (their waiting posts were rejected then):
        most for good, some suspensions, a few of them over."""
        rng = self.rng
        self.bans = []  # (member or None, email, subject, until, reason, made at)
        for member, last_post in self.banned_members.items():
            since = last_post or self.joined[member]
            made = min(since + rng.uniform(3600, 3 * DAY), self.now)
            name = self.member_name(member)
            self.bans.append((member, self.member_email(member), f"Ban of {name}", made))
        for email, last_post in self.banned_guests.values():
            made = min((last_post or self.opened) + rng.uniform(3600, 3 * DAY), self.now)
            self.bans.append((None, email, f"Ban of {email}", made))
        self.ban_times = {}

        def rows():
            for n, (member, email, _subject, made) in enumerate(self.bans):
                roll = rng.random()
                until = None
                if roll < 0.25:
                    until = self.now + rng.uniform(DAY, 60 * DAY)  # suspended
                elif roll < 0.40:
                    until = made + rng.uniform(DAY, 30 * DAY)  # suspended, over by now
                    until = min(until, self.now - 60)
                reason = BAN_REASONS[n % len(BAN_REASONS)]
                self.ban_times[n] = (until, reason)
                yield (
                    None if member is None else self.first_member_id + member,
                    "" if member is not None else email,
                    privacy.address_hash(email),
                    _moment(until) if until else None,
                    reason,
                    _moment(made),
                )

        names = ("user_id", "email", "email_hash", "until", "reason", "created_at")
        return _insert(Ban, names, rows(), progress, len(self.bans))

    def write_audit_log(self, progress):
        """What the moderators did, as comments/moderator_actions.py logs it: each rejection,
        spam mark and ban (the actor is left empty: no staff account is made)."""
        rng, first = self.rng, self.first_comment_id
        ban_made = {}
        for member, email, _subject, made in self.bans:
            ban_made[("member", member) if member is not None else ("guest", email)] = made
        guest_emails = {serial: entry[0] for serial, entry in self.banned_guests.items()}

        def author_name(author):
            return self.member_name(author) if author >= 0 else self.guest_names[-1 - author]

        def rows():
            for n, (_member, _email, subject, made) in enumerate(self.bans):
                until, reason = self.ban_times[n]
                yield (
                    "ban" if until is None else "suspend",
                    None,
                    subject,
                    "",
                    "",
                    reason,
                    _moment(made),
                )
            for pos, status in enumerate(self.status):
                if status not in (REJECTED, SPAM, REJECTED_BY_BAN):
                    continue
                author, at = self.author[pos], self.created[pos]
                subject = f"comment {first + pos} by {author_name(author)}"
                if status == REJECTED_BY_BAN:
                    key = (
                        ("member", author) if author >= 0 else ("guest", guest_emails[-1 - author])
                    )
                    action, before, note, when = (
                        "reject (author banned)",
                        "pending",
                        "",
                        ban_made[key],
                    )
                elif status == SPAM:
                    action, before, note = "mark spam", "pending", ""
                    when = min(at + rng.uniform(600, DAY), self.now)
                else:
                    action, before = "reject", "published" if self.reports[pos] else "pending"
                    reason = self.reason[pos]
                    note = self.rejection_reasons[reason - 1][1] if reason else ""
                    when = min(at + rng.uniform(600, DAY), self.now)
                yield action, first + pos, subject, before, STATUSES[status], note, _moment(when)

        names = ("action", "comment_id", "subject", "status_before", "status_after", "note")
        total = len(self.bans) + sum(
            self.status_counts[s] for s in (REJECTED, SPAM, REJECTED_BY_BAN)
        )
        return _insert(ModerationAction, (*names, "created_at"), rows(), progress, total)

    # --- What was made

    def summary(self):
        sizes = sorted(getattr(self, "sizes", []))
        lines = []
        if sizes:
            lines.append(
                "Threads: median {median:,}, 90th percentile {p90:,}, largest {top}.".format(
                    median=sizes[len(sizes) // 2],
                    p90=sizes[int(len(sizes) * 0.9)],
                    top=", ".join(f"{size:,}" for size in sizes[-5:][::-1]),
                )
            )
        counts = getattr(self, "status_counts", None)
        if counts:
            total = sum(counts)
            shares = ", ".join(
                f"{label} {counts[code] / total:.1%}"
                for code, label in (
                    *((PUBLISHED, "published"), (PENDING, "pending"), (AWAITING, "awaiting")),
                    *((REJECTED, "rejected"), (REJECTED_BY_BAN, "rejected at a ban")),
                    *((SPAM, "spam"), (REMOVED, "removed")),
                )
            )
            lines.append(f"Comments: {shares}.")
        return "\n".join(lines)
