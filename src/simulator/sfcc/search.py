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


def _object(raw: Any, what: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise E.PropertyConstraintViolationException(f"'{what}' must be an object.", property=what)
    return raw


def _strings(raw: Any, what: str) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise E.PropertyConstraintViolationException(f"'{what}' must be an array of strings.", property=what)
    return raw


def _string(raw: Any, what: str, default: str) -> str:
    if raw is None:
        return default
    if not isinstance(raw, str):
        raise E.PropertyConstraintViolationException(f"'{what}' must be a string.", property=what)
    return raw


def _scalars(raw: Any, what: str) -> list[Any]:
    if not isinstance(raw, list) or not all(isinstance(v, str | int | float) for v in raw):
        raise E.PropertyConstraintViolationException(f"'{what}' must be an array of values.", property=what)
    return raw


def _boolean(raw: Any, what: str, default: bool) -> bool:
    if raw is None:
        return default
    if not isinstance(raw, bool):
        raise E.PropertyConstraintViolationException(f"'{what}' must be a boolean.", property=what)
    return raw


def _integer(raw: Any, what: str, default: int) -> int:
    if raw is None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise E.PropertyConstraintViolationException(f"'{what}' must be an integer.", property=what)
    return raw


def _list(raw: Any, what: str) -> list[Any]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise E.PropertyConstraintViolationException(f"'{what}' must be an array.", property=what)
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
    body = _object(body, kind)
    if kind == "match_all_query":
        return lambda o: True
    if kind == "term_query":
        return _term(_strings(body.get("fields", []), "fields"), _string(body.get("operator"), "operator", "is"),
                     _scalars(body.get("values", []), "values"))
    if kind == "text_query":
        phrase = _norm(_string(body.get("search_phrase"), "search_phrase", ""))
        fields = _strings(body.get("fields", []), "fields")
        for f in fields:
            _check_field(f)
        return lambda o: any(phrase in _norm(field_value(o, f)) for f in fields)
    if kind == "bool_query":
        must = [_query(q) for q in _list(body.get("must"), "must")]
        must_not = [_query(q) for q in _list(body.get("must_not"), "must_not")]
        should = [_query(q) for q in _list(body.get("should"), "should")]
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
    body = _object(body, kind)
    if kind == "term_filter":
        return _term([_string(body.get("field"), "field", "")], _string(body.get("operator"), "operator", "is"),
                     _scalars(body.get("values", []), "values"))
    if kind == "range_filter":
        field = _string(body.get("field"), "field", "")
        _check_field(field)
        low, high = body.get("from"), body.get("to")
        for bound, name in ((low, "from"), (high, "to")):
            if bound is not None and not isinstance(bound, str | int | float):
                raise E.PropertyConstraintViolationException(f"'{name}' must be a value.", property=name)
        lo_inc = _boolean(body.get("from_inclusive"), "from_inclusive", True)
        hi_inc = _boolean(body.get("to_inclusive"), "to_inclusive", True)

        def in_range(o: SfccOrder) -> bool:
            v = _norm(field_value(o, field))
            ok_low = low is None or (v >= _norm(low) if lo_inc else v > _norm(low))
            return ok_low and (high is None or (v <= _norm(high) if hi_inc else v < _norm(high)))
        return in_range
    if kind == "bool_filter":
        parts = [_filter(f) for f in _list(body.get("filters"), "filters")]
        op = _string(body.get("operator"), "operator", "and")
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
    for sort in _list(raw, "sorts") or [{"field": "creation_date"}]:
        sort = _object(sort, "sorts[]")
        field = _string(sort.get("field"), "field", "creation_date")
        _check_field(field)
        order = _string(sort.get("sort_order"), "sort_order", "asc")
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
    start, count = _integer(request.get("start"), "start", 0), _integer(request.get("count"), "count", 25)
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
    text = _object(query, "query").get("text_query")
    if text is None:
        return ""
    return _string(_object(text, "text_query").get("search_phrase"), "search_phrase", "")
