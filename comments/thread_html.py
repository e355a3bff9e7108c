"""The thread's posts written in HTML: each post (its face, kept in the fragments cache), what
the viewer may do with it (`Entry.actions`, decided by comments.thread.Viewer) and the reply
form under it, in page order (comments/thread.py decides all of that).

Written here rather than in a template: for a member's page of forty posts the template loop
cost as much as the rest of the page together (bench/run.py, "500 comm."). The words are the
ones a template would translate (the same msgids), translated once per page; every value is
escaped once (see _Page). The links to a post's own pages are written as comments/urls.py makes
them (tests/comments/test_thread.py checks that they resolve): a reverse() for each of them
cost more than the rest of the post.
"""

from django.middleware.csrf import get_token
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext


class _Page:
    """What every post of one page shares: its words, translated once, and the page form's
    address, token and author line, which every reply form on the page uses. Every value is
    escaped here, once: the rest of this module puts together only escaped or numeric parts."""

    def __init__(self, request, form):
        self.request = request
        self.removed = escape(gettext("This post was removed by its author."))
        # Our own msgids with markup in them, as {% translate %} would show them.
        self.edit = gettext('Edit<span class="visually-hidden"> your post</span>')
        self.delete = gettext('Delete<span class="visually-hidden"> your post</span>')
        self.hug = gettext('Send a hug<span class="visually-hidden"> to %(name)s</span>')
        self.report = gettext('Report<span class="visually-hidden"> post by %(name)s</span>')
        self.reply = gettext('Reply<span class="visually-hidden"> to %(name)s</span>')
        self.replies = gettext("Replies to %(name)s")
        if form is not None:
            self.action = escape(form.action)
            self.started = escape(form.started_token)
            self.posting_as = conditional_escape(form.posting_as)
            self.post_reply = escape(gettext("Post reply"))

    @cached_property
    def csrf_input(self):
        # Asked for only when a form is written: a page without one sets no CSRF cookie, so
        # the page cache may keep it.
        token = escape(get_token(self.request))
        return f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'


def hugs_label(count):
    """The count of a post's hugs in words ("1 hug", "1,204 hugs"), in the active language:
    under the post, and in the answer to a hug sent with JavaScript (comments/views.py)."""
    return ngettext("%(counter)s hug", "%(counter)s hugs", count) % {
        "counter": number_format(count, force_grouping=True)
    }


def _actions(entry, name, page):
    c, can, pk = entry.comment, entry.actions, entry.comment.pk
    parts = []
    if c.hug_count:
        counted = escape(hugs_label(c.hug_count))
        parts.append(f'<span class="comment__hugs" data-hug-count>{counted}</span>')
    if can.hug:
        pressed = "true" if can.has_hugged else "false"
        parts.append(
            f'<form method="post" action="/comments/{pk}/hug/" class="d-inline" data-hug-form>'
            f'{page.csrf_input}<button type="submit" class="btn btn-sm btn-outline-primary" '
            f'aria-pressed="{pressed}">{page.hug % {"name": name}}</button></form>'
        )
    if can.edit:
        parts.append(f'<a href="/comments/{pk}/edit/">{page.edit}</a>')
    if can.delete:
        parts.append(f'<a href="/comments/{pk}/delete/">{page.delete}</a>')
    if can.report:
        parts.append(f'<a href="/comments/{pk}/report/">{page.report % {"name": name}}</a>')
    return "\n    ".join(parts)


def _reply_form(entry, name, page):
    # Written as comments/_comment_form.html writes a form: the page's form's address, token
    # and author around this post's own reply fields.
    return (
        '\n  <details class="comment__reply">\n'
        f"    <summary>{page.reply % {'name': name}}</summary>\n"
        f'    <form class="comment-form" method="post" action="{page.action}"'
        f' enctype="multipart/form-data" data-comment-form data-parent="{entry.comment.pk}">\n'
        f"      {page.csrf_input}\n"
        f'      <input type="hidden" name="started" value="{page.started}">\n'
        "      <div data-form-errors></div>\n"
        f"      {entry.reply_fields}\n"
        f'      <p class="form-text">{page.posting_as}</p>\n'
        f'      <button type="submit" class="btn btn-primary">{page.post_reply}</button>\n'
        "    </form>\n  </details>"
    )


def _entry(entry, page):
    c = entry.comment
    name = escape(entry.author_name)
    waiting = " comment--waiting" if c.is_waiting else ""
    html = f'<li class="comment{waiting}" id="comment-{c.pk}" data-author="{name}">\n  '
    if c.is_removed:
        html += f'<p class="comment__removed">{page.removed}</p>'
    else:
        html += f'{entry.face}\n  <div class="comment__actions">\n    '
        html += _actions(entry, name, page) + "\n  </div>"
        if entry.actions.reply:
            html += _reply_form(entry, name, page)
    if entry.children:
        label = page.replies % {"name": name}
        html += f'\n  <ol class="thread thread--replies" aria-label="{label}">\n'
    else:
        html += "\n</li>\n"
    return html + "  </ol>\n</li>\n" * len(entry.ends)


def items(request, entries, form):
    """The posts of one page of the thread (prepared by comments.thread), each followed by its
    replies: a post with replies leaves its <li> open around their <ol>, and `entry.ends` are
    the posts whose lists of replies end after this entry. `form` is the page's comment form
    (None when the viewer may not post)."""
    page = _Page(request, form)
    return mark_safe("".join(_entry(entry, page) for entry in entries))
