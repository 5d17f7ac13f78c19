"""<folio-invoice-list>: invoices created through the API appear, a payment shows up without a
reload, and the QR codes carry the payment URL."""

from playwright.sync_api import expect

from conftest import decode_qr, folio_events, unique, wait_for_event


def row(page, invoice_id):
    return page.locator(f"folio-invoice-list [part=row][data-invoice-id='{invoice_id}']")


def qr_text(page, image, shot):
    """Decodes a QR <img> as the browser shows it: the element itself, then with the page's margin
    around it in case the image brings no quiet zone of its own."""
    expect(image).to_be_visible()
    page.wait_for_function("(image) => image.complete && image.naturalWidth > 0", arg=image.element_handle())
    text = decode_qr(shot(image, "qr"))
    if text:
        return text
    box = image.bounding_box()
    margin = 24
    clip = {"x": max(box["x"] - margin, 0), "y": max(box["y"] - margin, 0), "width": box["width"] + 2 * margin, "height": box["height"] + 2 * margin}
    text = decode_qr(shot(page, "qr-with-margin", clip=clip))
    if text:
        return text
    # The same image drawn larger, for a decoder that wants more pixels per module.
    image.evaluate("(image) => { image.style.width = '320px'; image.style.height = '320px'; }")
    return decode_qr(shot(image, "qr-large"))


def test_list_shows_api_invoices_and_turns_paid_live(folio, host, context, shot):
    tenant = folio.create_tenant("List hotel")
    folio.activate(tenant["id"])
    first = folio.create_invoice(tenant["id"], reservation_id=unique("R1"))
    second = folio.create_invoice(tenant["id"], reservation_id=unique("R2"), unit_price=510000)
    token = folio.token(tenant["id"], components=["invoice-list"])
    page = host(f'<folio-invoice-list session="{token}" poll-interval="1"></folio-invoice-list>')
    expect(page.locator("folio-invoice-list")).to_have_attribute("data-state", "ready")

    for invoice in (first, second):
        expect(row(page, invoice["id"])).to_be_visible()
        expect(row(page, invoice["id"])).to_have_attribute("data-status", invoice["status"])
    expect(page.locator("folio-invoice-list [part=row]")).to_have_count(2)
    # Newest first.
    ids = page.locator("folio-invoice-list [part=row]").evaluate_all("(rows) => rows.map((r) => r.dataset.invoiceId)")
    assert ids == [second["id"], first["id"]], ids
    expect(row(page, first["id"]).locator("[part=badge]")).to_have_text("Open")
    expect(row(page, first["id"]).get_by_role("link", name="Pay")).to_have_attribute("href", first["paymentUrl"])
    shot(page, "open")

    # The QR code in the row, as rendered, carries the payment URL.
    decoded = qr_text(page, row(page, first["id"]).locator("img[part=qr]"), shot)
    assert decoded == first["paymentUrl"]

    # The guest pays on the provider's page in another tab; the list follows without a reload.
    page.evaluate("() => { window.notReloaded = true; }")
    payment = context.new_page()
    payment.goto(first["paymentUrl"])
    shot(payment, "payment-page")
    payment.get_by_role("button", name="Pay", exact=True).click()
    expect(payment.get_by_text("Paid").first).to_be_visible()
    shot(payment, "payment-done")

    expect(row(page, first["id"])).to_have_attribute("data-status", "paid", timeout=20_000)
    expect(row(page, first["id"]).locator("[part=badge]")).to_have_text("Paid")
    expect(row(page, second["id"])).to_have_attribute("data-status", "open")
    assert page.evaluate("() => window.notReloaded === true"), "the host page was reloaded"
    shot(page, "paid")
    assert folio.invoice(tenant["id"], first["id"])["status"] == "paid"
    paid = wait_for_event(page, "folio:invoice-paid")
    assert paid[-1]["detail"]["invoice"]["id"] == first["id"]
    changed = [e for e in folio_events(page, "folio:invoice-status-changed") if e["detail"]["invoice"]["id"] == first["id"]]
    assert changed and changed[-1]["detail"]["previousStatus"] == "open", changed


def test_qr_png_from_the_api_decodes_to_the_payment_url(folio, tmp_path):
    tenant = folio.create_tenant()
    folio.activate(tenant["id"])
    invoice = folio.create_invoice(tenant["id"])
    token = folio.token(tenant["id"], components=["invoice-list"])
    path = f"/v1/tenants/{tenant['id']}/invoices/{invoice['id']}"
    answer = folio.call("GET", f"{path}/qr.png", token=token, headers={"Accept": "image/png, application/problem+json"})
    assert answer.status == 200, answer
    assert answer.headers.get("Content-Type", "").startswith("image/png")
    png = tmp_path / "qr.png"
    png.write_bytes(answer.body)
    assert decode_qr(png) == invoice["paymentUrl"]

    svg = folio.call("GET", f"{path}/qr.svg", token=token, headers={"Accept": "image/svg+xml, application/problem+json"})
    assert svg.status == 200, svg
    assert svg.headers.get("Content-Type", "").startswith("image/svg+xml")
    assert b"<svg" in svg.body


