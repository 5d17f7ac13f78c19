"""Session tokens seen from the wire: they are bound to one tenant, to their components and to
their lifetime, and they never reach the platform's own routes."""

import base64
import json
import time

from conftest import ALL_COMPONENTS, token_payload


def test_session_token_names_its_tenant_components_and_expiry(folio):
    tenant = folio.create_tenant()
    session = folio.session(tenant["id"], components=["invoice-list"], ttl=120)
    assert session["tenantId"] == tenant["id"]
    assert session["components"] == ["invoice-list"]
    token = session["token"]
    assert token.startswith("fs1.") and token.count(".") == 2, token
    claims = token_payload(token)
    assert claims["tid"] == tenant["id"]
    assert claims["cmp"] == ["invoice-list"]
    assert 110 <= claims["exp"] - claims["iat"] <= 120, claims


def test_default_session_holds_every_component(folio):
    tenant = folio.create_tenant()
    session = folio.session(tenant["id"])
    assert sorted(session["components"]) == sorted(ALL_COMPONENTS)
    claims = token_payload(session["token"])
    assert 880 <= claims["exp"] - claims["iat"] <= 900, claims


def test_token_of_one_tenant_cannot_read_another(folio):
    a = folio.create_tenant("Hotel A")
    b = folio.create_tenant("Hotel B")
    token_a = folio.token(a["id"])
    own = folio.call("GET", f"/v1/tenants/{a['id']}/invoices", token=token_a)
    assert own.status == 200, own
    foreign = folio.call("GET", f"/v1/tenants/{b['id']}/invoices", token=token_a)
    assert foreign.status == 404, foreign
    assert foreign.code == "tenant_not_found"
    foreign_state = folio.call("GET", f"/v1/tenants/{b['id']}/invoicing", token=token_a)
    assert foreign_state.status == 404 and foreign_state.code == "tenant_not_found", foreign_state


def test_token_allows_only_its_components(folio):
    tenant = folio.create_tenant()
    token = folio.token(tenant["id"], components=["invoice-list"])
    assert folio.call("GET", f"/v1/tenants/{tenant['id']}/invoices", token=token).status == 200
    invite = folio.call("POST", f"/v1/tenants/{tenant['id']}/invoicing/invite", {"email": "gm@hotel.example"}, token=token)
    assert invite.status == 403, invite
    assert invite.code == "session_forbidden"
    state = folio.call("GET", f"/v1/tenants/{tenant['id']}/invoicing", token=token)
    assert state.status == 403 and state.code == "session_forbidden", state
    # Nothing was sent: the tenant is still not invited.
    assert folio.invoicing(tenant["id"])["state"] == "disabled"


def test_token_never_reaches_platform_routes(folio):
    tenant = folio.create_tenant()
    token = folio.token(tenant["id"])
    minted = folio.call("POST", f"/v1/tenants/{tenant['id']}/sessions", {}, token=token)
    assert minted.status in (401, 403), minted
    invoice = {
        "reservationId": "B-1",
        "description": "Two nights",
        "currency": "RUB",
        "customer": {"type": "private", "email": "guest@example.org"},
        "items": [{"name": "Room, 2 nights", "quantity": 2, "unitPrice": 450000, "vatCode": "RUS_VAT22"}],
    }
    created = folio.call("POST", f"/v1/tenants/{tenant['id']}/invoices", invoice, token=token)
    assert created.status in (401, 403), created
    tenants = folio.call("GET", "/v1/tenants", token=token)
    assert tenants.status in (401, 403), tenants


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def test_tampered_tokens_are_invalid(folio):
    a = folio.create_tenant("Hotel A")
    b = folio.create_tenant("Hotel B")
    token = folio.token(a["id"])
    prefix, payload, signature = token.split(".")
    path = f"/v1/tenants/{a['id']}/invoices"

    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    answer = folio.call("GET", path, token=f"{prefix}.{payload}.{flipped}")
    assert answer.status == 401 and answer.code == "invalid_session", answer

    # Another tenant's id under the original signature.
    claims = token_payload(token)
    claims["tid"] = b["id"]
    forged = _b64(json.dumps(claims, separators=(",", ":")).encode())
    answer = folio.call("GET", f"/v1/tenants/{b['id']}/invoices", token=f"{prefix}.{forged}.{signature}")
    assert answer.status == 401 and answer.code == "invalid_session", answer

    # A longer life under the original signature.
    claims = token_payload(token)
    claims["exp"] += 3600
    forged = _b64(json.dumps(claims, separators=(",", ":")).encode())
    answer = folio.call("GET", path, token=f"{prefix}.{forged}.{signature}")
    assert answer.status == 401 and answer.code == "invalid_session", answer


def test_expired_token_is_refused(folio):
    tenant = folio.create_tenant()
    token = folio.token(tenant["id"], ttl=1)
    time.sleep(2.2)
    answer = folio.call("GET", f"/v1/tenants/{tenant['id']}/invoices", token=token)
    assert answer.status == 401, answer
    assert answer.code == "session_expired"


def test_ttl_outside_its_range_is_rejected(folio):
    tenant = folio.create_tenant()
    for ttl in (0, 3601):
        answer = folio.call("POST", f"/v1/tenants/{tenant['id']}/sessions", {"ttlSeconds": ttl})
        assert answer.status in (400, 422), (ttl, answer)
