"""Fakturownia in the elements: <folio-enable-invoicing provider="fakturownia"> opens or connects the
hotel's account on `folio dev`'s Fakturownia simulator, and the invoice list and detail show the VAT
invoice's number, its PDF and a partly paid invoice, in English and Polish."""

import re

from playwright.sync_api import expect

from conftest import SHADOW_HTML, folio_events, unique, wait_for_event
from test_invoice_list import qr_text


def row(page, invoice_id, within="folio-invoice-list"):
    return page.locator(f"{within} [part=row][data-invoice-id='{invoice_id}']")


def wait_for_images(page, count):
    """Waits until `count` QR images are shown, so that a screenshot shows the elements as a person sees them."""
    images = page.locator("img[part=qr]")
    expect(images).to_have_count(count)
    for index in range(count):
        page.wait_for_function("(image) => image.complete && image.naturalWidth > 0", arg=images.nth(index).element_handle())


def test_open_an_account_through_the_element(folio, host, shot):
    tenant = folio.create_tenant("Hotel Aurora")
    # Another account holds the prefix the hotel asks for, so Fakturownia grants a similar one.
    wanted = unique("aurora")
    folio.fakturownia_account(wanted)
    email = f"{unique('recepcja')}@aurora.example"
    token = folio.token(tenant["id"], components=["enable-invoicing"])
    page = host(f'<folio-enable-invoicing provider="fakturownia" session="{token}"></folio-enable-invoicing>')
    element = page.locator("folio-enable-invoicing")
    expect(element).to_have_attribute("data-state", "disabled")
    expect(element.get_by_role("heading", name="Enable invoice management")).to_be_visible()
    # Invoicebox's way in is not offered here.
    expect(element.get_by_role("button", name="Send invitation")).to_have_count(0)
    shot(page, "disabled")

    element.get_by_label("Account prefix").fill(wanted)
    element.get_by_label("Work e-mail").fill(email)
    element.get_by_label("Company name").fill("Hotel Aurora sp. z o.o.")
    element.get_by_label("Tax ID (NIP, optional)").fill("5252248481")
    shot(page, "filled")
    element.get_by_role("button", name="Open account").click()
    expect(element).to_have_attribute("data-state", "active")
    expect(element.get_by_role("heading", name="Invoice management is on")).to_be_visible()

    state = folio.invoicing(tenant["id"])
    assert state["state"] == "active" and state["provider"] == "fakturownia", state
    account = state["fakturownia"]
    granted = account["prefix"]
    assert granted != wanted and granted.startswith(wanted), account
    expect(element.locator("[part=account-prefix]")).to_have_text(granted)
    expect(element.locator("[part=prefix-granted]")).to_contain_text(granted)
    expect(element.locator("[part=prefix-granted]")).to_contain_text(wanted)
    expect(element.locator("[part=account-url]")).to_have_text(account["accountUrl"])
    expect(element.locator("[part=webhooks]")).to_have_text(f"{account['webhooks']} registered")
    assert account["webhooks"] == 3, account
    expect(element.get_by_role("status")).to_contain_text(granted)
    login = element.get_by_role("link", name="Log in to Fakturownia")
    assert account.get("loginUrl"), account
    expect(login).to_have_attribute("href", account["loginUrl"])
    expect(login).to_have_attribute("target", "_blank")
    expect(login).to_have_attribute("rel", re.compile(r"\bnoopener\b"))
    # Invoicebox's settings (its notification URL and key) are not this provider's.
    expect(element.locator("[part=notification-url]")).to_have_count(0)
    expect(element.get_by_role("button", name="Set notification key")).to_have_count(0)
    shot(page, "active")
    activated = wait_for_event(page, "folio:activated")
    assert activated[-1]["detail"]["state"]["fakturownia"]["prefix"] == granted

    # The account Fakturownia opened belongs to the e-mail typed in the form.
    opened = folio.fakturownia_control("GET", f"accounts/{granted}")
    assert opened.status == 200, opened
    assert opened.json()["email"] == email

    # Disabling works as it does for Invoicebox, and the form to open an account is back.
    element.get_by_role("button", name="Disable invoicing").click()
    element.get_by_role("button", name="Yes, disable").click()
    expect(element).to_have_attribute("data-state", "disabled")
    expect(element.get_by_role("heading", name="Enable invoice management")).to_be_visible()
    expect(element.locator("[part=prefix-granted]")).to_have_count(0)
    # The prefix asked for before is an account now: the form starts empty rather than asking for it again.
    expect(element.get_by_label("Account prefix")).to_have_value("")
    wait_for_event(page, "folio:disabled")
    shot(page, "disabled-again")
    assert folio.invoicing(tenant["id"])["state"] == "disabled"


