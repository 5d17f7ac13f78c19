"""Fixtures for the browser tests: a headless system Chromium, Folio's API with the platform key,
and host pages that embed Folio's elements the way a host application does.

scripts/test-browser.sh starts `folio dev` and sets FOLIO_BASE_URL, FOLIO_SANDBOX_URL,
FOLIO_FAKTUROWNIA_URL (its Fakturownia simulator), FOLIO_PLATFORM_KEY and FOLIO_SCREENSHOTS_DIR.
"""

import base64
import html
import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

BASE_URL = os.environ.get("FOLIO_BASE_URL", "http://127.0.0.1:8080").rstrip("/")
SANDBOX_URL = os.environ.get("FOLIO_SANDBOX_URL", "").rstrip("/")
FAKTUROWNIA_URL = os.environ.get("FOLIO_FAKTUROWNIA_URL", "").rstrip("/")
PLATFORM_KEY = os.environ.get("FOLIO_PLATFORM_KEY", "")
SCREENSHOTS = Path(os.environ.get("FOLIO_SCREENSHOTS_DIR", ".build/browser-screenshots"))
CHROMIUM = os.environ.get("FOLIO_CHROMIUM", "/usr/bin/chromium")
TIMEOUT_MS = 10_000
ALL_COMPONENTS = ["enable-invoicing", "invoice-list", "invoice"]

# Web-first assertions poll for as long as a locator action would wait.
expect.set_options(timeout=TIMEOUT_MS)


class Answer:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def code(self):
        """The problem's `code`, or None for an answer that is not a problem document."""
        try:
            return self.json().get("code")
        except ValueError:
            return None

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


def http(method, url, token=None, body=None, headers=None):
    """One HTTP exchange; error statuses are answers too, never exceptions."""
    request_headers = {"Accept": "application/json, application/problem+json, */*"}
    data = None
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        request_headers["Content-Type"] = "application/json"
    if token:
        request_headers["Authorization"] = f"Bearer {token}"
    request_headers.update(headers or {})
    request = urllib.request.Request(url, data=data, method=method, headers=request_headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Answer(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers, error.read())


def token_payload(token):
    """The claims in the middle part of an `fs1.` session token."""
    middle = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(middle + "=" * (-len(middle) % 4)))


