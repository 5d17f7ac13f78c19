"""<folio-enable-invoicing> on a host page: connecting a shop, the keyboard, the languages."""

import re

from playwright.sync_api import expect

from conftest import SHADOW_HTML, folio_events, focus_by_tab, unique, wait_for_event

CYRILLIC = re.compile("[\u0400-\u04FF]")


def test_connect_existing_shop(folio, host, shot, base_url):
    tenant = folio.create_tenant()
    merchant = folio.sandbox_merchant()
    token = folio.token(tenant["id"], components=["enable-invoicing"])
    page = host(f'<folio-enable-invoicing session="{token}"></folio-enable-invoicing>')
    element = page.locator("folio-enable-invoicing")
    expect(element).to_have_attribute("data-state", "disabled")
    shot(page, "disabled")

    element.get_by_role("button", name="Connect an existing shop").click()
    element.get_by_label("Merchant ID").fill(merchant["id"])
    element.get_by_label("API token").fill("not-the-token")
    element.get_by_role("button", name="Connect shop").click()
    # A wrong token is the provider's answer, shown as an alert, and nothing is connected.
    expect(element.get_by_role("alert")).to_be_visible()
    expect(element.get_by_role("alert")).not_to_have_text("")
    expect(element).not_to_have_attribute("data-state", "active")
    shot(page, "rejected")
    assert folio.invoicing(tenant["id"])["state"] == "disabled"

    element.get_by_label("API token").fill(merchant["token"])
    expect(element.get_by_label("Merchant ID")).to_have_value(merchant["id"])
    element.get_by_label("Notification key (optional)").fill(merchant["notificationKey"])
    element.get_by_role("button", name="Connect shop").click()
    expect(element).to_have_attribute("data-state", "active")
    expect(element.get_by_role("heading", name="Invoicing is on")).to_be_visible()
    expected_url = f"{base_url}/v1/providers/invoicebox/notifications/{tenant['id']}"
    expect(element.locator("[part=notification-url]")).to_contain_text(expected_url)
    shot(page, "active")

    state = folio.invoicing(tenant["id"])
    assert state["state"] == "active"
    assert state["merchantId"] == merchant["id"]
    assert state["hasNotificationKey"] is True
    assert state["tokenLastFour"] == merchant["token"][-4:]
    activated = wait_for_event(page, "folio:activated")
    assert activated[-1]["detail"]["state"]["state"] == "active"

    # Without open invoices the shop can be disconnected again, after a confirmation.
    element.get_by_role("button", name="Disable invoicing").click()
    element.get_by_role("button", name="Yes, disable").click()
    expect(element).to_have_attribute("data-state", "disabled")
    expect(element.get_by_role("heading", name="Enable invoicing")).to_be_visible()
    wait_for_event(page, "folio:disabled")
    shot(page, "disabled-again")
    assert folio.invoicing(tenant["id"])["state"] == "disabled"


def test_disable_is_refused_while_invoices_are_open(folio, host, shot):
    tenant = folio.create_tenant()
    folio.activate(tenant["id"])
    folio.create_invoice(tenant["id"])
    token = folio.token(tenant["id"], components=["enable-invoicing"])
    page = host(f'<folio-enable-invoicing session="{token}"></folio-enable-invoicing>')
    element = page.locator("folio-enable-invoicing")
    expect(element).to_have_attribute("data-state", "active")
    element.get_by_role("button", name="Disable invoicing").click()
    element.get_by_role("button", name="Yes, disable").click()
    expect(element.get_by_role("alert")).to_be_visible()
    expect(element.get_by_role("alert")).to_contain_text("1")
    expect(element).to_have_attribute("data-state", "active")
    shot(page, "refused")
    errors = folio_events(page, "folio:error")
    assert errors and errors[-1]["detail"]["problem"]["code"] == "invoicing_has_open_invoices", errors
    assert folio.invoicing(tenant["id"])["state"] == "active"


def test_malformed_merchant_id_is_refused_before_sending(folio, host, shot):
    tenant = folio.create_tenant()
    token = folio.token(tenant["id"], components=["enable-invoicing"])
    page = host(f'<folio-enable-invoicing session="{token}"></folio-enable-invoicing>')
    element = page.locator("folio-enable-invoicing")
    element.get_by_role("button", name="Connect an existing shop").click()
    element.get_by_label("Merchant ID").fill("not-a-uuid")
    element.get_by_label("API token").fill("0123456789abcdef")
    requests = []
    page.on("request", lambda request: requests.append(request) if "/invoicing/credentials" in request.url else None)
    element.get_by_role("button", name="Connect shop").click()
    # The form refuses it before anything is sent: a merchant ID is a UUID.
    merchant_id = element.get_by_label("Merchant ID")
    assert merchant_id.evaluate("(input) => input.validity.valid") is False
    page.wait_for_timeout(500)
    assert requests == [], [r.url for r in requests]
    expect(element).to_have_attribute("data-state", "disabled")
    shot(page, "invalid")
    assert folio.invoicing(tenant["id"])["state"] == "disabled"


