"""The home page in a real Chromium, on a phone and on a desktop."""

import os

import pytest

from catalog.tests.factories import ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.mark.parametrize(("viewport", "columns"), [(PHONE, 2), (DESKTOP, 4)], ids=["phone", "desktop"])
def test_home_page_works_on_phone_and_desktop(live_server, browser, viewport, columns, tmp_path):
    ProductFactory.create_batch(6)
    context = browser.new_context(viewport=viewport, is_mobile=viewport is PHONE, has_touch=viewport is PHONE)
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    page.goto(f"{live_server.url}/")
    assert page.title() == "Artisan Market"
    assert page.get_by_role("heading", name="New arrivals").is_visible()
    assert page.locator(".product-card").count() == 6

    # Nothing wider than the screen, and the product grid has the columns the layout promises.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    grid_columns = page.evaluate("getComputedStyle(document.querySelector('.grid')).gridTemplateColumns.split(' ')")
    assert len(grid_columns) == columns

    # Keyboard users get the skip link first, visibly.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").bounding_box()["y"] >= 0

    # htmx loaded under the strict CSP, and the CSP blocked nothing of ours.
    assert page.evaluate("typeof htmx") == "object"
    assert problems == []

    page.get_by_role("link", name="Log in").click()
    assert page.get_by_label("Email").is_visible()
    page.screenshot(path=str(tmp_path / f"home-{viewport['width']}.png"), full_page=True)
    if os.environ.get("SCREENSHOT_DIR"):
        page.goto(f"{live_server.url}/")
        page.screenshot(path=os.path.join(os.environ["SCREENSHOT_DIR"], f"home-{viewport['width']}.png"))
    context.close()
