"""The admin's lists of big tables (comments, the audit log, members, subscribers) without a
count of every row on every page view.

Django's change list counts its rows twice per page: once for the paginator (`SELECT COUNT(*)`
of the filtered rows) and once for "N results (Show all)" (of the whole table). On a million
comments each count reads the whole table, a tenth of a second or more, on every page, for a
number nobody needs exactly. `EstimatedCountAdmin` drops the second (Django's
`show_full_result_count = False`) and gives the first to `EstimatedCountPaginator`, whose count
on PostgreSQL is the planner's estimate when that is above `ESTIMATE_ABOVE`: the table's
`pg_class.reltuples` (kept by ANALYZE and autovacuum) for an unfiltered list, else the row
estimate of `EXPLAIN` for the filtered query (the same query, never run). Below the threshold,
and on other databases, it is the real count; the page then reads as before. An estimated
count is shown as such: "about 1,000,000 comments" (templates/admin/pagination.html and
actions.html ask `is_estimate`).

An estimate may be off (statistics from before a bulk import, a filter the planner misjudges),
so it never decides which rows a page holds: a page is the rows at its offset, whatever the
estimate says, and each page reads one row more than it shows. A page with fewer rows than that
is the last, and gives the exact count (no longer an estimate); a page past the end (the "last
page" link of an estimate too high) costs one real count and shows the real last page; a full
page at or past the estimated end (an estimate too low) offers a next page.
"""

import json
import math

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.functional import cached_property

ESTIMATE_ABOVE = 10_000


def estimated_count(queryset):
    """PostgreSQL's estimate of the rows of `queryset`, or None when there is none to be had (an
    other database, a list rather than a query, a table never analysed)."""
    if not isinstance(queryset, QuerySet):
        return None
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    query = queryset.query
    if not query.where and not query.distinct and not query.combinator:
        # The whole table: its row count as of the last ANALYZE or VACUUM (-1: never made).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
                [connection.ops.quote_name(queryset.model._meta.db_table)],
            )
            row = cursor.fetchone()
        return int(row[0]) if row and row[0] >= 0 else None
    plan = queryset.order_by().explain(format="json")
    if not plan:  # a query Django knows is empty (none(), pk__in=[]) is never sent
        return 0
    return int(json.loads(plan)[0]["Plan"]["Plan Rows"])


def _rounded(count):
    """An estimate to two significant digits (999,987 is "about 1,000,000"): its last digits
    mean nothing, so the page does not show them."""
    if count < 100:
        return count
    step = 10 ** (int(math.log10(count)) - 1)
    return round(count / step) * step


class EstimatedCountPaginator(Paginator):
    """A paginator whose count is PostgreSQL's estimate for big lists (see the module's
    docstring), `is_estimate` then set; the real count otherwise."""

    estimate_above = ESTIMATE_ABOVE
    is_estimate = False

    @cached_property
    def count(self):
        estimate = estimated_count(self.object_list)
        if estimate is not None and estimate >= self.estimate_above:
            self.is_estimate = True
            return estimate
        return super().count

    def _learn(self, count):
        """The list's real count, once a page has shown it."""
        self.__dict__["count"] = count
        self.__dict__.pop("num_pages", None)
        self.is_estimate = False

    def page(self, number):
        if not self.count or not self.is_estimate:  # reading the count decides is_estimate
            return super().page(number)
        number = self._page_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:  # past the end: the real last page
            self._learn(self.object_list.count())
            return super().page(min(number, self.num_pages))
        if len(rows) <= self.per_page:  # the last page: the count is known
            self._learn(bottom + len(rows))
        elif number >= self.num_pages:  # more rows than the estimate: a next page
            self.__dict__["count"] = bottom + len(rows)
            self.__dict__.pop("num_pages", None)
        return self._get_page(rows[: self.per_page], number, self)

    def _page_number(self, number):
        """Django's test of a page number, but for its end: an estimated end may be low."""
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number

    def get_elided_page_range(self, number=1, **kwargs):
        # The page asked for may have been past the real end, and shown as the last page.
        return super().get_elided_page_range(min(int(number), self.num_pages), **kwargs)

    @property
    def count_shown(self):
        """The count with its thousands grouped, in the page's language (1,000,000); an
        estimate to two significant digits."""
        count = _rounded(self.count) if self.is_estimate else self.count
        return number_format(count, force_grouping=True)


class EstimatedCountAdmin:
    """A ModelAdmin mix-in for big tables: one estimated count per page view, not two real
    ones."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
