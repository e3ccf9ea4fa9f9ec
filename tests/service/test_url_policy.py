"""File layers fetch only what the URL policy allows: public addresses by default,
checked on the resolved addresses and at every redirect (against a real local HTTP
server, so every refusal here is of a loopback address or a host not listed)."""
from __future__ import annotations

import ipaddress

import pytest
from aiohttp import web

from engine.mix.spec import FileSource
from listener.errors import PermanentJobError
from listener.jobs.downloads import download_sources
from listener.jobs.url_policy import UrlPolicy, UrlRefused
from listener.storage.file import FileStorage
from tests.service.harness import free_port

BODY = b"RIFF-not-really-a-wav-but-bytes"


@pytest.fixture
async def server():
    """127.0.0.1: /file answers bytes, /hop redirects to /file by the name localhost."""
    port = free_port()

    async def file(_request):
        return web.Response(body=BODY)

    async def hop(_request):
        raise web.HTTPFound(f"http://localhost:{port}/file")

    app = web.Application()
    app.router.add_get("/file", file)
    app.router.add_get("/hop", hop)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield port
    await runner.cleanup()


async def fetch(url: str, policy: UrlPolicy, tmp_path, required: bool = True):
    storage = FileStorage(tmp_path / "storage", "http://127.0.0.1:1/files/")
    return await download_sources([FileSource(0, url, None, required)], tmp_path, storage,
                                  timeout_s=10, policy=policy)


async def test_by_default_a_loopback_address_is_refused_for_good(server, tmp_path):
    with pytest.raises(PermanentJobError) as caught:
        await fetch(f"http://127.0.0.1:{server}/file", UrlPolicy(), tmp_path)
    message = str(caught.value)
    assert message.startswith(f"layers[0].url: could not download 'http://127.0.0.1:{server}/file': "
                              "refused by the URL policy: 127.0.0.1 is a loopback address")
    assert "MIX_URL_PRIVATE=true" in message
    assert not (tmp_path / "layer-0").exists()


async def test_a_name_is_judged_by_the_addresses_it_resolves_to(server, tmp_path):
    with pytest.raises(PermanentJobError, match="refused by the URL policy: localhost is a loopback address"):
        await fetch(f"http://localhost:{server}/file", UrlPolicy(), tmp_path)


async def test_an_optional_layer_is_left_out_with_the_reason(server, tmp_path):
    result = await fetch(f"http://127.0.0.1:{server}/file", UrlPolicy(), tmp_path, required=False)
    assert result.files == {}
    assert "refused by the URL policy" in result.warnings[0] and "left out" in result.warnings[0]


async def test_private_addresses_when_allowed(server, tmp_path):
    result = await fetch(f"http://localhost:{server}/hop", UrlPolicy(allow_private=True), tmp_path)
    assert result.files[0].read_bytes() == BODY


async def test_every_redirect_hop_is_checked_against_the_host_list(server, tmp_path):
    policy = UrlPolicy(hosts=("127.0.0.1",), allow_private=True)
    result = await fetch(f"http://127.0.0.1:{server}/file", policy, tmp_path)
    assert result.files[0].read_bytes() == BODY
    with pytest.raises(PermanentJobError, match="host localhost is not in MIX_URL_HOSTS"):
        await fetch(f"http://127.0.0.1:{server}/hop", policy, tmp_path)


@pytest.mark.parametrize("address, verdict", [
    ("93.184.216.34", None), ("2606:2800:220:1::1", None),
    ("169.254.169.254", "a link-local address"), ("10.1.2.3", "a private address"),
    ("192.168.0.1", "a private address"), ("::1", "a loopback address"),
    ("::ffff:10.0.0.1", "a private address"), ("100.64.0.1", "a non-public address"),
    ("0.0.0.0", "a private address"), ("224.0.0.1", "a multicast address"),
])
def test_address_classes(address, verdict):
    policy = UrlPolicy()
    if verdict is None:
        policy.check_address("h", ipaddress.ip_address(address))
    else:
        with pytest.raises(UrlRefused, match=verdict):
            policy.check_address("h", ipaddress.ip_address(address))


@pytest.mark.parametrize("url, reason", [
    ("ftp://example.com/a.wav", "only http and https"),
    ("file:///etc/passwd", "only http and https"),
    ("http:///nohost", "no host"),
])
def test_urls_refused_before_any_connection(url, reason):
    with pytest.raises(UrlRefused, match=reason):
        UrlPolicy().check_url(url)


def test_host_patterns():
    policy = UrlPolicy(hosts=("files.example.com", "*.cdn.example.org"))
    policy.check_url("https://files.example.com/a.wav")
    policy.check_url("https://eu.cdn.example.org/a.wav")
    for url in ("https://example.com/a.wav", "https://cdn.example.org.evil.net/a.wav",
                "https://evilcdn.example.org/a.wav"):
        with pytest.raises(UrlRefused, match="not in MIX_URL_HOSTS"):
            policy.check_url(url)
