"""The /demo page, which plays the host application, driven by its buttons as a person would."""

import re

from playwright.sync_api import expect

from conftest import http, unique

CYRILLIC = re.compile("[\u0400-\u04FF]")


def demo_hotels(base_url):
    answer = http("GET", f"{base_url}/demo/api/hotels")
    assert answer.status == 200, answer
    hotels = answer.json()
    assert len(hotels) == 2, hotels
    return hotels


def open_hotel(page, base_url, hotel):
    page.goto(f"{base_url}/demo")
    choice = page.get_by_role("button", name=hotel["name"], exact=True)
    choice.click()
    expect(choice).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#hotel-name")).to_have_text(hotel["name"])
    return page.locator("folio-enable-invoicing")


def test_demo_enables_invoicing_with_its_buttons(folio, page, shot, base_url):
    hotel = demo_hotels(base_url)[0]
    if folio.invoicing(hotel["tenantId"])["state"] != "disabled":
        # Against a long-lived server: start the flow from the beginning again.
        folio.expect(folio.call("DELETE", f"/v1/tenants/{hotel['tenantId']}/invoicing"), 200, 204)
    element = open_hotel(page, base_url, hotel)
    expect(element).to_have_attribute("data-state", "disabled")
    expect(element.get_by_role("heading", name="Enable invoicing")).to_be_visible()
    shot(page, "disabled")

    email = f"{unique('gm')}@demo-hotel.example"
    element.get_by_label("Work e-mail").fill(email)
    element.get_by_role("button", name="Send invitation").click()
    expect(element).to_have_attribute("data-state", "invited")
    expect(element.get_by_label("Activation code")).to_be_visible()
    expect(element.get_by_role("button", name="Send again")).to_be_visible()
    expect(page.locator("#event-log li[data-event='folio:invited']")).to_have_count(1)

    # The invitation lands in the demo's mailbox panel; it matches the mailbox route.
    panel_code = page.locator("#mailbox-content .activation-code")
    expect(panel_code).to_have_text(re.compile(r"\S+"))
    shot(page, "invited")
    mailbox = http("GET", f"{base_url}/demo/api/mailbox/{email}")
    assert mailbox.status == 200, mailbox
    code = str(mailbox.json()["activationCode"])
    assert mailbox.json()["email"].lower() == email.lower()
    expect(panel_code).to_have_text(code)

    element.get_by_label("Activation code").fill(code)
    element.get_by_role("button", name="Activate").click()
    expect(element).to_have_attribute("data-state", "active")
    expect(element.get_by_role("heading", name="Invoicing is on")).to_be_visible()
    expected_url = f"{base_url}/v1/providers/invoicebox/notifications/{hotel['tenantId']}"
    expect(element.locator("[part=notification-url]")).to_have_text(expected_url)
    expect(element.get_by_role("button", name="Copy")).to_be_visible()
    expect(element.get_by_role("button", name="Disable invoicing")).to_be_visible()
    expect(page.locator("#event-log li[data-event='folio:activated']")).to_have_count(1)
    shot(page, "active")

    state = folio.invoicing(hotel["tenantId"])
    assert state["state"] == "active"
    assert state["invitedEmail"].lower() == email.lower()
    assert state["notificationUrl"] == expected_url

    # The state survives a reload: it is the server's, not the page's.
    element = open_hotel(page, base_url, hotel)
    expect(element).to_have_attribute("data-state", "active")
    expect(element.locator("[part=notification-url]")).to_have_text(expected_url)


def test_demo_languages_reservations_and_invoice_panel(folio, page, shot, base_url):
    hotel = demo_hotels(base_url)[1]
    element = open_hotel(page, base_url, hotel)
    expect(element).to_have_attribute("data-state", re.compile("^(disabled|active)$"))
    if element.get_attribute("data-state") == "disabled":
        page.locator("#lang").select_option("ru")
        heading = element.get_by_role("heading").first
        expect(heading).to_have_text(CYRILLIC)
        expect(element.get_by_role("button", name="Send invitation")).to_have_count(0)
        shot(page, "ru")
        page.locator("#lang").select_option("en")
        expect(element.get_by_role("heading", name="Enable invoicing")).to_be_visible()
        folio.activate(hotel["tenantId"])
        element = open_hotel(page, base_url, hotel)
    expect(element).to_have_attribute("data-state", "active")

    invoice_list = page.locator("folio-invoice-list")
    expect(invoice_list).to_have_attribute("data-state", re.compile("^(ready|empty)$"))
    before = invoice_list.locator("[part=row]").count()
    page.get_by_role("button", name="New reservation").click()
    expect(page.locator("#reservation-result")).to_have_text(re.compile("^Reservation .+ created"))
    expect(invoice_list.locator("[part=row]")).to_have_count(before + 1)
    newest = invoice_list.locator("[part=row]").first
    expect(newest).to_have_attribute("data-status", "open")
    expect(newest.locator("img[part=qr]")).to_be_visible()
    shot(page, "reservation")

    # Choosing the row opens it in the invoice panel.
    invoice_id = newest.get_attribute("data-invoice-id")
    newest.locator(".title").click()
    panel = page.locator("folio-invoice")
    expect(panel).to_have_attribute("invoice-id", invoice_id)
    expect(panel).to_have_attribute("data-state", "ready")
    expect(panel.get_by_role("button", name="Cancel invoice")).to_be_visible()
    expect(page.locator("#event-log li[data-event='folio:invoice-selected']")).to_have_count(1)
    shot(page, "invoice")

    # Canceling in the panel shows in the list at once (the page refreshes it on the event).
    panel.get_by_role("button", name="Cancel invoice").click()
    panel.get_by_role("button", name="Yes, cancel").click()
    expect(panel.locator("[part=badge]")).to_have_text("Canceled")
    row = invoice_list.locator(f"[part=row][data-invoice-id='{invoice_id}']")
    expect(row).to_have_attribute("data-status", "canceled")
    # Each element reports the change once: the panel that canceled it and the list that saw it.
    canceled = page.locator("#event-log li[data-event='folio:invoice-canceled'] .meta")
    expect(canceled.filter(has_text=re.compile(r"#invoice$"))).to_have_count(1)
    expect(canceled.filter(has_text=re.compile(r"#list$"))).to_have_count(1)
    shot(page, "canceled")
    assert folio.invoice(hotel["tenantId"], invoice_id)["status"] == "canceled"
