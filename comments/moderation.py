"""The moderation policy: what happens to a new post. A pure function of its inputs.

This first version publishes every post from a proven author; the rules (watched words, links,
blocked addresses, new authors, reports) come with the moderation work.
"""

from dataclasses import dataclass, field

PUBLISHED = "published"
PENDING = "pending"


@dataclass(frozen=True)
class Decision:
    status: str
    reasons: list = field(default_factory=list)


def decide(*, author, text, article, rules=None):
    """Return the Decision for a post by `author` (a member or a subscriber) on `article`."""
    return Decision(PUBLISHED)
