"""``POST /order_search``: the OCAPI search query subset (term, text, bool, filtered, match_all; sorts, paging)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from simulator.sfcc import errors as E
from simulator.sfcc.models import SfccOrder

FIELDS = ("order_no", "status", "export_status", "shipping_status", "confirmation_status", "payment_status",
          "channel_type", "customer_email", "customer_name", "creation_date", "last_modified", "site_id")
Predicate = Callable[[SfccOrder], bool]


def field_value(order: SfccOrder, field: str) -> Any:
    """A searchable field of an order (``c_*`` = custom attribute)."""
    if field.startswith("c_"):
        return order.custom.get(field[2:])
    if field not in FIELDS:
        raise E.UnknownPropertyException(f"The search field '{field}' is unknown.", property=field,
                                         document="order_search_request")
    value = getattr(order, field)
    return value.isoformat() if hasattr(value, "isoformat") else value


def _norm(value: Any) -> str:
    return str(value).lower()


def _term(fields: Iterable[str], operator: str, values: list[Any]) -> Predicate:
    fields, wanted = list(fields), [_norm(v) for v in values]
    ops: dict[str, Callable[[str], bool]] = {
        "is": lambda v: v == wanted[0], "one_of": lambda v: v in wanted, "not_in": lambda v: v not in wanted,
        "less": lambda v: v < wanted[0], "greater": lambda v: v > wanted[0],
    }
    if operator not in ops or not wanted:
        raise E.EnumConstraintViolationException(f"Unsupported operator '{operator}' or no values.",
                                                 property="operator", value=str(operator))
    test = ops[operator]
    return lambda o: any(test(_norm(field_value(o, f))) for f in fields)


def _query(raw: Any) -> Predicate:
    if not isinstance(raw, dict) or len(raw) != 1:
        raise E.PropertyConstraintViolationException("A query must be an object with exactly one query type.")
    kind, body = next(iter(raw.items()))
    body = body if isinstance(body, dict) else {}
    if kind == "match_all_query":
        return lambda o: True
    if kind == "term_query":
        return _term(body.get("fields") or [], str(body.get("operator", "is")), list(body.get("values") or []))
    if kind == "text_query":
        phrase, fields = _norm(body.get("search_phrase", "")), list(body.get("fields") or [])
        return lambda o: any(phrase in _norm(field_value(o, f)) for f in fields)
    if kind == "bool_query":
        must = [_query(q) for q in body.get("must") or []]
        must_not = [_query(q) for q in body.get("must_not") or []]
        should = [_query(q) for q in body.get("should") or []]
        return lambda o: (all(p(o) for p in must) and not any(p(o) for p in must_not)
                          and (not should or any(p(o) for p in should)))
    if kind == "filtered_query":
        query, filt = _query(body.get("query") or {"match_all_query": {}}), _filter(body.get("filter"))
        return lambda o: query(o) and filt(o)
    raise E.UnknownPropertyException(f"The query type '{kind}' is unknown.", property=kind, document="query")


def _filter(raw: Any) -> Predicate:
    if not isinstance(raw, dict) or len(raw) != 1:
        raise E.PropertyConstraintViolationException("A filter must be an object with exactly one filter type.")
    kind, body = next(iter(raw.items()))
    body = body if isinstance(body, dict) else {}
    if kind == "term_filter":
        return _term([str(body.get("field", ""))], str(body.get("operator", "is")), list(body.get("values") or []))
    if kind == "range_filter":
        field, low, high = str(body.get("field", "")), body.get("from"), body.get("to")
        lo_inc, hi_inc = body.get("from_inclusive", True), body.get("to_inclusive", True)

        def in_range(o: SfccOrder) -> bool:
            v = _norm(field_value(o, field))
            ok_low = low is None or (v >= _norm(low) if lo_inc else v > _norm(low))
            return ok_low and (high is None or (v <= _norm(high) if hi_inc else v < _norm(high)))
        return in_range
    if kind == "bool_filter":
        parts, op = [_filter(f) for f in body.get("filters") or []], body.get("operator", "and")
        if op == "or":
            return lambda o: any(p(o) for p in parts)
        if op == "not":
            return lambda o: not any(p(o) for p in parts)
        return lambda o: all(p(o) for p in parts)
    raise E.UnknownPropertyException(f"The filter type '{kind}' is unknown.", property=kind, document="filter")


def search(orders: Iterable[SfccOrder], request: Any) -> tuple[list[SfccOrder], int, int]:
    """Evaluate an ``order_search_request``: (page of hits, total, start)."""
    if not isinstance(request, dict):
        raise E.BodyDecodingException("The request body must be a JSON object.")
    if "query" not in request:
        raise E.PropertyConstraintViolationException("The property 'query' is required.", property="query")
    predicate = _query(request["query"])
    start, count = request.get("start", 0), request.get("count", 25)
    if not isinstance(start, int) or not isinstance(count, int) or start < 0 or not 1 <= count <= 200:
        raise E.PropertyConstraintViolationException("'start' must be >= 0 and 'count' 1..200.")
    matches = [o for o in orders if predicate(o)]
    for sort in reversed(request.get("sorts") or [{"field": "creation_date", "sort_order": "asc"}]):
        field = str(sort.get("field", "creation_date"))
        matches.sort(key=lambda o, f=field: _norm(field_value(o, f)),  # type: ignore[misc]
                     reverse=sort.get("sort_order") == "desc")
    return matches[start:start + count], len(matches), start
