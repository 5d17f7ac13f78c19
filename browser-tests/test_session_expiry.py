"""An element whose session has run out says so and tells the host, which mints a new one."""

import re
import time

import pytest
from playwright.sync_api import expect

from conftest import folio_events


@pytest.mark.parametrize(
    "markup",
    [
        "<folio-enable-invoicing></folio-enable-invoicing>",
        "<folio-invoice-list></folio-invoice-list>",
        '<folio-invoice invoice-id="00000000-0000-4000-8000-000000000000"></folio-invoice>',
    ],
    ids=["enable-invoicing", "invoice-list", "invoice"],
)
def test_expired_session_is_shown_and_reported(folio, host, shot, markup):
    tenant = folio.create_tenant()
    expired = folio.token(tenant["id"], ttl=1)
    time.sleep(2.2)
    page = host(markup)
    element = page.locator("folio-enable-invoicing, folio-invoice-list, folio-invoice").first
    page.evaluate(
        """() => {
        window.expiredEvents = [];
        document.addEventListener('folio:session-expired', (event) => window.expiredEvents.push(event.detail));
    }"""
    )
    element.evaluate("(element, token) => { element.session = token; }", expired)
    expect(element).to_have_attribute("session", expired)
    expect(element).to_have_attribute("data-state", "session-expired")
    expect(element.get_by_text("Your session has expired")).to_be_visible()
    page.wait_for_function("() => window.expiredEvents.length > 0")
    detail = page.evaluate("() => window.expiredEvents[0]")
    assert detail and detail.get("component"), detail
    assert all(event["type"] != "folio:activated" for event in folio_events(page))
    shot(page, "expired")

    # A fresh session set by the host brings the element back.
    element.evaluate("(element, token) => element.setAttribute('session', token)", folio.token(tenant["id"]))
    expect(element).to_have_attribute("data-state", re.compile("^(disabled|empty|not-found)$"))
    expect(element.get_by_text("Your session has expired")).to_have_count(0)
    shot(page, "renewed")


def test_session_expiring_while_open(folio, host, shot):
    """The element notices the expiry from the token's exp, before or at its next call."""
    tenant = folio.create_tenant()
    token = folio.token(tenant["id"], ttl=5)
    page = host(f'<folio-enable-invoicing session="{token}" poll-interval="1"></folio-enable-invoicing>')
    element = page.locator("folio-enable-invoicing")
    expect(element).to_have_attribute("data-state", "disabled")
    element.get_by_label("Work e-mail").fill("late@hotel.example")
    time.sleep(5.5)
    # An element that watches exp has already switched; one that does not learns it from the API.
    if element.get_attribute("data-state") != "session-expired":
        element.get_by_role("button", name="Send invitation").click()
    expect(element).to_have_attribute("data-state", "session-expired")
    expect(element.get_by_text("Your session has expired")).to_be_visible()
    assert folio_events(page, "folio:session-expired")
    shot(page, "expired")
    assert folio.invoicing(tenant["id"])["state"] == "disabled"