def test_connect_an_existing_account_with_a_wrong_then_the_right_token(folio, host, shot):
    tenant = folio.create_tenant("Pensjonat Mewa")
    prefix = unique("mewa")
    api_token = f"{unique('token')}-0123456789"
    folio.fakturownia_account(prefix, api_token=api_token)
    token = folio.token(tenant["id"], components=["enable-invoicing"])
    page = host(f'<folio-enable-invoicing provider="fakturownia" session="{token}"></folio-enable-invoicing>')
    element = page.locator("folio-enable-invoicing")
    expect(element).to_have_attribute("data-state", "disabled")

    element.get_by_role("button", name="Connect an existing Fakturownia account").click()
    expect(element.get_by_role("heading", name="Connect an existing Fakturownia account")).to_be_visible()
    token_input = element.get_by_label("API token")
    expect(token_input).to_have_attribute("type", "password")
    element.get_by_label("Account prefix").fill(prefix)
    token_input.fill("not-the-token-0000")
    element.get_by_role("button", name="Connect account").click()
    # Fakturownia's refusal, in its own words, on the token field; nothing is connected.
    alert = element.get_by_role("alert")
    expect(alert).to_contain_text("Fakturownia did not accept this API token")
    expect(token_input).to_have_attribute("aria-invalid", "true")
    expect(element).to_have_attribute("data-state", "disabled")
    expect(element.get_by_label("Account prefix")).to_have_value(prefix)
    shot(page, "rejected")
    errors = folio_events(page, "folio:error")
    assert errors and errors[-1]["detail"]["problem"]["code"] == "invalid_credentials", errors
    assert folio.invoicing(tenant["id"])["state"] == "disabled"

    token_input.fill(api_token)
    element.get_by_role("button", name="Connect account").click()
    expect(element).to_have_attribute("data-state", "active")
    expect(element.get_by_role("heading", name="Invoice management is on")).to_be_visible()
    expect(element.get_by_role("alert")).to_be_hidden()
    expect(element.locator("[part=account-prefix]")).to_have_text(prefix)
    expect(element.locator("[part=prefix-granted]")).to_have_count(0)
    # A connected account has no fast login: the hotel signs in to Fakturownia as usual.
    expect(element.get_by_role("link", name="Log in to Fakturownia")).to_have_count(0)
    expect(element.get_by_text(f"•••• {api_token[-4:]}")).to_be_visible()
    shot(page, "active")

    state = folio.invoicing(tenant["id"])
    assert state["state"] == "active" and state["provider"] == "fakturownia", state
    assert state["fakturownia"]["prefix"] == prefix and "loginUrl" not in state["fakturownia"], state
    assert state["fakturownia"]["webhooks"] == 3, state
    wait_for_event(page, "folio:activated")
    markup = page.content() + page.evaluate(SHADOW_HTML)
    assert api_token not in markup
    assert api_token not in "\n".join(page.console_messages)