def wait_until(probe, what, timeout=TIMEOUT_MS / 1000, interval=0.2):
    """Polls `probe` until it returns something truthy and returns that."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class Folio:
    """Folio's API as a host backend calls it, plus the sandboxes' and the demo's own routes."""

    def __init__(self, base, sandbox, platform_key, fakturownia=""):
        self.base = base
        self.sandbox = sandbox
        self.platform_key = platform_key
        self.fakturownia = fakturownia

    def call(self, method, path, body=None, token=None, headers=None):
        return http(method, self.base + path, token=token or self.platform_key, body=body, headers=headers)

    def expect(self, answer, *statuses):
        assert answer.status in statuses, f"expected {statuses}, got {answer!r}"
        return answer.json() if answer.body else None

    def create_tenant(self, name="Browser test hotel"):
        external = unique("browser")
        tenant = self.expect(self.call("POST", "/v1/tenants", {"externalId": external, "displayName": name}), 201)
        assert tenant["externalId"] == external
        return tenant

    def session(self, tenant_id, components=None, ttl=None):
        body = {}
        if components is not None:
            body["components"] = components
        if ttl is not None:
            body["ttlSeconds"] = ttl
        return self.expect(self.call("POST", f"/v1/tenants/{tenant_id}/sessions", body), 201)

    def token(self, tenant_id, components=None, ttl=None):
        return self.session(tenant_id, components, ttl)["token"]

    def invoicing(self, tenant_id):
        return self.expect(self.call("GET", f"/v1/tenants/{tenant_id}/invoicing"), 200)

    def activation_code(self, email):
        """The code the hotel received: the demo's mailbox, or the sandbox's record of invites."""

        address = urllib.parse.quote(email, safe="@")

        def probe():
            answer = http("GET", f"{self.base}/demo/api/mailbox/{address}")
            if answer.status == 200:
                return answer.json()["activationCode"]
            if self.sandbox:
                answer = http("GET", f"{self.sandbox}/__sandbox/invites/{address}")
                if answer.status == 200:
                    return answer.json()["activationCode"]
            return None

        return str(wait_until(probe, f"an activation code for {email}"))

    def activate(self, tenant_id, email=None):
        email = email or f"{unique('gm')}@hotel.example"
        key = {"Idempotency-Key": unique("invite")}
        self.expect(self.call("POST", f"/v1/tenants/{tenant_id}/invoicing/invite", {"email": email}, headers=key), 200, 201, 202)
        code = self.activation_code(email)
        key = {"Idempotency-Key": unique("activate")}
        state = self.expect(
            self.call("POST", f"/v1/tenants/{tenant_id}/invoicing/activate", {"activationCode": code}, headers=key), 200, 201
        )
        assert state["state"] == "active", state
        return state

    def create_invoice(self, tenant_id, reservation_id=None, unit_price=450000):
        body = {
            "reservationId": reservation_id or unique("B"),
            "description": "Two nights",
            "currency": "RUB",
            "customer": {"type": "private", "email": "guest@example.org"},
            "items": [{"name": "Room, 2 nights", "quantity": 2, "unitPrice": unit_price, "vatCode": "RUS_VAT22"}],
        }
        answer = self.call("POST", f"/v1/tenants/{tenant_id}/invoices", body, headers={"Idempotency-Key": unique("invoice")})
        invoice = self.expect(answer, 201, 200)
        if not invoice.get("paymentUrl"):
            invoice = self.wait_for_invoice(tenant_id, invoice["id"], lambda i: i.get("paymentUrl"), "a payment URL")
        return invoice

    def invoice(self, tenant_id, invoice_id):
        return self.expect(self.call("GET", f"/v1/tenants/{tenant_id}/invoices/{invoice_id}"), 200)

    def wait_for_invoice(self, tenant_id, invoice_id, predicate, what, timeout=TIMEOUT_MS / 1000):
        def probe():
            invoice = self.invoice(tenant_id, invoice_id)
            return invoice if predicate(invoice) else None

        return wait_until(probe, f"invoice {invoice_id}: {what}", timeout=timeout)

    def sandbox_merchant(self):
        assert self.sandbox, "FOLIO_SANDBOX_URL is not set"
        answer = http("POST", f"{self.sandbox}/__sandbox/merchants", body={})
        assert answer.status in (200, 201), answer
        return answer.json()

    # --- Fakturownia: the simulator's control API and the tenant's account through Folio ---------

    def fakturownia_control(self, method, path, body=None):
        assert self.fakturownia, "FOLIO_FAKTUROWNIA_URL is not set: run scripts/test-browser.sh"
        return http(method, f"{self.fakturownia}/__sandbox/{path}", body=body)

    def fakturownia_account(self, prefix, api_token=None):
        """An account that exists at Fakturownia already, as a hotel that invoices there has one."""
        body = {"prefix": prefix}
        if api_token:
            body["api_token"] = api_token
        answer = self.fakturownia_control("POST", "accounts", body)
        assert answer.status == 201, answer
        return answer.json()

    def open_fakturownia_account(self, tenant_id, prefix=None):
        prefix = prefix or unique("hotel")
        body = {
            "provider": "fakturownia",
            "fakturownia": {"prefix": prefix, "email": f"recepcja@{prefix}.example", "company": {"name": "Hotel Aurora sp. z o.o."}},
        }
        answer = self.call("POST", f"/v1/tenants/{tenant_id}/invoicing/account", body, headers={"Idempotency-Key": unique("account")})
        state = self.expect(answer, 200)
        assert state["state"] == "active" and state["provider"] == "fakturownia", state
        return state

    def create_fakturownia_invoice(self, tenant_id, reservation_id=None, document_kind="vat"):
        """Two nights at 450.00 PLN with 8 % VAT, for a company guest: a VAT invoice in the account's series
        (or a proforma first, with `document_kind="proforma"`)."""
        body = {
            "fakturownia": {"documentKind": document_kind},
            "reservationId": reservation_id or unique("PL"),
            "description": "Pobyt w Hotelu Aurora",
            "currency": "PLN",
            "language": "pl",
            "customer": {"type": "legal", "name": "Żagiel sp. z o.o.", "vatNumber": "5252248481", "email": "ksiegowosc@zagiel.example"},
            "items": [{"name": "Pokój standard, 2 noce", "quantity": 2, "unitPrice": 45000, "vatCode": "PL_VAT8"}],
        }
        answer = self.call("POST", f"/v1/tenants/{tenant_id}/invoices", body, headers={"Idempotency-Key": unique("invoice")})
        invoice = self.expect(answer, 201, 200)
        if not invoice.get("paymentUrl") or not invoice.get("document", {}).get("number"):
            # Answered while still pending: the document and its links follow.
            invoice = self.wait_for_invoice(
                tenant_id, invoice["id"], lambda i: i.get("paymentUrl") and i.get("document", {}).get("number"), "its document"
            )
        return invoice

    def record_payment(self, tenant_id, invoice_id, amount, method="cash"):
        path = f"/v1/tenants/{tenant_id}/invoices/{invoice_id}/payments"
        return self.expect(self.call("POST", path, {"amount": amount, "method": method}, headers={"Idempotency-Key": unique("payment")}), 200)


