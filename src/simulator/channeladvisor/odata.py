"""The OData query options partners use: ``$select``, ``$expand``, ``$orderby``, ``$top``, ``$skip``,
``$count``, ``exported`` and ``$filter`` (compiled in :mod:`simulator.channeladvisor.odata_filter`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from simulator.channeladvisor.errors import ODataQueryError
from simulator.channeladvisor.schema import TYPES, EntityType

if TYPE_CHECKING:
    from simulator.channeladvisor.odata_filter import Filter

Row = dict[str, Any]  # one entity as a plain mapping (odata_filter.Row: the same alias, its module imported lazily)
INT32_MAX = 2**31 - 1
SUPPORTED_OPTIONS = {
    "$filter",
    "$select",
    "$expand",
    "$orderby",
    "$top",
    "$skip",
    "$count",
    "$format",
    "exported",
    "access_token",
}


# -- query options ---------------------------------------------------------------------------------
@dataclass
class Expand:
    """One ``$expand`` item with its nested ``$expand`` / ``$select``."""

    name: str
    expand: list[Expand] = field(default_factory=list)
    select: list[str] | None = None


@dataclass
class Query:
    """Parsed query options of ``GET /v1/Orders``."""

    predicate: Filter | None = None
    select: list[str] | None = None
    expand: list[Expand] = field(default_factory=list)
    orderby: list[tuple[str, bool]] = field(default_factory=list)  # (property, descending)
    top: int | None = None
    skip: int = 0
    count: bool = False
    exported: bool | None = None


def parse_query(args: Mapping[str, str], entity: EntityType, *, collection: bool = True) -> Query:
    """Parse query options (names are case-insensitive, CA docs); raises :class:`ODataQueryError`."""
    opts = {k.lower(): v for k, v in args.items()}
    for name in opts:
        if name not in SUPPORTED_OPTIONS and (name.startswith("$") or not collection):
            raise ODataQueryError(f"The query parameter '{name}' is not supported.")
    query = Query(expand=parse_expand(opts.get("$expand", ""), entity))
    if opts.get("$select", "").strip():  # an empty $select selects nothing away, as ASP.NET OData reads it
        query.select = parse_select(opts["$select"], entity)
    if not collection:
        return query
    if opts.get("$filter", "").strip():
        from simulator.channeladvisor.odata_filter import compile_filter  # the grammar costs ~0.1 s to import

        query.predicate = compile_filter(opts["$filter"], entity)
    elif "$filter" in opts:
        raise ODataQueryError("The $filter query option cannot be empty.")
    query.orderby = parse_orderby(opts.get("$orderby", ""), entity)
    query.top = _non_negative(opts, "$top")
    query.skip = _non_negative(opts, "$skip") or 0
    query.count = _boolean(opts, "$count") or False
    query.exported = _boolean(opts, "exported")
    return query


def _non_negative(opts: Mapping[str, str], name: str) -> int | None:
    if name not in opts:
        return None
    text = opts[name].strip()
    # ASCII digits within Edm.Int32, as ASP.NET OData parses $top/$skip (int() would take "1_0" or thousands of digits).
    if not (text.isascii() and text.isdigit() and len(text) <= 10 and int(text) <= INT32_MAX):
        shown = opts[name] if len(opts[name]) <= 32 else opts[name][:32] + "..."
        raise ODataQueryError(
            f"Invalid value '{shown}' for {name} query option found. "
            f"The {name} query option requires a non-negative integer value."
        )
    return int(text)


def _boolean(opts: Mapping[str, str], name: str) -> bool | None:
    if name not in opts:
        return None
    text = opts[name].strip().lower()
    if text not in ("true", "false"):
        shown = opts[name] if len(opts[name]) <= 32 else opts[name][:32] + "..."
        raise ODataQueryError(f"'{shown}' is not a valid value for {name}: use true or false.")
    return text == "true"


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split on ``sep`` outside parentheses and quotes (``Items($expand=A,B),Fulfillments``)."""
    parts: list[str] = []
    depth, start, quoted = 0, 0, False
    for i, ch in enumerate(text):
        if ch == "'":
            quoted = not quoted
        elif quoted:
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise ODataQueryError(f"Unbalanced parentheses in '{text}'.")
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth != 0 or quoted:
        raise ODataQueryError(f"Unbalanced parentheses or quotes in '{text}'.")
    parts.append(text[start:])
    return [p.strip() for p in parts]


def parse_select(text: str, entity: EntityType) -> list[str]:
    """``$select=ID,SiteOrderID`` -> declared property names."""
    names: list[str] = []
    for part in split_top_level(text):
        if part == "*":
            names.extend(entity.properties)
            continue
        resolved = entity.resolve(part)
        if not part or resolved is None:
            raise ODataQueryError(f"Could not find a property named '{part}' on type '{entity.full_name}'.")
        names.append(resolved)
    return names


def parse_expand(text: str, entity: EntityType) -> list[Expand]:
    """``$expand=Items($expand=Adjustments),Fulfillments`` -> :class:`Expand` items."""
    if not text.strip():
        return []
    items = []
    for part in split_top_level(text):
        name, _, rest = part.partition("(")
        resolved = entity.resolve(name.strip())
        if resolved is None or resolved not in entity.navigation:
            raise ODataQueryError(
                f"Could not find a navigation property named '{name.strip()}' on type '{entity.full_name}'."
            )
        item = Expand(resolved)
        if rest:
            if not rest.endswith(")"):
                raise ODataQueryError(f"Malformed $expand item '{part}'.")
            child = TYPES[entity.navigation[resolved]]
            for option in split_top_level(rest[:-1], ";"):
                key, sep, value = option.partition("=")
                key = key.strip().lower()
                if not sep or key not in ("$expand", "$select"):
                    raise ODataQueryError(f"Only $expand and $select are supported inside $expand ('{option}').")
                if key == "$expand":
                    item.expand = parse_expand(value, child)
                else:
                    item.select = parse_select(value, child)
        items.append(item)
    return items


def parse_orderby(text: str, entity: EntityType) -> list[tuple[str, bool]]:
    """``$orderby=CreatedDateUtc desc,ID`` -> ``[("CreatedDateUtc", True), ("ID", False)]``."""
    if not text.strip():
        return []
    keys = []
    for part in split_top_level(text):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise ODataQueryError(f"Syntax error in $orderby item '{part}' (expected 'Property [asc|desc]').")
        resolved = entity.resolve(words[0])
        if resolved is None or resolved not in entity.properties:
            raise ODataQueryError(f"Could not find a property named '{words[0]}' on type '{entity.full_name}'.")
        keys.append((resolved, len(words) == 2 and words[1].lower() == "desc"))
    return keys


R = TypeVar("R", bound=Row)


def sort_rows(rows: list[R], orderby: list[tuple[str, bool]]) -> list[R]:
    """Stable multi-key sort; nulls sort first ascending (OData)."""
    for name, desc in reversed(orderby or [("ID", False)]):
        rows = sorted(rows, key=_sort_key(name), reverse=desc)
    return rows


def _sort_key(name: str) -> Callable[[Row], tuple[bool, Any]]:
    return lambda row: (row.get(name) is not None, _sortable(row.get(name)))


def _sortable(value: Any) -> Any:
    return "" if value is None else value