def test_polish_texts_and_the_provider_chosen_by_the_host(folio, host, shot):
    tenant = folio.create_tenant()
    token = folio.token(tenant["id"], components=["enable-invoicing"])
    page = host(f'<folio-enable-invoicing provider="fakturownia" session="{token}"></folio-enable-invoicing>', lang="pl")
    element = page.locator("folio-enable-invoicing")
    expect(element).to_have_attribute("data-state", "disabled")
    expect(element.get_by_role("heading", name="Włącz zarządzanie fakturami")).to_be_visible()
    expect(element.get_by_role("button", name="Załóż konto")).to_be_visible()
    expect(element.get_by_role("button", name="Połącz istniejące konto Fakturowni")).to_be_visible()

    # A prefix Fakturownia would refuse is refused by the form before anything is sent.
    requests = []
    page.on("request", lambda request: requests.append(request.url) if "/invoicing/account" in request.url else None)
    prefix = element.get_by_label("Prefiks konta")
    prefix.fill("Hotel Aurora")
    element.get_by_label("Służbowy e-mail").fill("recepcja@aurora.example")
    element.get_by_label("Nazwa firmy").fill("Hotel Aurora sp. z o.o.")
    element.get_by_role("button", name="Załóż konto").click()
    assert prefix.evaluate("(input) => input.validity.valid") is False
    page.wait_for_timeout(300)
    assert requests == [], requests
    shot(page, "pl")

    # The host offers Invoicebox instead: the same element shows its invitation.
    element.evaluate("(element) => { element.provider = 'invoicebox'; }")
    expect(element.get_by_role("heading", name="Włącz wystawianie faktur")).to_be_visible()
    expect(element.get_by_role("button", name="Wyślij zaproszenie")).to_be_visible()
    expect(element.get_by_label("Prefiks konta")).to_have_count(0)
    shot(page, "pl-invoicebox")
    assert folio.invoicing(tenant["id"])["state"] == "disabled"


def test_the_list_and_the_detail_show_the_invoice_number_and_its_pdf(folio, host, context, shot):
    tenant = folio.create_tenant("Hotel Aurora")
    state = folio.open_fakturownia_account(tenant["id"])
    invoice = folio.create_fakturownia_invoice(tenant["id"])
    document = invoice["document"]
    token = folio.token(tenant["id"], components=["invoice-list", "invoice"])
    page = host(
        f'<folio-invoice-list session="{token}" poll-interval="1"></folio-invoice-list>'
        f'<folio-invoice invoice-id="{invoice["id"]}" session="{token}" poll-interval="1"></folio-invoice>'
    )
    listed = row(page, invoice["id"])
    expect(listed).to_have_attribute("data-status", "open")
    expect(listed.locator("[part=document-number]")).to_contain_text(document["number"])
    expect(listed.get_by_role("link", name="Pay")).to_have_attribute("href", invoice["paymentUrl"])
    pdf_link = listed.get_by_role("link", name="PDF")
    expect(pdf_link).to_have_attribute("href", document["pdfUrl"])
    expect(pdf_link).to_have_attribute("target", "_blank")
    # Fakturownia's payment page is the document's page: one link to it, not two.
    assert document["viewUrl"] == invoice["paymentUrl"], document
    expect(listed.get_by_role("link", name="View invoice")).to_have_count(0)
    detail = page.locator("folio-invoice")
    expect(detail.locator("[part=document-number]")).to_have_text(document["number"])
    expect(detail.get_by_role("link", name="PDF")).to_have_attribute("href", document["pdfUrl"])
    wait_for_images(page, 2)
    shot(page, "open")

    # The link opens a PDF, without credentials.
    answer = page.request.get(pdf_link.get_attribute("href"))
    assert answer.status == 200, answer.status
    assert answer.headers["content-type"].startswith("application/pdf"), answer.headers
    assert answer.body().startswith(b"%PDF"), answer.body()[:20]
    with context.expect_page() as opened:
        pdf_link.click()
    assert opened.value.url == document["pdfUrl"]
    opened.value.close()

    # The guest pays in Fakturownia: the row turns paid, the payment link and its QR code go, the PDF stays.
    paid = folio.fakturownia_control("POST", f"accounts/{state['fakturownia']['prefix']}/invoices/{invoice['providerOrderId']}/pay")
    assert paid.status == 200, paid
    expect(listed).to_have_attribute("data-status", "paid", timeout=20_000)
    expect(listed.get_by_role("link", name="Pay")).to_have_count(0)
    expect(listed.locator("img[part=qr]")).to_have_count(0)
    expect(listed.get_by_role("link", name="PDF")).to_have_attribute("href", document["pdfUrl"])
    expect(listed.locator("[part=document-number]")).to_contain_text(document["number"])
    expect(detail.locator("[part=badge]")).to_have_text("Paid", timeout=20_000)
    expect(detail.get_by_role("link", name="Guest checkout page")).to_have_count(0)
    expect(detail.get_by_role("link", name="PDF")).to_have_attribute("href", document["pdfUrl"])
    shot(page, "paid")


