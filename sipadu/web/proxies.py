"""Which requests came through the reverse proxy: only those may name a forwarded client.

``SIPADU_TRUSTED_PROXIES`` says how many proxies append to ``X-Forwarded-*``; a client that
reaches an app port directly (a firewall left open) could send those headers itself and pick
the rate-limit counter it is counted under, or the host and scheme of the links it is sent.
So forwarded headers count only when the immediate peer, ``REMOTE_ADDR``, is one of
``SIPADU_PROXY_ADDRESSES`` (loopback unless set: a balancer on the same machine). A request
from any other peer is a direct client's: it is counted under its own peer address, and its
``X-Forwarded-*`` headers are ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from sipadu.settings import ProxyNetwork


def is_proxy_peer(remote_addr: str | None, proxies: Iterable[ProxyNetwork]) -> bool:
    """Whether ``remote_addr`` (the socket's peer) is one of the configured proxies."""
    if not remote_addr:
        return False
    try:
        peer = ipaddress.ip_address(remote_addr.strip())
    except ValueError:
        return False  # a Unix socket or garbage: no proxy we were told about
    if isinstance(peer, ipaddress.IPv6Address) and peer.ipv4_mapped is not None:
        peer = peer.ipv4_mapped
    return any(peer in network for network in proxies)
