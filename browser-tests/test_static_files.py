"""The public files: the API description and the elements' script, with HTTP caching."""

from conftest import BASE_URL, http


def test_openapi_is_public_and_describes_sessions():
    answer = http("GET", f"{BASE_URL}/openapi.yaml")
    assert answer.status == 200, answer
    text = answer.body.decode("utf-8")
    assert text.lstrip().startswith("openapi:"), text[:80]
    assert "/v1/tenants/{tenantId}/sessions" in text


def test_components_script_revalidates_with_its_etag():
    first = http("GET", f"{BASE_URL}/components/folio.js")
    assert first.status == 200, first
    assert "javascript" in first.headers.get("Content-Type", ""), first.headers.get("Content-Type")
    assert b"folio-enable-invoicing" in first.body
    etag = first.headers.get("ETag")
    assert etag, "folio.js must carry an ETag"

    again = http("GET", f"{BASE_URL}/components/folio.js", headers={"If-None-Match": etag})
    assert again.status == 304, again
    assert again.body == b""

    other = http("GET", f"{BASE_URL}/components/folio.js", headers={"If-None-Match": '"not-the-etag"'})
    assert other.status == 200, other


def test_session_script_url_is_immutable(folio):
    tenant = folio.create_tenant()
    session = folio.session(tenant["id"])
    url = session["scriptUrl"]
    if url.startswith("/"):
        url = BASE_URL + url
    answer = http("GET", url)
    assert answer.status == 200, answer
    assert b"folio-enable-invoicing" in answer.body
    assert "immutable" in answer.headers.get("Cache-Control", ""), answer.headers.get("Cache-Control")