def test_document_links_are_checked_like_the_payment_link(folio, host, shot):
    """A document page apart from the payment page gets its own link; a link that is not http(s) none."""
    tenant = folio.create_tenant("Hotel Aurora")
    folio.open_fakturownia_account(tenant["id"])
    invoice = folio.create_fakturownia_invoice(tenant["id"])
    view_url = "https://documents.example/invoice/aurora-1"
    token = folio.token(tenant["id"], components=["invoice-list", "invoice"])

    def rewrite(route):
        # The API's answer as Folio sent it, with the document's links changed on the way to the page.
        response = route.fetch()
        body = response.json()
        # A page of invoices, or one invoice (whose own `items` are its lines).
        for listed in [body] if "id" in body else body["items"]:
            listed["document"] = {**listed["document"], "viewUrl": view_url, "pdfUrl": "javascript:alert(document.domain)"}
        route.fulfill(response=response, json=body)

    page = host("")
    page.route(re.compile(rf".*/v1/tenants/{tenant['id']}/invoices(/{invoice['id']})?(\?.*)?$"), rewrite)
    page.evaluate(
        """([token, id]) => document.body.insertAdjacentHTML("beforeend",
            `<folio-invoice-list session="${token}"></folio-invoice-list>` +
            `<folio-invoice invoice-id="${id}" session="${token}"></folio-invoice>`)""",
        [token, invoice["id"]],
    )
    listed = row(page, invoice["id"])
    expect(listed.get_by_role("link", name="View invoice")).to_have_attribute("href", view_url)
    expect(listed.get_by_role("link", name="Pay")).to_have_attribute("href", invoice["paymentUrl"])
    expect(listed.get_by_role("link", name="PDF")).to_have_count(0)
    detail = page.locator("folio-invoice")
    expect(detail.get_by_role("link", name="View invoice")).to_have_attribute("href", view_url)
    expect(detail.get_by_role("link", name="PDF")).to_have_count(0)
    markup = page.evaluate(SHADOW_HTML)
    assert "javascript:" not in markup
    wait_for_images(page, 2)
    shot(page, "links")


