"""How often one person and one address may send posts, edits and reports.

These limits guard our own capacity (and the moderators' queue), so they fail open when the
counters' store cannot answer (accounts/ratelimits.py)."""

import ipaddress

from django.conf import settings

from accounts.ratelimits import hit


def is_within(ip, author, limits=None, action="comment"):
    """Count one send by `author` from `ip`: False when either used up a limit of `limits`
    ((count, seconds) pairs). Posts and edits share one count (`action` "comment"); reports
    have their own."""
    for limit, window in limits or settings.COMMENTS_RATE_LIMITS:
        for scope, identity in (("ip", _holder_of(ip)), ("who", author.identity)):
            if not hit(f"{action}-{scope}-{window}", identity, limit, window):
                return False
    return True


def _holder_of(ip):
    """What one visitor holds: an IPv6 visitor a whole /64 (each of its addresses is theirs to
    use), an IPv4 one their address."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    address = getattr(address, "ipv4_mapped", None) or address
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
