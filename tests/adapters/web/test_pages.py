"""Public pages over HTTP: a member's portfolio (/p/<slug>) and a community's page (/c/<slug>).

Status, content, escaping of hostile names, private things never shown, noindex by default,
404 when unknown or off. The same page is then loaded in a real headless browser."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bot.app import App
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.features.projects.models import Portfolio
from tests.conftest import ConsoleHarness

HOSTILE = "<script>alert(1)</script> Ada"
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture
async def web_app(database_url: str, clock: ManualClock) -> AsyncIterator[App]:
    settings = Settings(database={"url": database_url}, http={"host": "127.0.0.1", "port": 0},
                        console={"member": "ada", "community": "Test group"})
    app = App(settings, clock=clock)
    await app.web.start()
    try:
        yield app
    finally:
        await app.close()


async def publish(app: App) -> tuple[ConsoleHarness, str]:
    console = ConsoleHarness(app)
    await console.say(
        'project add "HDFS anomaly detector" --problem "Flag failing blocks <b>early</b>" '
        '--dataset "Loghub HDFS_v1"',
        'project add "Secret salary model" --private',
        'project log 1 "parsed the logs with Drain"',
        "admin set channel showcase #showcase",
        "project showcase 1",
        "/as grace", "project review 1", "1",
        "4 clear metric", "3 time split", "2 no baseline yet", "4 held-out week", "5 reproducible",
        "/as",
    )
    out = await console.say(f'portfolio on --name "{HOSTILE}"')
    match = re.search(r"(http://127\.0\.0\.1:\d+/p/[a-z0-9-]+)", out)
    assert match, out
    return console, match[1]


async def get(url: str) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.get(url)


async def test_the_portfolio_page_shows_public_work_escaped_and_noindex(web_app: App) -> None:
    console, url = await publish(web_app)
    assert url == web_app.web.url("/p/script-alert-1-script-ada")
    assert url in await console.say("portfolio")
    response = await get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Ada" in html
    assert "<script>" not in html and "<b>early</b>" not in html
    assert "Flag failing blocks &lt;b&gt;early&lt;/b&gt;" in html
    assert '<meta name="robots" content="noindex">' in html
    assert "HDFS anomaly detector" in html and "Loghub HDFS_v1" in html
    assert "Peer review: 3.6/5 from 1 review" in html
    assert "Secret salary model" not in html  # private: never on a page
    assert "Personal projects" in html and "Check-in streak" in html

    await console.say("portfolio on --index")
    assert 'name="robots"' not in (await get(url)).text


async def test_unknown_and_switched_off_pages_are_404(web_app: App) -> None:
    console, url = await publish(web_app)
    assert (await get(web_app.web.url("/p/nobody"))).status_code == 404
    assert (await get(web_app.web.url("/p/..%2F..%2Fetc"))).status_code == 404
    assert "Portfolio page taken down" in await console.say("portfolio off")
    gone = await get(url)
    assert gone.status_code == 404 and "Page not found" in gone.text
    async with web_app.session_factory() as session:
        row = (await session.execute(select(Portfolio))).scalar_one()
    assert row.enabled is False


async def test_the_community_page_is_opt_in_and_names_only_published_members(web_app: App) -> None:
    console, _ = await publish(web_app)
    out = await console.say("admin portfolio community on")
    match = re.search(r"(http://127\.0\.0\.1:\d+/c/[a-z0-9-]+)", out)
    assert match, out
    html = (await get(match[1])).text
    assert "Test group" in html and "HDFS anomaly detector" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Ada" in html  # published, so named
    assert "Secret salary model" not in html
    assert "Most helpful reviewers" in html and "<td>A member</td><td>1</td>" in html  # grace: unnamed
    await console.say("/as grace")
    assert "Only community admins" in await console.say("admin portfolio community off")
    await console.say("/as", "admin portfolio community off")
    assert (await get(match[1])).status_code == 404


def _browser_available() -> str | None:
    """Why a browser test can't run here, or None when it can."""
    if shutil.which("chromium") is None:
        return "Debian's chromium is not installed (apt-get install chromium chromium-driver)"
    if not Path(CHROMEDRIVER).exists():
        return f"{CHROMEDRIVER} is missing (apt-get install chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install '.[test]')"
    return None


def _load_in_browser(url: str) -> dict[str, object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=390,844"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        driver.get(url)
        return {
            "title": driver.title,
            "h1": driver.find_element(By.TAG_NAME, "h1").text,
            "projects": [e.find_element(By.TAG_NAME, "h3").text
                         for e in driver.find_elements(By.CSS_SELECTOR, "article.project")],
            "body": driver.find_element(By.TAG_NAME, "body").text,
            "scripts": len(driver.find_elements(By.TAG_NAME, "script")),
            "fits": driver.execute_script(
                "return document.documentElement.scrollWidth <= window.innerWidth"),
        }
    finally:
        driver.quit()


async def test_a_person_sees_the_page_in_a_real_browser(web_app: App) -> None:
    reason = _browser_available()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the browser test: {reason}")
        pytest.skip(reason)
    _, url = await publish(web_app)
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium must never download a browser or driver
    seen = await asyncio.to_thread(_load_in_browser, url)
    assert seen["title"] == f"{HOSTILE} · Pivot"
    assert seen["h1"] == HOSTILE  # shown as text, not run
    assert seen["scripts"] == 0
    assert seen["projects"] == ["HDFS anomaly detector"]
    body = str(seen["body"])
    assert "Secret salary model" not in body
    assert "Flag failing blocks <b>early</b>" in body
    assert "Peer review: 3.6/5 from 1 review" in body
    assert seen["fits"] is True  # readable on a phone: nothing wider than the screen


async def test_the_page_shows_challenges_by_topic_streak_and_kaggle(web_app: App) -> None:
    from bot.core.tenancy import Member
    from bot.features.checkins.models import CheckinSchedule
    from bot.features.kaggle.models import KaggleCompetition
    from bot.features.kaggle.service import enter

    console, url = await publish(web_app)
    now = web_app.clock.now()
    await console.say("admin set channel challenge #daily", "admin challenge post-now")
    await console.say("challenge answer A")
    await console.say("checkin schedule daily 18:00")
    async with web_app.session_factory() as session:
        ada = (await session.execute(select(Member).where(Member.platform_user_id == "ada"))).scalar_one()
        session.add(KaggleCompetition(ref="titanic", title="Titanic <ML from Disaster>",
                                      url="https://www.kaggle.com/competitions/titanic",
                                      first_seen_at=now, last_seen_at=now))
        await session.flush()
        await enter(session, ada, "titanic", now=now)
        schedule = (await session.execute(select(CheckinSchedule))).scalar_one()
        schedule.current_streak, schedule.best_streak = 3, 5
        await session.commit()
    html = (await get(url)).text
    assert "Titanic &lt;ML from Disaster&gt;" in html
    assert "Check-in streak: <strong>3</strong> (best 5)" in html
    assert "answered correctly" in html and "<th>Topic</th>" in html
