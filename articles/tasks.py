"""The task name that rows queued by earlier releases still carry.

The task lives beside the function it runs, in the module that queues it (articles/newsletter.py);
with TASKS_BACKEND=database a queued row names its task by import path, so the old path stays
importable here until no row queued before the move is left.
"""

from articles.newsletter import send_newsletter_batch

__all__ = ["send_newsletter_batch"]