def test_a_partly_paid_invoice_in_english_and_polish(folio, host, shot):
    tenant = folio.create_tenant("Hotel Aurora")
    folio.open_fakturownia_account(tenant["id"])
    invoice = folio.create_fakturownia_invoice(tenant["id"])
    # The guest paid 300.00 PLN of 900.00 in cash at the desk.
    partly = folio.record_payment(tenant["id"], invoice["id"], 30000)
    assert partly["status"] == "partially_paid", partly
    token = folio.token(tenant["id"], components=["invoice-list", "invoice"])
    page = host(
        f'<folio-invoice-list id="en" lang="en" session="{token}"></folio-invoice-list>'
        f'<folio-invoice-list id="pl" lang="pl" session="{token}"></folio-invoice-list>'
        f'<folio-invoice id="detail" lang="pl" invoice-id="{invoice["id"]}" session="{token}"></folio-invoice>'
    )
    expect(row(page, invoice["id"], "#en")).to_have_attribute("data-status", "partially_paid")
    expect(row(page, invoice["id"], "#en").locator("[part=badge]")).to_have_text("Partly paid")
    expect(row(page, invoice["id"], "#pl").locator("[part=badge]")).to_have_text("Częściowo opłacona")
    polish = page.locator("#pl")
    expect(polish.get_by_role("heading", name="Faktury")).to_be_visible()
    expect(polish.locator("[part=document-number]")).to_contain_text(f"Numer faktury {invoice['document']['number']}")
    # The rest is still to pay: the payment link stays.
    expect(row(page, invoice["id"], "#pl").get_by_role("link", name="Zapłać")).to_have_attribute("href", invoice["paymentUrl"])
    detail = page.locator("#detail")
    expect(detail.locator("[part=badge]")).to_have_text("Częściowo opłacona")
    expect(detail.locator("[part=history] [data-type='invoice.partially_paid']")).to_contain_text("Częściowo opłacona")
    expect(detail.get_by_role("heading", name=f"Faktura do rezerwacji {invoice['reservationId']}")).to_be_visible()
    # A partly paid invoice still has its QR code for the rest, in each of the three elements.
    wait_for_images(page, 3)
    shot(page, "en-pl")
    assert qr_text(page, row(page, invoice["id"], "#pl").locator("img[part=qr]"), shot) == invoice["paymentUrl"]


def test_a_proforma_then_its_vat_invoice_in_the_panel(folio, host, shot):
    tenant = folio.create_tenant("Hotel Aurora")
    folio.open_fakturownia_account(tenant["id"])
    invoice = folio.create_fakturownia_invoice(tenant["id"], document_kind="proforma")
    proforma = invoice["document"]
    assert proforma["kind"] == "proforma" and proforma["number"].startswith("PRO "), proforma
    token = folio.token(tenant["id"], components=["invoice-list", "invoice"])
    page = host(
        f'<folio-invoice-list lang="pl" session="{token}" poll-interval="1"></folio-invoice-list>'
        f'<folio-invoice invoice-id="{invoice["id"]}" session="{token}" poll-interval="1"></folio-invoice>'
    )
    listed = row(page, invoice["id"])
    expect(listed.locator("[part=document-number]")).to_have_text(f"Numer proformy {proforma['number']}")
    detail = page.locator("folio-invoice")
    expect(detail.locator("[part=document-number]")).to_have_text(proforma["number"])
    expect(detail.locator("[part=proforma-number]")).to_have_count(0)
    shot(page, "proforma")

    # Paid at the desk: the VAT invoice is made from the proforma, and the panel shows both numbers. The
    # payment's own webhook may reach Folio first and issue it, so the answer may still say `issuing`.
    paid = folio.record_payment(tenant["id"], invoice["id"], 90000)
    assert paid["status"] == "paid" and paid["fakturownia"]["vatInvoice"] in ("issuing", "issued"), paid
    issued = folio.wait_for_invoice(
        tenant["id"], invoice["id"], lambda i: i.get("fakturownia", {}).get("vatInvoice") == "issued", "its VAT invoice"
    )
    vat = issued["document"]
    assert vat["kind"] == "vat" and vat["number"].startswith("FV "), issued
    expect(listed.locator("[part=document-number]")).to_have_text(f"Numer faktury {vat['number']}", timeout=20_000)
    expect(listed.get_by_role("link", name="PDF")).to_have_attribute("href", vat["pdfUrl"])
    expect(detail.locator("[part=document-number]")).to_have_text(vat["number"], timeout=20_000)
    expect(detail.locator("[part=proforma-number]")).to_have_text(proforma["number"])
    expect(detail.locator("[part=history] [data-type='invoice.document_issued']")).to_contain_text("VAT invoice issued")
    shot(page, "vat-issued")
