"""OCAPI property selection (``select``) on order reads, order_search and user_search; bad selectors are 400
MalformedSelectorException (OCAPI "Property selection" and Global Exceptions pages)."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.sfcc.select import parse
from tests.sfcc.conftest import TIKTOK_USER, Sfcc, assert_fault


def _get(sfcc: Sfcc, no: str, token: str, select: str) -> dict[str, Any]:
    resp = sfcc.call("GET", f"{sfcc.shop()}/orders/{no}", token, params={"select": select})
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def test_select_on_get_order(sfcc: Sfcc, no: str, tiktok_token: str) -> None:
    full = sfcc.get(no, tiktok_token).json()
    item = full["product_items"][0]
    assert _get(sfcc, no, tiktok_token, "(**)") == full
    assert _get(sfcc, no, tiktok_token, "(order_no,status)") == {
        "_v": full["_v"], "_type": "order", "order_no": no, "status": full["status"]}
    top = _get(sfcc, no, tiktok_token, "(*)")
    assert "product_items" not in top and "customer_info" not in top and top["order_no"] == no
    assert top == {k: v for k, v in full.items() if not isinstance(v, dict | list)}
    nested = _get(sfcc, no, tiktok_token, "(order_no, product_items.(product_id,quantity))")
    assert nested["product_items"] == [{"_type": "product_item", "product_id": i["product_id"],
                                        "quantity": i["quantity"]} for i in full["product_items"]]
    assert _get(sfcc, no, tiktok_token, "(product_items[0].(product_id))")["product_items"] == [
        {"_type": "product_item", "product_id": item["product_id"]}]
    assert _get(sfcc, no, tiktok_token, "(product_items[5:9].(**))")["product_items"] == []
    picked = _get(sfcc, no, tiktok_token, f"(product_items[?(@.product_id=='{item['product_id']}' || "
                                          "@.quantity > 1000)].(**))")
    assert picked["product_items"] == [i for i in full["product_items"] if i["product_id"] == item["product_id"]]
    assert _get(sfcc, no, tiktok_token, "(product_items[?(@.quantity<0)])")["product_items"] == []
    without = _get(sfcc, no, tiktok_token, "(**,-product_items,-_resource_state)")
    assert without == {k: v for k, v in full.items() if k not in ("product_items", "_resource_state")}
    assert _get(sfcc, no, tiktok_token, "(no_such_property)") == {"_v": full["_v"], "_type": "order"}


def test_select_on_patch_answer_and_order_search(sfcc: Sfcc, no: str, tiktok_token: str) -> None:
    patched = sfcc.call("PATCH", f"{sfcc.shop()}/orders/{no}", tiktok_token, json={"c_orderNote": "sel"},
                        params={"select": "(order_no,c_orderNote)"})
    assert patched.status_code == 200 and patched.json() == {"_v": "22.6", "_type": "order", "order_no": no,
                                                             "c_orderNote": "sel"}
    body = {"query": {"term_query": {"fields": ["order_no"], "operator": "is", "values": [no]}},
            "select": "(total,hits.(data.(order_no,status)))"}
    found = sfcc.call("POST", f"{sfcc.shop()}/order_search", sfcc.bm_token(), json=body).json()
    assert found["total"] == 1 and set(found) == {"_v", "_type", "total", "hits"}
    assert found["hits"] == [{"_type": "order_search_hit", "data": {"_v": "22.6", "_type": "order", "order_no": no,
                                                                    "status": found["hits"][0]["data"]["status"]}}]
    query = sfcc.call("POST", f"{sfcc.shop()}/order_search", sfcc.bm_token(), json={k: body[k] for k in ("query",)},
                      params={"select": "(count)"}).json()
    assert query == {"_v": "22.6", "_type": "order_search_result", "count": 1}


def test_cartridge_user_search_select(sfcc: Sfcc, tiktok_token: str) -> None:
    """The cartridge's token check selects ``(hits.(login, disabled, locked))`` (spaces included)."""
    body = {"query": {"text_query": {"fields": ["login"], "search_phrase": TIKTOK_USER[0]}},
            "select": "(hits.(login, disabled, locked))"}
    found = sfcc.call("POST", f"{sfcc.data()}/user_search", tiktok_token, json=body).json()
    assert found == {"_v": "22.6", "_type": "user_search_result", "hits": [
        {"_type": "user", "login": TIKTOK_USER[0], "disabled": False, "locked": False}]}


BAD = ["order_no", "", "(", "()", "(order_no,)", "(order_no", "(order_no))", "(product_items.(product_id)",
       "(-status)", "(product_items[x])", "(product_items[1:])", "(product_items[?(@.quantity=)])",
       "(product_items[?(quantity==1)])", "(product_items[?(@.a=='x' &&)])", "(a b)", "(a;b)", "(" * 3000, "(a." * 500 + "(b)" + ")" * 500]


@pytest.mark.parametrize("selector", BAD, ids=[repr(b[:30]) for b in BAD])
def test_bad_selector_is_malformed_selector_and_changes_nothing(sfcc: Sfcc, no: str, tiktok_token: str,
                                                                selector: str) -> None:
    before = sfcc.get(no, tiktok_token).json()
    resp = sfcc.call("PATCH", f"{sfcc.shop()}/orders/{no}", tiktok_token, json={"c_orderNote": "never"},
                     params={"select": selector})
    fault = assert_fault(resp, 400, "MalformedSelectorException")["fault"]
    assert fault["arguments"]["selector"]["value"] == selector[:2048]
    assert sfcc.get(no, tiktok_token).json() == before
    found = sfcc.call("POST", f"{sfcc.shop()}/order_search", sfcc.bm_token(),
                      json={"query": {"match_all_query": {}}, "select": selector})
    assert_fault(found, 400, "MalformedSelectorException")


def test_non_string_search_select_is_malformed(sfcc: Sfcc) -> None:
    resp = sfcc.call("POST", f"{sfcc.shop()}/order_search", sfcc.bm_token(),
                     json={"query": {"match_all_query": {}}, "select": ["order_no"]})
    assert_fault(resp, 400, "MalformedSelectorException")


def test_selection_applies_to_plain_documents() -> None:
    doc = {"_v": "22.6", "a": 1, "b": {"_type": "x", "c": 2, "d": 3}, "e": [{"f": 1.5}, {"f": -2}]}
    assert parse("(b.(c))").apply(doc) == {"_v": "22.6", "b": {"_type": "x", "c": 2}}
    assert parse("(e[?(@.f >= -2 && @.f != 1.5)])").apply(doc) == {"_v": "22.6", "e": [{"f": -2}]}
    assert parse("(e[1,0,7])").apply(doc) == {"_v": "22.6", "e": [{"f": -2}, {"f": 1.5}]}
    assert parse("(+a)").apply(doc) == {"_v": "22.6", "a": 1}