def test_qr_routes_accept_their_own_media_type_alone(folio):
    tenant = folio.create_tenant()
    folio.activate(tenant["id"])
    invoice = folio.create_invoice(tenant["id"])
    token = folio.token(tenant["id"], components=["invoice"])
    path = f"/v1/tenants/{tenant['id']}/invoices/{invoice['id']}"
    for suffix, media_type in (("qr.png", "image/png"), ("qr.svg", "image/svg+xml")):
        answer = folio.call("GET", f"{path}/{suffix}", token=token, headers={"Accept": media_type})
        assert answer.status == 200, (media_type, answer)
        assert answer.headers.get("Content-Type", "").startswith(media_type)


def test_list_filters_by_reservation(folio, host, shot):
    tenant = folio.create_tenant()
    folio.activate(tenant["id"])
    wanted = folio.create_invoice(tenant["id"], reservation_id=unique("WANTED"))
    other = folio.create_invoice(tenant["id"], reservation_id=unique("OTHER"))
    token = folio.token(tenant["id"], components=["invoice-list"])
    page = host(f'<folio-invoice-list session="{token}"></folio-invoice-list>')
    list_element = page.locator("folio-invoice-list")
    expect(list_element.locator("[part=row]")).to_have_count(2)
    list_element.get_by_label("Reservation").fill(wanted["reservationId"])
    list_element.get_by_label("Reservation").press("Enter")
    expect(list_element.locator("[part=row]")).to_have_count(1)
    expect(row(page, wanted["id"])).to_be_visible()
    expect(row(page, other["id"])).to_have_count(0)
    shot(page, "filtered")


def test_empty_list(folio, host, shot):
    tenant = folio.create_tenant()
    token = folio.token(tenant["id"], components=["invoice-list"])
    page = host(f'<folio-invoice-list session="{token}"></folio-invoice-list>')
    expect(page.locator("folio-invoice-list")).to_have_attribute("data-state", "empty")
    expect(page.locator("folio-invoice-list [part=row]")).to_have_count(0)
    shot(page, "empty")


def test_invoice_element_cancels(folio, host, shot):
    tenant = folio.create_tenant()
    folio.activate(tenant["id"])
    invoice = folio.create_invoice(tenant["id"])
    token = folio.token(tenant["id"], components=["invoice"])
    page = host(f'<folio-invoice invoice-id="{invoice["id"]}" session="{token}" poll-interval="1"></folio-invoice>')
    element = page.locator("folio-invoice")
    expect(element).to_have_attribute("data-state", "ready")
    expect(element.locator("[part=history]")).to_be_visible()
    shot(page, "open")
    element.get_by_role("button", name="Cancel invoice").click()
    element.get_by_role("button", name="Yes, cancel").click()
    canceled = wait_for_event(page, "folio:invoice-canceled")
    assert canceled[-1]["detail"]["invoice"]["id"] == invoice["id"]
    assert canceled[-1]["detail"]["invoice"]["status"] == "canceled"
    expect(element.get_by_role("button", name="Cancel invoice")).to_have_count(0)
    expect(element.locator("[part=badge]")).to_have_text("Canceled")
    expect(element.locator("[part=history] [data-type='invoice.canceled']")).to_be_visible()
    shot(page, "canceled")
    assert folio.invoice(tenant["id"], invoice["id"])["status"] == "canceled"


def test_invoice_element_of_another_tenant_is_not_found(folio, host):
    mine = folio.create_tenant()
    theirs = folio.create_tenant()
    folio.activate(theirs["id"])
    invoice = folio.create_invoice(theirs["id"])
    token = folio.token(mine["id"], components=["invoice"])
    page = host(f'<folio-invoice invoice-id="{invoice["id"]}" session="{token}"></folio-invoice>')
    expect(page.locator("folio-invoice")).to_have_attribute("data-state", "not-found")
    expect(page.locator("folio-invoice").get_by_role("button", name="Cancel invoice")).to_have_count(0)


def test_a_guarantee_hold_shows_as_held_and_a_fulfilment_makes_it_paid(folio, host, context, shot):
    tenant = folio.create_tenant("Hold hotel")
    folio.activate(tenant["id"])
    invoice = folio.create_invoice(tenant["id"], reservation_id=unique("H1"))
    token = folio.token(tenant["id"], components=["invoice-list"])
    page = host(f'<folio-invoice-list session="{token}" poll-interval="1"></folio-invoice-list>')
    expect(row(page, invoice["id"])).to_have_attribute("data-status", "open")

    payment = context.new_page()
    payment.goto(invoice["paymentUrl"])
    payment.get_by_role("button", name="Pay with a hold").click()
    expect(row(page, invoice["id"])).to_have_attribute("data-status", "held", timeout=20_000)
    expect(row(page, invoice["id"]).locator("[part=badge]")).to_have_text("Funds held")
    shot(page, "held")

    # The hotel reports the stay rendered at check-out: the hold is captured.
    fulfilled = folio.expect(folio.call("POST", f"/v1/tenants/{tenant['id']}/invoices/{invoice['id']}/fulfilments", body={}), 201)
    assert fulfilled["status"] == "completed", fulfilled
    expect(row(page, invoice["id"])).to_have_attribute("data-status", "paid", timeout=20_000)
    expect(row(page, invoice["id"]).locator("[part=badge]")).to_have_text("Paid")
