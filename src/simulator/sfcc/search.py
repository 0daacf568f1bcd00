"""``POST /order_search``: the OCAPI search query subset (term, text, bool, filtered, match_all; sorts, paging)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from simulator.inbound import json_int
from simulator.sfcc import errors as E
from simulator.sfcc.models import SfccOrder
from simulator.sfcc.search_index import INDEXED, SearchIndex, norm

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


def search(orders: Iterable[SfccOrder], request: Any, index: SearchIndex | None = None,
           book: Mapping[str, SfccOrder] | None = None, site_id: str = "") -> tuple[list[SfccOrder], int, int]:
    """Evaluate an ``order_search_request``: (page of hits, total, start); every part type-checked first.

    With ``index`` (and ``book``, all orders by number), candidates come from the narrowest posting the
    query's conjuncts name (simulator.sfcc.search_index) instead of ``orders`` (the site's orders in
    creation order); the predicate still decides, so the hits are the same as a scan's.
    """
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
    if index is not None and book is not None:
        if "match_all_query" in request["query"] and sorts == [("creation_date", False)]:
            # Every order of the site in creation order: the page is a slice of the sorted index.
            keys = index.created.get(site_id, ())
            return [book[no] for _, no in keys[start:start + count]], len(keys), start
        candidates = _plan_query(request["query"], index, site_id)
        if candidates is not None:
            # Ascending order numbers are creation (and the book's insertion) order: a scan's order.
            orders = (book[no] for no in sorted(candidates))
    matches = [o for o in orders if predicate(o)]
    for field, descending in reversed(sorts):
        matches.sort(key=lambda o, f=field: _norm(field_value(o, f)), reverse=descending)  # type: ignore[misc]
    return matches[start:start + count], len(matches), start


# -- candidates from the index (called after _query validated the document) ------------------------------
Candidates = set[str] | None  # None: any order of the site may match


def _both(a: Candidates, b: Candidates) -> Candidates:
    if a is None:
        return b
    return a if b is None else a & b


def _either(parts: list[Candidates]) -> Candidates:
    if not parts or any(p is None for p in parts):
        return None
    return set().union(*parts)  # type: ignore[arg-type]


def _plan_term(fields: list[str], operator: str, values: list[Any], index: SearchIndex, site: str) -> Candidates:
    if operator not in ("is", "one_of") or not all(f in INDEXED for f in fields):
        return None
    wanted = values[:1] if operator == "is" else values
    return _either([index.posting(site, f, norm(v)) for f in fields for v in wanted] or [set()])


def _plan_query(raw: dict[str, Any], index: SearchIndex, site: str) -> Candidates:
    kind, body = next(iter(raw.items()))
    if kind == "term_query":
        return _plan_term(body.get("fields", []), body.get("operator") or "is", body.get("values", []), index, site)
    if kind == "bool_query":
        found: Candidates = None
        for part in body.get("must") or []:
            found = _both(found, _plan_query(part, index, site))
        should = body.get("should") or []
        if should:
            found = _both(found, _either([_plan_query(part, index, site) for part in should]))
        return found
    if kind == "filtered_query":
        query = body.get("query")
        return _both(_plan_query(query, index, site) if query else None, _plan_filter(body["filter"], index, site))
    return None  # match_all_query, text_query: any order


def _plan_filter(raw: dict[str, Any], index: SearchIndex, site: str) -> Candidates:
    kind, body = next(iter(raw.items()))
    if kind == "term_filter":
        return _plan_term([body.get("field") or ""], body.get("operator") or "is", body.get("values", []), index, site)
    if kind == "bool_filter":
        parts = [_plan_filter(part, index, site) for part in body.get("filters") or []]
        operator = body.get("operator") or "and"
        if operator == "or":
            return _either(parts)
        if operator == "and":
            found: Candidates = None
            for part in parts:
                found = _both(found, part)
            return found
    return None  # range_filter, not: any order


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
