"""Supabase's documented JSON error body, parsed for the real status (no server needed)."""
from __future__ import annotations

from listener.storage.supabase import parse_error


def test_error_status_comes_from_the_json_body():
    err = parse_error(400, '{"statusCode":"404","error":"not_found","message":"Object not found"}')
    assert (err.status, err.message, err.retryable) == (404, "not_found: Object not found", False)
    err = parse_error(400, '{"statusCode":"503","error":"Service Unavailable","message":"try later"}')
    assert err.status == 503 and err.retryable
    err = parse_error(400, '{"statusCode":"409","error":"Duplicate","message":"The resource already exists"}')
    assert err.status == 409 and "already exists" in err.message
    err = parse_error(502, "<html>bad gateway</html>", "Bad Gateway")
    assert err.status == 502 and err.retryable and "bad gateway" in err.message
    assert parse_error(400, "", "Bad Request").message == "Bad Request"