def test_keyboard_only_enable_flow(folio, host, shot, base_url):
    tenant = folio.create_tenant("Keyboard hotel")
    email = f"{unique('gm')}@keyboard.example"
    token = folio.token(tenant["id"])
    page = host(
        f'<p><a href="#top">Host navigation</a></p>'
        f'<folio-enable-invoicing session="{token}"></folio-enable-invoicing>'
    )
    element = page.locator("folio-enable-invoicing")
    expect(element).to_have_attribute("data-state", "disabled")

    focus_by_tab(page, element.get_by_label("Work e-mail"))
    page.keyboard.type(email)
    page.keyboard.press("Enter")
    expect(element).to_have_attribute("data-state", "invited")
    expect(element.get_by_role("button", name="Send again")).to_be_visible()
    shot(page, "invited")
    wait_for_event(page, "folio:invited")

    code = folio.activation_code(email)
    focus_by_tab(page, element.get_by_label("Activation code"))
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(element).to_have_attribute("data-state", "active")
    expected_url = f"{base_url}/v1/providers/invoicebox/notifications/{tenant['id']}"
    expect(element.locator("[part=notification-url]")).to_contain_text(expected_url)
    shot(page, "active")
    assert folio.invoicing(tenant["id"])["state"] == "active"
    wait_for_event(page, "folio:activated")


def test_wrong_activation_code_is_reported(folio, host, shot):
    tenant = folio.create_tenant()
    email = f"{unique('gm')}@wrong-code.example"
    token = folio.token(tenant["id"])
    page = host(f'<folio-enable-invoicing session="{token}"></folio-enable-invoicing>')
    element = page.locator("folio-enable-invoicing")
    element.get_by_label("Work e-mail").fill(email)
    element.get_by_role("button", name="Send invitation").click()
    expect(element).to_have_attribute("data-state", "invited")
    code = folio.activation_code(email)
    wrong = "1" + code[1:] if code[0] != "1" else "2" + code[1:]
    element.get_by_label("Activation code").fill(wrong)
    element.get_by_role("button", name="Activate").click()
    expect(element.get_by_role("alert")).to_be_visible()
    expect(element.get_by_role("alert")).not_to_have_text("")
    shot(page, "rejected")
    expect(element).to_have_attribute("data-state", "invited")
    assert folio.invoicing(tenant["id"])["state"] == "invited"
    errors = folio_events(page, "folio:error")
    assert errors and errors[-1]["detail"]["problem"]["code"] == "activation_code_rejected", errors

    # Sending again within a minute of the invitation is refused, and the element says when it may.
    element.get_by_role("button", name="Send again").click()
    expect(element.get_by_role("alert")).to_contain_text(re.compile(r"\d{1,2}:\d{2}"))
    shot(page, "resend-too-soon")
    errors = folio_events(page, "folio:error")
    assert errors[-1]["detail"]["problem"]["code"] in ("invite_too_soon", "too_many_attempts"), errors
    expect(element).to_have_attribute("data-state", "invited")


def test_russian_and_english_texts(folio, host, shot):
    tenant = folio.create_tenant()
    token = folio.token(tenant["id"])
    page = host(
        f'<folio-enable-invoicing id="explicit" lang="ru" session="{token}"></folio-enable-invoicing>'
        f'<div lang="ru"><folio-enable-invoicing id="inherited" session="{token}"></folio-enable-invoicing></div>'
    )
    explicit = page.locator("#explicit")
    expect(explicit).to_have_attribute("data-state", "disabled")
    heading = explicit.get_by_role("heading").first
    expect(heading).to_be_visible()
    russian_heading = heading.inner_text().strip()
    assert CYRILLIC.search(russian_heading), russian_heading
    assert russian_heading != "Enable invoicing"
    expect(explicit.get_by_role("button", name="Send invitation")).to_have_count(0)
    buttons = explicit.get_by_role("button").all_inner_texts()
    assert any(CYRILLIC.search(text) for text in buttons), buttons
    shot(page, "ru")

    # Without its own lang the element follows the nearest lang of the document.
    inherited = page.locator("#inherited")
    expect(inherited).to_have_attribute("data-state", "disabled")
    expect(inherited.get_by_role("heading").first).to_have_text(russian_heading)

    explicit.evaluate("(element) => element.setAttribute('lang', 'en')")
    expect(explicit.get_by_role("heading", name="Enable invoicing")).to_be_visible()
    expect(explicit.get_by_role("button", name="Send invitation")).to_be_visible()
    expect(explicit.get_by_label("Work e-mail")).to_be_visible()
    shot(page, "en")


