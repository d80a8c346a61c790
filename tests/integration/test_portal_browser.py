"""The portal's start page in a real headless Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

import os

import pytest
from playwright.async_api import async_playwright

CHROMIUM = os.environ.get("KONTOR_CHROMIUM", "/usr/bin/chromium")
# This machine's network is closed; these flags stop Chromium's background calls home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
async def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} missing: run scripts/ensure-chromium (make test does)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        await browser.close()


@pytest.mark.parametrize(("locale", "heading", "lang"), [
    ("de-DE", "Willkommen im Kundenportal", "de"),
    ("en-GB", "Welcome to the customer portal", "en"),
])
async def test_start_page_speaks_the_browsers_language(stack, browser, locale, heading, lang):
    context = await browser.new_context(locale=locale)
    page = await context.new_page()
    response = await page.goto(stack.http("portal") + "/")
    assert response.status == 200
    assert await page.locator("h1").inner_text() == heading
    assert await page.get_attribute("html", "lang") == lang
    # The status link leads to the readiness report, which says the portal is ready.
    await page.locator("a").click()
    assert '"status":"ready"' in (await page.content()).replace(" ", "")
    await context.close()
