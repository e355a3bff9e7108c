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
"""

import json
import math

from django.core.paginator import Paginator
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
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


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
            return _rounded(estimate)
        return super().count

    @property
    def count_shown(self):
        """The count with its thousands grouped, in the page's language (1,000,000)."""
        return number_format(self.count, force_grouping=True)


class EstimatedCountAdmin:
    """A ModelAdmin mix-in for big tables: one estimated count per page view, not two real
    ones."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
