"""What users of the trial ran into on the list page, checked where only a browser shows
it: a logout in another tab, the quick-add title chip in both themes, labels cut short,
toasts piling up over the field being typed in, and a row whose task was deleted in
another tab."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from ..factories import PASSWORD, make_task
from .support import log_in
from .test_flow import COMPLETED, row

#: WCAG AA for normal text.
MIN_CONTRAST = 4.5

#: The contrast between an element's text colour and the first opaque background behind
#: it (sRGB colours as the browser computes them).
CONTRAST = """(element) => {
  const parse = (text) => {
    const found = text.match(/rgba?\\(([^)]+)\\)/);
    if (!found) throw new Error("cannot read colour " + text);
    const [r, g, b, a = 1] = found[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return { r, g, b, a };
  };
  const luminance = ({ r, g, b }) => {
    const channel = (value) => {
      const c = value / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  let node = element;
  let background = null;
  while (node) {
    const colour = parse(getComputedStyle(node).backgroundColor);
    if (colour.a > 0.99) { background = colour; break; }
    node = node.parentElement;
  }
  background = background || { r: 255, g: 255, b: 255, a: 1 };
  const text = parse(getComputedStyle(element).color);
  const [light, dark] = [luminance(text), luminance(background)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}"""

#: The labels of a select (every option) or an input (its placeholder) that do not fit in
#: the control's text box, measured in the control's own font.
CUT_LABELS = """(element) => {
  const style = getComputedStyle(element);
  const context = document.createElement("canvas").getContext("2d");
  context.font = [style.fontStyle, style.fontWeight, style.fontSize, style.fontFamily].join(" ");
  const room = element.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const labels = element.tagName === "SELECT"
    ? Array.from(element.options).map((option) => option.text)
    : [element.placeholder];
  return labels
    .filter((label) => context.measureText(label).width > room + 0.5)
    .map((label) => `${label} (${Math.ceil(context.measureText(label).width)}px in ${room}px)`);
}"""

BOXES_OVERLAP = """([a, b]) => {
  const r = a.getBoundingClientRect();
  const s = b.getBoundingClientRect();
  return r.left < s.right && s.left < r.right && r.top < s.bottom && s.top < r.bottom;
}"""


@pytest.fixture
def two_tasks(alice: Any, db_session: Session) -> Any:
    make_task(db_session, alice, "Water the plants", commit=False, tags=["home"])
    make_task(db_session, alice, "Book the dentist", commit=False)
    db_session.commit()
    return alice


def test_a_logout_in_another_tab_sends_quick_add_to_login_and_back_to_the_page(
    pages: Any, two_tasks: Any
) -> None:
    page = pages.open()
    log_in(page)
    page.goto("/tasks?status=all")
    other = pages.new_page(page.context)  # the same browser: the same cookies
    other.goto("/tasks")
    other.get_by_role("button", name="Log out").click()
    other.wait_for_url("**/auth/login")

    page.fill("#quick-text", "Buy milk tomorrow")  # asks for the preview, logged out
    page.wait_for_url(re.compile(r"/auth/login\?next="))
    expect(page.locator("#task-list")).to_have_count(0)
    page.fill("#email", "alice@example.com")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/tasks?status=all")
    # The whole page, styled, not the bare preview fragment.
    expect(page.locator("#task-list")).to_be_visible()
    expect(page.locator(".task-counts")).to_be_visible()
    assert page.evaluate("document.styleSheets.length") >= 2


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_quick_add_title_chip_is_readable(logged_in: Any, theme: str) -> None:
    page = logged_in(color_scheme=theme)
    page.fill("#quick-text", "Pay rent tomorrow #bills")
    chip = page.locator("#quick-preview .chip-title")
    expect(chip).to_have_text("Pay rent")
    contrast = chip.evaluate(CONTRAST)
    assert contrast >= MIN_CONTRAST, f"title chip contrast {contrast:.2f} in the {theme} theme"


def test_filter_and_bulk_labels_show_whole(logged_in: Any, two_tasks: Any, device: str) -> None:
    page = logged_in(device)
    page.locator(".filter-details summary").click()
    page.locator(".bulk-details summary").click()
    controls = page.locator(".filter-grid select, #bulk-form select, #bulk-form input[name=value]")
    expect(controls.first).to_be_visible()
    cut = {}
    for index in range(controls.count()):
        control = controls.nth(index)
        found = control.evaluate(CUT_LABELS)
        if found:
            cut[control.get_attribute("name")] = found
    assert not cut, f"labels cut short on the {device}: {cut}"


@pytest.mark.parametrize(
    "size",
    [{"width": 1280, "height": 800}, {"width": 390, "height": 300}],
    ids=["desktop", "short"],
)
def test_one_toast_at_a_time_and_never_over_the_field_being_typed_in(
    logged_in: Any, two_tasks: Any, size: dict[str, int]
) -> None:
    page = logged_in("phone" if size["width"] < 500 else "desktop", viewport=size)
    # Page time stands still unless moved, so no toast goes away by itself meanwhile,
    # however slowly the machine answers.
    page.clock.install()
    page.clock.pause_at(page.evaluate("Date.now()") + 1000)
    for title in ("Buy milk", "Call the bank", "Pay the gas bill"):
        page.fill("#quick-text", title)
        with page.expect_response(lambda response: response.url.endswith("/tasks/quick")):
            page.press("#quick-text", "Enter")
        page.clock.run_for(100)  # htmx swaps and settles on timers
        expect(row(page, title)).to_be_visible()
    field = page.locator("#quick-text")
    # The field low on the screen, as when a phone's keyboard has pushed the page up.
    field.evaluate("(element) => element.scrollIntoView({ block: 'end', behavior: 'instant' })")
    field.focus()  # typing the next one (a click would scroll away from a covering toast)
    toasts = page.locator("#toasts .toast")
    expect(toasts).to_have_count(1)
    expect(toasts).to_contain_text("Added “Pay the gas bill”.")
    region = page.locator("#toasts")
    expect(region).to_have_attribute("aria-live", "polite")
    assert not page.evaluate(BOXES_OVERLAP, [region.element_handle(), field.element_handle()])


def test_a_row_whose_task_was_deleted_in_another_tab_goes_away(pages: Any, two_tasks: Any) -> None:
    page = pages.open()
    log_in(page)
    other = pages.new_page(page.context)
    other.goto("/tasks")
    row(other, "Water the plants").locator("button[aria-label^=Delete]").click()
    expect(row(other, "Water the plants")).to_have_count(0)

    row(page, "Water the plants").locator("button.toggle").click()
    expect(row(page, "Water the plants")).to_have_count(0)
    expect(page.locator("#toasts .toast")).to_contain_text("no longer exists")
    expect(row(page, "Book the dentist")).to_be_visible()
    expect(page.locator(".task-counts a[data-view=open] .count")).to_have_text("1")


def test_the_sidebar_keeps_the_view_and_the_heading_follows_a_tag(
    logged_in: Any, two_tasks: Any
) -> None:
    page = logged_in()
    row(page, "Book the dentist").locator("button.toggle").click()
    expect(row(page, "Book the dentist")).to_have_class(COMPLETED)
    current = page.locator(".task-counts a[aria-current=page]")
    expect(current).to_have_attribute("data-view", "open")
    page.locator(".task-counts a[data-view=completed]").click()
    page.wait_for_url("**/tasks?view=completed*")
    with page.expect_response(lambda response: "sort=title" in response.url):
        page.locator("#filters select[name=sort]").select_option("title")
    page.wait_for_url("**sort=title*")
    expect(current).to_have_attribute("data-view", "completed")
    expect(page.locator("h1.list-title")).to_have_text("Completed")

    page.goto("/tasks")
    row(page, "Water the plants").locator(".chip-tag").click()
    page.wait_for_url("**/tasks?tag=home")
    expect(page.locator("h1.list-title")).to_have_text("#home")
    expect(current).to_have_count(0)
    page.get_by_role("link", name="Remove tag filter home").click()
    expect(page.locator("h1.list-title")).to_have_text("All open tasks")
    expect(current).to_have_attribute("data-view", "open")
