"""``POST /order_search``: the OCAPI search query subset (term, text, bool, filtered, match_all; sorts, paging)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from simulator.inbound import json_int
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


_NO_DEFAULT: Any = object()
_KINDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "object": (lambda v: isinstance(v, dict), "an object"),
    "string": (lambda v: isinstance(v, str), "a string"),
    "boolean": (lambda v: isinstance(v, bool), "a boolean"),
    "integer": (lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    "array": (lambda v: isinstance(v, list), "an array"),
    "strings": (lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v), "an array of strings"),
    "values": (lambda v: isinstance(v, list) and all(isinstance(x, str | int | float) for x in v),
               "an array of values"),
}


def _typed(raw: Any, what: str, kind: str, default: Any = _NO_DEFAULT) -> Any:
    """``raw`` when it is of JSON type ``kind`` (absent: ``default``); PropertyConstraintViolation otherwise."""
    if raw is None and default is not _NO_DEFAULT:
        return default
    test, label = _KINDS[kind]
    if kind == "integer" and json_int(raw) is not None:
        return json_int(raw)  # 12.0 is a JSON integer (JSON Schema reads it so); 12.5 is not
    if not test(raw):
        raise E.PropertyConstraintViolationException(f"'{what}' must be {label}.", property=what)
    return raw


def _term(fields: Iterable[str], operator: str, values: list[Any]) -> Predicate:
    fields, wanted = list(fields), [_norm(v) for v in values]
    ops: dict[str, Callable[[str], bool]] = {
        "is": lambda v: v == wanted[0], "one_of": lambda v: v in wanted, "not_in": lambda v: v not in wanted,
        "less": lambda v: v < wanted[0], "greater": lambda v: v > wanted[0],
    }
    if operator not in ops or not wanted:
        raise E.EnumConstraintViolationException(f"Unsupported operator '{operator}' or no values.",
                                                 property="operator", value=operator)
    for f in fields:
        _check_field(f)
    test = ops[operator]
    return lambda o: any(test(_norm(field_value(o, f))) for f in fields)


def _check_field(field: str) -> None:
    if not field.startswith("c_") and field not in FIELDS:
        raise E.UnknownPropertyException(f"The search field '{field}' is unknown.", property=field,
                                         document="order_search_request")


def _query(raw: Any) -> Predicate:
    if not isinstance(raw, dict) or len(raw) != 1:
        raise E.PropertyConstraintViolationException("A query must be an object with exactly one query type.")
    kind, body = next(iter(raw.items()))
    body = _typed(body, kind, "object")
    if kind == "match_all_query":
        return lambda o: True
    if kind == "term_query":
        return _term(_typed(body.get("fields", []), "fields", "strings"),
                     _typed(body.get("operator"), "operator", "string", "is"), _typed(body.get("values", []), "values", "values"))
    if kind == "text_query":
        phrase = _norm(_typed(body.get("search_phrase"), "search_phrase", "string", ""))
        fields = _typed(body.get("fields", []), "fields", "strings")
        for f in fields:
            _check_field(f)
        return lambda o: any(phrase in _norm(field_value(o, f)) for f in fields)
    if kind == "bool_query":
        must = [_query(q) for q in _typed(body.get("must"), "must", "array", [])]
        must_not = [_query(q) for q in _typed(body.get("must_not"), "must_not", "array", [])]
        should = [_query(q) for q in _typed(body.get("should"), "should", "array", [])]
        return lambda o: (all(p(o) for p in must) and not any(p(o) for p in must_not)
                          and (not should or any(p(o) for p in should)))
    if kind == "filtered_query":
        query = _query(body.get("query") or {"match_all_query": {}})
        filt = _filter(body.get("filter"))
        return lambda o: query(o) and filt(o)
    raise E.UnknownPropertyException(f"The query type '{kind}' is unknown.", property=kind, document="query")


def _filter(raw: Any) -> Predicate:
    if not isinstance(raw, dict) or len(raw) != 1:
        raise E.PropertyConstraintViolationException("A filter must be an object with exactly one filter type.")
    kind, body = next(iter(raw.items()))
    body = _typed(body, kind, "object")
    if kind == "term_filter":
        return _term([_typed(body.get("field"), "field", "string", "")],
                     _typed(body.get("operator"), "operator", "string", "is"), _typed(body.get("values", []), "values", "values"))
    if kind == "range_filter":
        field = _typed(body.get("field"), "field", "string", "")
        _check_field(field)
        low, high = body.get("from"), body.get("to")
        for bound, name in ((low, "from"), (high, "to")):
            if bound is not None and not isinstance(bound, str | int | float):
                raise E.PropertyConstraintViolationException(f"'{name}' must be a value.", property=name)
        lo_inc = _typed(body.get("from_inclusive"), "from_inclusive", "boolean", True)
        hi_inc = _typed(body.get("to_inclusive"), "to_inclusive", "boolean", True)

        def in_range(o: SfccOrder) -> bool:
            v = _norm(field_value(o, field))
            ok_low = low is None or (v >= _norm(low) if lo_inc else v > _norm(low))
            return ok_low and (high is None or (v <= _norm(high) if hi_inc else v < _norm(high)))
        return in_range
    if kind == "bool_filter":
        parts = [_filter(f) for f in _typed(body.get("filters"), "filters", "array", [])]
        op = _typed(body.get("operator"), "operator", "string", "and")
        if op not in ("and", "or", "not"):
            raise E.EnumConstraintViolationException(f"Unsupported bool_filter operator '{op}'.",
                                                     property="operator", value=op)
        if op == "or":
            return lambda o: any(p(o) for p in parts)
        if op == "not":
            return lambda o: not any(p(o) for p in parts)
        return lambda o: all(p(o) for p in parts)
    raise E.UnknownPropertyException(f"The filter type '{kind}' is unknown.", property=kind, document="filter")


def _sorts(raw: Any) -> list[tuple[str, bool]]:
    """``sorts: [{field, sort_order: asc|desc}]`` -> (field, descending) pairs."""
    keys = []
    for sort in _typed(raw, "sorts", "array", []) or [{"field": "creation_date"}]:
        sort = _typed(sort, "sorts[]", "object")
        field = _typed(sort.get("field"), "field", "string", "creation_date")
        _check_field(field)
        order = _typed(sort.get("sort_order"), "sort_order", "string", "asc")
        if order not in ("asc", "desc"):
            raise E.EnumConstraintViolationException(f"Unsupported sort_order '{order}'.", property="sort_order",
                                                     value=order)
        keys.append((field, order == "desc"))
    return keys


def search(orders: Iterable[SfccOrder], request: Any) -> tuple[list[SfccOrder], int, int]:
    """Evaluate an ``order_search_request``: (page of hits, total, start); every part type-checked first."""
    if not isinstance(request, dict):
        raise E.BodyDecodingException("The request body must be a JSON object.")
    if "query" not in request:
        raise E.PropertyConstraintViolationException("The property 'query' is required.", property="query")
    predicate = _query(request["query"])
    start = _typed(request.get("start"), "start", "integer", 0)
    count = _typed(request.get("count"), "count", "integer", 25)
    if start < 0 or not 1 <= count <= 200:
        raise E.PropertyConstraintViolationException("'start' must be >= 0 and 'count' 1..200.")
    sorts = _sorts(request.get("sorts"))
    matches = [o for o in orders if predicate(o)]
    for field, descending in reversed(sorts):
        matches.sort(key=lambda o, f=field: _norm(field_value(o, f)), reverse=descending)  # type: ignore[misc]
    return matches[start:start + count], len(matches), start


def user_search_phrase(body: dict[str, Any]) -> str:
    """``{"query": {"text_query": {"search_phrase": ...}}}`` of a Data API ``user_search`` (absent: all users)."""
    query = body.get("query")
    if query is None:
        return ""
    text = _typed(query, "query", "object").get("text_query")
    if text is None:
        return ""
    phrase: str = _typed(_typed(text, "text_query", "object").get("search_phrase"), "search_phrase", "string", "")
    return phrase
