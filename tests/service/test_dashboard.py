"""The dashboard in a real headless Chromium against the real service: jobs appear
and move live, results play, database text is shown as text, admin buttons
send the token and show the service's refusals."""
from __future__ import annotations

import json
import time

import aiohttp
import pytest

from tests.service.browser import Browser, ensure_chromium
from tests.service.harness import ServiceProcess, wait_for

pytestmark = pytest.mark.slow

TOKEN = "dashboard-test-token-0123456789"
# A few seconds of compiled-tier work (25 sines a sample at 44.1 kHz): long
# enough for the page to see its progress bar move.
SLOW_SONG = "(()=>{let s=0;for(let i=0;i<25;i++)s+=sin(t*i/1e4);return s/25})()"
THROWS_HTML = "(()=>{throw '<img src=x onerror=\"window.__xss=3;alert(3)\">'})()"


@pytest.fixture(scope="session")
def chromium():
    path, reason = ensure_chromium()
    if path is None:
        pytest.skip(reason)
    return path


@pytest.fixture
async def browser(chromium, tmp_path):
    b = await Browser(chromium, tmp_path / "chromium-profile").start()
    yield b
    await b.close()


@pytest.fixture
async def page(browser):
    p = await browser.new_page()
    yield p
    await p.close()


async def start_service(database, tmp_path, worker_id, **env) -> ServiceProcess:
    service = ServiceProcess(database, tmp_path, worker_id, **env)
    await service.start()
    return service


@pytest.fixture
async def service(database, tmp_path):
    s = await start_service(database, tmp_path, "dash", ADMIN_TOKEN=TOKEN)
    yield s
    s.close()


async def open_dashboard(page, service) -> None:
    await page.goto(service.base_url + "/")
    await page.wait_for("document.body.dataset.loaded === '1'")
    await page.wait_for("document.getElementById('connection').dataset.state === 'live'")


def card(job_selector: str) -> str:
    return f"document.querySelector({json.dumps(job_selector)})"


async def insert_post(db, title, expression, mode="uint8", rate=8000, seconds=5) -> int:
    return await db.fetchval(
        "INSERT INTO posts (title, expression, mode, sample_rate, prerender_duration)"
        " VALUES ($1, $2, $3, $4, $5) RETURNING id", title, expression, mode, rate, seconds)


async def job_of(db, post_id) -> int:
    """The post's newest job (a worker may make it only when it claims the post)."""
    return await wait_for(lambda: db.fetchval("SELECT max(id) FROM render_jobs WHERE post_id = $1", post_id))


async def test_a_render_appears_moves_and_plays(service, page, db):
    await open_dashboard(page, service)
    post = await insert_post(db, "a slow song", SLOW_SONG, "float", 44100, 40)
    job = await job_of(db, post)
    sel = f'li.job[data-job-id="{job}"]'

    # the first event may come before the page knows the post's title: it fills it in
    assert await page.wait_for(f"{card(sel)}?.querySelector('.job-title').textContent === 'a slow song'")
    # the bar is driven by the /events stream: record each value it takes while running
    seen: set[int] = set()
    done_sel = f'#jobs-done {sel}'
    deadline = time.monotonic() + 120
    while not await page.evaluate(f"!!{card(done_sel)}"):
        assert time.monotonic() < deadline, f"not done in time; progress seen: {sorted(seen)}"
        value = await page.evaluate(f"{card(f'#jobs-running {sel} progress')}?.value ?? null")
        if value is not None:
            seen.add(value)
        assert not await page.evaluate(f"!!{card(f'#jobs-failed {sel}')}"), "the render failed"
    assert len(seen) >= 2 and max(seen) > min(seen), f"progress never moved: {sorted(seen)}"

    audio = f"{card(done_sel)}.querySelector('audio')"
    src = await page.wait_for(f"{audio}.src")
    assert await page.wait_for(f"{audio}.readyState >= 1", timeout=20)
    assert await page.evaluate(f"{audio}.duration") == pytest.approx(40, abs=0.1)
    assert await page.evaluate("new Audio().canPlayType('audio/wav')") in ("maybe", "probably")
    async with aiohttp.ClientSession() as http:
        async with http.get(src) as r:
            assert r.status == 200 and r.headers["Content-Type"].startswith("audio/")
    # no waveform_url from a bytebeat render: the page draws it from the decoded audio
    assert await page.evaluate(f"{card(done_sel)}.querySelector('.waveform img') === null")
    assert await page.wait_for(f"{card(done_sel)}.querySelector('.waveform canvas').dataset.drawn === '1'",
                               timeout=30)
    assert page.exceptions == [] and page.dialogs == []


async def test_database_text_is_shown_as_text_and_never_runs(service, page, db):
    await open_dashboard(page, service)
    titles = ['<script>window.__xss=1;alert(1)</script>',
              '<img src=x onerror="window.__xss=2;alert(2)">']
    jobs = [await job_of(db, await insert_post(db, t, THROWS_HTML)) for t in titles]

    for job, title in zip(jobs, titles):
        sel = f'#jobs-failed li.job[data-job-id="{job}"]'
        assert await page.wait_for(f"{card(sel)}?.querySelector('.job-title').textContent") == title
        error = await page.evaluate(f"{card(sel)}.querySelector('.job-error').textContent")
        assert '<img src=x onerror="window.__xss=3;alert(3)">' in error
    assert await page.evaluate("document.querySelectorAll('main script, main img').length") == 0
    assert await page.evaluate("window.__xss === undefined")
    assert page.dialogs == []


