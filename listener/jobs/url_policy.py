"""Which URLs a mix's file layers may fetch.

The worker runs inside the deployment's network. A file layer naming an internal
address (a cloud metadata endpoint at 169.254.169.254, an admin port on localhost,
the database's host) would let anyone who can write a mix job make the worker
read from it: server-side request forgery. So by default a layer URL may only
reach public addresses. The check is made on the addresses the name actually
resolves to, at connection time (a resolver that filters them), so a DNS answer
that changes between a check and the connection cannot slip through; literal IP
hosts and every redirect hop are checked before they are fetched.

MIX_URL_HOSTS narrows the hosts a layer may name (exact names, or `*.example.com`
for the subdomains of example.com); MIX_URL_PRIVATE=true lets layer URLs reach
non-public addresses, for a file server inside the deployment's own network.
Layers given by storage key are fetched through the service's own storage and
are not subject to this policy.
"""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver


class UrlRefused(OSError):
    """The URL or an address it resolves to is outside the policy (never worth a retry)."""


@dataclass(frozen=True)
class UrlPolicy:
    hosts: tuple[str, ...] = ()     # empty: any host name
    allow_private: bool = False     # may URLs reach loopback, private, link-local... addresses?

    def check_url(self, url: str) -> None:
        """Refuse a URL by its scheme, its host name, or its literal IP address."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise UrlRefused(f"only http and https URLs are fetched, not {parts.scheme or 'a URL without a scheme'}")
        host = (parts.hostname or "").rstrip(".").lower()
        if not host:
            raise UrlRefused("the URL has no host")
        if self.hosts and not any(_host_matches(host, pattern) for pattern in self.hosts):
            raise UrlRefused(f"host {host} is not in MIX_URL_HOSTS ({', '.join(self.hosts)})")
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return  # a name: its addresses are checked when it is resolved
        self.check_address(host, address)

    def check_address(self, host: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
        if self.allow_private:
            return
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if not address.is_global or address.is_multicast:
            raise UrlRefused(f"{host} is {_address_kind(address)} ({address}), not a public address; "
                             f"set MIX_URL_PRIVATE=true to let file layers reach it")


class PolicyResolver(AbstractResolver):
    """aiohttp's resolver, keeping only the addresses the policy allows."""

    def __init__(self, policy: UrlPolicy):
        self.policy = policy
        self._inner = DefaultResolver()

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        kept, refusal = [], None
        for result in results:
            try:
                self.policy.check_address(host.rstrip("."), ipaddress.ip_address(result["host"]))
                kept.append(result)
            except UrlRefused as exc:
                refusal = exc
        if not kept and refusal is not None:
            raise refusal
        return kept

    async def close(self) -> None:
        await self._inner.close()


def _host_matches(host: str, pattern: str) -> bool:
    pattern = pattern.strip().rstrip(".").lower()
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return host == pattern


def _address_kind(address) -> str:
    for attribute, kind in (("is_loopback", "a loopback address"), ("is_link_local", "a link-local address"),
                            ("is_private", "a private address"), ("is_multicast", "a multicast address"),
                            ("is_unspecified", "the unspecified address"), ("is_reserved", "a reserved address")):
        if getattr(address, attribute):
            return kind
    return "a non-public address"