def test_notification_key_set_replace_remove(folio, host, shot):
    tenant = folio.create_tenant()
    folio.activate(tenant["id"])
    token = folio.token(tenant["id"], components=["enable-invoicing"])
    page = host(f'<folio-enable-invoicing session="{token}"></folio-enable-invoicing>')
    element = page.locator("folio-enable-invoicing")
    expect(element).to_have_attribute("data-state", "active")
    key_status = element.locator("[part=notification-key-status]")
    expect(key_status).to_have_text("Not set")
    expect(element.get_by_role("button", name="Remove notification key")).to_have_count(0)
    shot(page, "no-key")

    first_key = unique("key-first")
    element.get_by_role("button", name="Set notification key").click()
    expect(element.get_by_label("Keep the old key valid for")).to_have_count(0)
    key_input = element.get_by_label("Notification key", exact=True)
    expect(key_input).to_have_attribute("type", "password")
    key_input.fill(first_key)
    element.get_by_label("Signature algorithm").select_option("sha256")
    shot(page, "set-form")
    element.get_by_role("button", name="Save key").click()
    expect(key_status).to_have_text("Set")
    expect(element.locator("[part=notification-key-algorithm]")).to_have_text("HMAC-SHA256")
    expect(element.get_by_role("status")).to_have_text("Notification key saved.")
    shot(page, "key-set")
    state = folio.invoicing(tenant["id"])
    assert state["hasNotificationKey"] is True, state
    assert state["notificationKeyAlgorithm"] == "sha256", state
    changed = wait_for_event(page, "folio:notification-key-changed")
    assert changed[-1]["detail"]["state"]["notificationKeyAlgorithm"] == "sha256", changed
    markup = page.content() + page.evaluate(SHADOW_HTML)
    assert first_key not in markup
    assert first_key not in "\n".join(page.console_messages)

    # A replacement keeps the old key for a day, and the element says until when.
    second_key = unique("key-second")
    element.get_by_role("button", name="Replace notification key").click()
    element.get_by_label("Notification key", exact=True).fill(second_key)
    expect(element.get_by_label("Signature algorithm")).to_have_value("sha256")
    element.get_by_label("Keep the old key valid for").select_option(label="1 day")
    shot(page, "replace-form")
    element.get_by_role("button", name="Save key").click()
    expect(element.get_by_text("Previous key valid until")).to_be_visible()
    expect(element.locator("[part=notification-key-algorithm]")).to_have_text("HMAC-SHA256")
    shot(page, "replaced")
    state = folio.invoicing(tenant["id"])
    assert state["hasNotificationKey"] is True and state.get("previousNotificationKeyValidUntil"), state
    markup = page.content() + page.evaluate(SHADOW_HTML)
    assert first_key not in markup and second_key not in markup
    assert len(folio_events(page, "folio:notification-key-changed")) == 2

    # Removing asks first.
    element.get_by_role("button", name="Remove notification key").click()
    expect(element.get_by_role("button", name="Yes, remove")).to_be_visible()
    shot(page, "confirm-remove")
    element.get_by_role("button", name="Yes, remove").click()
    expect(key_status).to_have_text("Not set")
    expect(element.locator("[part=notification-key-algorithm]")).to_have_count(0)
    expect(element.get_by_text("Previous key valid until")).to_have_count(0)
    expect(element.get_by_role("button", name="Set notification key")).to_be_visible()
    shot(page, "removed")
    state = folio.invoicing(tenant["id"])
    assert state["hasNotificationKey"] is False, state
    assert "notificationKeyAlgorithm" not in state and "previousNotificationKeyValidUntil" not in state, state
    changed = folio_events(page, "folio:notification-key-changed")
    assert len(changed) == 3 and changed[-1]["detail"]["state"]["hasNotificationKey"] is False, changed


def test_notification_key_validation_and_russian_texts(folio, host, shot):
    tenant = folio.create_tenant()
    folio.activate(tenant["id"])
    token = folio.token(tenant["id"], components=["enable-invoicing"])
    page = host(f'<folio-enable-invoicing lang="ru" session="{token}"></folio-enable-invoicing>')
    element = page.locator("folio-enable-invoicing")
    expect(element).to_have_attribute("data-state", "active")
    element.get_by_role("button", name="Задать ключ уведомлений").click()
    key_input = element.get_by_label("Ключ уведомлений", exact=True)
    expect(element.get_by_label("Алгоритм подписи")).to_have_value("sha1")
    # A key with a space inside is refused by the form before anything is sent.
    requests = []
    page.on("request", lambda request: requests.append(request) if "/notification-key" in request.url else None)
    key_input.fill("with space")
    element.get_by_role("button", name="Сохранить ключ").click()
    assert key_input.evaluate("(input) => input.validity.valid") is False
    page.wait_for_timeout(300)
    assert requests == [], [r.url for r in requests]
    shot(page, "ru-form")

    # Past the form, the API's 422 names the field in Russian and marks it invalid.
    key_input.evaluate("(input) => input.removeAttribute('pattern')")
    key_input.fill("with space")
    element.get_by_role("button", name="Сохранить ключ").click()
    alert = element.get_by_role("alert")
    expect(alert).to_contain_text("Проверьте поля")
    expect(alert).to_contain_text("Ключ уведомлений")
    expect(key_input).to_have_attribute("aria-invalid", "true")
    shot(page, "ru-rejected")
    errors = folio_events(page, "folio:error")
    assert errors and errors[-1]["detail"]["problem"]["code"] == "validation_failed", errors
    assert folio.invoicing(tenant["id"])["hasNotificationKey"] is False