async def test_admin_buttons_send_the_token_and_show_refusals(service, page, db):
    await open_dashboard(page, service)
    job = await job_of(db, await insert_post(db, "fails", THROWS_HTML))
    failed = f'#jobs-failed li.job[data-job-id="{job}"]'
    await page.wait_for(f"!!{card(failed)}")

    page.prompt_answer = "a-wrong-token-of-enough-length"
    await page.evaluate(f"{card(failed)}.querySelector('button.retry').click()")
    message = await page.wait_for("document.getElementById('message').textContent")
    assert "401" in message
    assert await page.evaluate(f"sessionStorage.length") == 0, "a refused token is forgotten"

    page.prompt_answer = TOKEN
    first_finish = await db.fetchval("SELECT finished_at FROM render_jobs WHERE id = $1", job)
    await page.evaluate("document.getElementById('message').textContent = ''")
    await page.evaluate(f"{card(failed)}.querySelector('button.retry').click()")
    assert "accepted" in await page.wait_for("document.getElementById('message').textContent")
    assert page.dialogs == ["prompt: Admin token (ADMIN_TOKEN of the service):"] * 2
    # the retried job runs again and fails again; the page hears it over /events
    finished = await wait_for(lambda: db.fetchval(
        "SELECT finished_at FROM render_jobs WHERE id = $1 AND state = 'failed' AND finished_at > $2",
        job, first_finish))
    shown = await page.wait_for(f"{card(failed)}?.querySelector('time.finished')?.getAttribute('datetime')"
                                f" === {json.dumps(finished.isoformat())}")
    assert shown

    # cancel a running render; the token is remembered, so no second prompt
    slow = await job_of(db, await insert_post(db, "to cancel", SLOW_SONG, "float", 44100, 120))
    running = f'#jobs-running li.job[data-job-id="{slow}"] button.cancel'
    await page.wait_for(f"!!{card(running)}")
    await page.evaluate(f"{card(running)}.click()")
    cancelled = f'#jobs-cancelled li.job[data-job-id="{slow}"]'
    await page.wait_for(f"!!{card(cancelled)}", timeout=30)
    assert len(page.dialogs) == 2
    assert await db.fetchval("SELECT state FROM render_jobs WHERE id = $1", slow) == "cancelled"


async def test_admin_buttons_without_a_configured_token_show_403(database, tmp_path, page, db):
    service = await start_service(database, tmp_path, "dash-no-token")
    try:
        await open_dashboard(page, service)
        job = await job_of(db, await insert_post(db, "fails", THROWS_HTML))
        failed = f'#jobs-failed li.job[data-job-id="{job}"]'
        await page.wait_for(f"!!{card(failed)}")
        page.prompt_answer = TOKEN
        await page.evaluate(f"{card(failed)}.querySelector('button.retry').click()")
        assert "403" in await page.wait_for("document.getElementById('message').textContent")
        assert await db.fetchval("SELECT state FROM render_jobs WHERE id = $1", job) == "failed"
    finally:
        service.close()


async def test_the_page_and_its_assets_are_served_with_a_strict_policy():
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    from listener.dashboard import add_dashboard_routes

    app = web.Application()
    add_dashboard_routes(app)
    async with TestServer(app, host="127.0.0.1") as server, aiohttp.ClientSession() as http:
        async with http.get(server.make_url("/")) as r:
            assert r.status == 200 and r.content_type == "text/html"
            policy = r.headers["Content-Security-Policy"]
            assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
            assert r.headers["X-Content-Type-Options"] == "nosniff"
            page = await r.text()
        for asset, kind in [("/dashboard/dashboard.js", "javascript"), ("/dashboard/dashboard.css", "text/css")]:
            assert f'"{asset}"' in page
            async with http.get(server.make_url(asset)) as r:
                assert r.status == 200 and kind in r.content_type
                source = await r.text()
            for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
                assert sink not in source, f"{asset} uses {sink}: build the DOM with textContent"
        async with http.get(server.make_url("/dashboard/../__init__.py")) as r:
            assert r.status in (403, 404)


async def test_the_page_reconnects_and_catches_up_after_a_restart(database, tmp_path, page, db):
    first = await start_service(database, tmp_path, "dash-a")
    try:
        await open_dashboard(page, first)
        assert await first.terminate() == 0
    finally:
        first.close()
    await page.wait_for("document.getElementById('connection').dataset.state === 'reconnecting'")
    post = await insert_post(db, "rendered while the page was away", "t*(t>>5|t>>8)")

    second = ServiceProcess(database, tmp_path, "dash-b", HTTP_PORT=str(first.port))
    second.port = first.port  # the page's EventSource reconnects to the same address
    try:
        await second.start()
        job = await job_of(db, post)
        done = f'#jobs-done li.job[data-job-id="{job}"]'
        assert await page.wait_for(f"{card(done)}?.querySelector('.job-title').textContent", timeout=30) \
            == "rendered while the page was away"
        assert await page.evaluate("document.getElementById('connection').dataset.state") == "live"
    finally:
        second.close()