@pytest.fixture(scope="session")
def folio():
    assert PLATFORM_KEY, "FOLIO_PLATFORM_KEY is not set: run scripts/test-browser.sh"
    return Folio(BASE_URL, SANDBOX_URL, PLATFORM_KEY, FAKTUROWNIA_URL)


@pytest.fixture(scope="session")
def base_url():
    return BASE_URL


@pytest.fixture(scope="session")
def browser():
    args = ["--disable-dev-shm-usage"]
    if os.geteuid() == 0:
        args.append("--no-sandbox")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        yield browser
        browser.close()


@pytest.fixture
def context(browser):
    # Twice the pixels keep the QR codes' modules crisp for the decoder.
    context = browser.new_context(viewport={"width": 1100, "height": 900}, device_scale_factor=2, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.console_messages = []
    page.on("console", lambda message: page.console_messages.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: page.console_messages.append(f"pageerror: {error}"))
    return page


@pytest.fixture
def shot(request):
    """shot(page_or_locator, state, **screenshot_options) saves <dir>/<test>-<state>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    test = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)

    def take(target, state, **options):
        path = SCREENSHOTS / f"{test}-{state}.png"
        if hasattr(target, "goto") and "clip" not in options:
            options["full_page"] = True
        target.screenshot(path=str(path), **options)
        return path

    return take


# Every DOM event the elements dispatch; host pages record them on window.folioEvents.
FOLIO_EVENTS = [
    "folio:invited",
    "folio:activated",
    "folio:disabled",
    "folio:notification-key-changed",
    "folio:invoice-paid",
    "folio:invoice-canceled",
    "folio:invoice-status-changed",
    "folio:invoice-selected",
    "folio:session-expired",
    "folio:error",
]

HOST_PATH = "/__browser-tests/host.html"


@pytest.fixture
def host(page):
    """host(body_html, lang="en") opens a page on Folio's origin, as a host application would serve
    it, with folio.js loaded and every folio:* event recorded on window.folioEvents. The page itself
    is answered by the browser (route), so nothing on the server knows about the tests."""

    def open_host(body, lang="en"):
        document = f"""<!doctype html>
<html lang="{html.escape(lang)}">
<head>
<meta charset="utf-8">
<title>Host</title>
<script>
window.folioEvents = [];
for (const type of {json.dumps(FOLIO_EVENTS)}) {{
  document.addEventListener(type, (event) => {{
    let detail = null;
    try {{ detail = JSON.parse(JSON.stringify(event.detail)); }} catch (e) {{}}
    window.folioEvents.push({{type, detail, target: event.target && event.target.localName}});
  }});
}}
</script>
<script type="module" src="/components/folio.js"></script>
</head>
<body>
{body}
</body>
</html>"""
        page.route(
            BASE_URL + HOST_PATH,
            lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=document),
        )
        page.goto(BASE_URL + HOST_PATH)
        page.wait_for_function("() => customElements.get('folio-enable-invoicing') !== undefined")
        return page

    return open_host


# Every open shadow root's markup, since page.content() serializes the light DOM only.
SHADOW_HTML = """() => {
    const roots = [];
    const visit = (node) => {
        for (const element of node.querySelectorAll("*")) {
            if (element.shadowRoot) {
                roots.push(element.shadowRoot.innerHTML);
                visit(element.shadowRoot);
            }
        }
    };
    visit(document);
    return roots.join("\\n");
}"""


def folio_events(page, type=None):
    events = page.evaluate("() => window.folioEvents || []")
    return [event for event in events if type is None or event["type"] == type]


def wait_for_event(page, type, timeout=TIMEOUT_MS):
    page.wait_for_function(
        "(type) => (window.folioEvents || []).some((event) => event.type === type)", arg=type, timeout=timeout
    )
    return folio_events(page, type)


def decode_qr(png_path):
    """The text of the QR code in a PNG, read by zbarimg; None when it finds none."""
    result = subprocess.run(["zbarimg", "--raw", "-q", str(png_path)], capture_output=True, text=True)
    if result.returncode != 0:
        return None
    return result.stdout.strip() or None


def focus_by_tab(page, locator, limit=40):
    """Presses Tab until `locator` (possibly inside a shadow root) has the focus. An element that
    moves the focus itself (after a step of a flow) gets a moment to do so first."""
    handle = locator.element_handle()
    is_focused = """(element) => {
        let active = document.activeElement;
        while (active && active.shadowRoot && active.shadowRoot.activeElement) active = active.shadowRoot.activeElement;
        return active === element;
    }"""
    try:
        page.wait_for_function(is_focused, arg=handle, timeout=1000)
        return
    except Exception:
        pass
    for _ in range(limit):
        page.keyboard.press("Tab")
        if handle.evaluate(is_focused):
            return
    raise AssertionError(f"{locator} never got the focus after {limit} presses of Tab")
