"""OData ``$filter`` for ChannelAdvisor: odata-query's grammar, type-checked and compiled to Python closures."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from odata_query import ast
from odata_query.exceptions import ODataException, ParsingException, TokenizingException
from odata_query.grammar import ODataLexer, ODataParser

from simulator.channeladvisor.errors import ODataQueryError
from simulator.channeladvisor.schema import BOOL, DATETIME, DECIMAL, INT, LONG, STRING, TYPES, EntityType

Row = dict[str, Any]
Env = dict[str, Row]
Fn = Callable[[Row, Env], Any]
Type = Any  # an Edm type name, a StrEnum class, or "entity:X" / "collection:X"

MAX_FILTER_NODES = 1000
MAX_FILTER_DEPTH = 32
NUMERIC = {INT, LONG, DECIMAL, "Edm.Double"}
DATE = "Edm.Date"
NULL = "Edm.Null"
_COMPARATOR_NAMES: dict[type, str] = {
    ast.Eq: "Equal",
    ast.NotEq: "NotEqual",
    ast.Lt: "LessThan",
    ast.LtE: "LessThanOrEqual",
    ast.Gt: "GreaterThan",
    ast.GtE: "GreaterThanOrEqual",
    ast.In: "In",
}


# -- $filter ---------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Hint:
    """A top-level conjunct ``Property op literal`` (``op``: eq, lt, le, gt, ge, in): what an index can answer."""

    prop: str
    op: str
    value: Any


class Filter:
    """A compiled ``$filter``: call it on a row; every match satisfies each of its ``hints``."""

    __slots__ = ("_fn", "hints")

    def __init__(self, fn: Fn, hints: tuple[Hint, ...]) -> None:
        self._fn, self.hints = fn, hints

    def __call__(self, row: Row) -> bool:
        return bool(self._fn(row, {}))


_OPS = {ast.Eq: "eq", ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge", ast.In: "in"}
_FLIP = {"eq": "eq", "lt": "gt", "le": "ge", "gt": "lt", "ge": "le"}
_LITERALS = (ast.Integer, ast.String, ast.DateTime, ast.Date, ast.Boolean)


def _hints(tree: ast._Node, entity: EntityType) -> tuple[Hint, ...]:
    """The conjuncts of the top-level ``and`` chain comparing a root property with literals."""
    operands = _chain(tree) if isinstance(tree, ast.BoolOp) and isinstance(tree.op, ast.And) else [tree]
    found = []
    for node in operands:
        if not isinstance(node, ast.Compare) or type(node.comparator) not in _OPS:
            continue
        op, left, right = _OPS[type(node.comparator)], node.left, node.right
        if isinstance(left, _LITERALS) and isinstance(right, ast.Identifier) and op != "in":
            left, right, op = right, left, _FLIP[op]
        if not isinstance(left, ast.Identifier) or left.namespace:
            continue
        prop = entity.resolve(left.name)
        if prop is None or prop not in entity.properties:
            continue
        literals = right.val if op == "in" and isinstance(right, ast.List) else [right]
        if not all(isinstance(v, _LITERALS) for v in literals):
            continue
        values = [_Compiler(entity).compile(v)[0]({}, {}) for v in literals]
        found.append(Hint(prop, op, tuple(values) if op == "in" else values[0]))
    return tuple(found)


def compile_filter(text: str, entity: EntityType) -> Filter:
    """Parse ``$filter`` with odata-query's grammar and compile it against ``entity``'s typed rows.

    Raises:
        ODataQueryError: a syntax error (with its position), an unknown property or function, an
            operand type mismatch, or an unsupported construct; never anything else.
    """
    try:
        tree = ODataParser().parse(ODataLexer().tokenize(text))
    except TokenizingException as exc:
        raise ODataQueryError(
            f"Syntax error: character '{exc.token.value[:1]}' is not valid at position {exc.token.index} in '{text}'."
        ) from None
    except ParsingException as exc:
        where = (
            "at the end of the expression"
            if exc.token is None
            else (f"at position {exc.token.index} ('{exc.token.value}')")
        )
        raise ODataQueryError(f"Syntax error {where} in '{text}'.") from None
    except ODataException as exc:
        raise ODataQueryError(f"Invalid $filter '{text}': {exc}") from None
    if tree is None:
        raise ODataQueryError("The $filter query option cannot be empty.")
    check_complexity(tree)
    fn, kind = _Compiler(entity).compile(tree)
    if kind != BOOL:
        raise ODataQueryError(f"The $filter expression must evaluate to a boolean value ('{text}').")
    return Filter(fn, _hints(tree, entity))


def _children(node: ast._Node) -> list[ast._Node]:
    found: list[ast._Node] = []
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if isinstance(value, ast._Node):
            found.append(value)
        elif isinstance(value, list | tuple):
            found.extend(v for v in value if isinstance(v, ast._Node))
    return [n for n in found if dataclasses.fields(n)]  # operator markers (Eq, And, Not...) are not nodes


def check_complexity(tree: ast._Node) -> None:
    """At most MAX_FILTER_NODES nodes and MAX_FILTER_DEPTH levels (walked iteratively).

    ASP.NET OData bounds ``$filter`` by node count (its ``MaxNodeCount``, message below); CA's own
    value is not published (UNCERTAIN), so the bound is generous. A chain of one operator
    (``a or b or c ...``) counts as one level: it compiles flat.
    """
    stack: list[tuple[ast._Node, int]] = [(tree, 0)]
    nodes = 0
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > MAX_FILTER_NODES:
            raise ODataQueryError(f"The node count limit of '{MAX_FILTER_NODES}' has been exceeded.")
        if depth > MAX_FILTER_DEPTH:
            raise ODataQueryError(f"The $filter expression nests deeper than {MAX_FILTER_DEPTH} levels.")
        for child in _children(node):
            chained = isinstance(node, ast.BoolOp) and isinstance(child, ast.BoolOp) and type(child.op) is type(node.op)
            stack.append((child, depth if chained else depth + 1))


def _chain(node: ast.BoolOp) -> list[ast._Node]:
    """The operands of a same-operator chain, left to right (``a or b or c`` -> [a, b, c])."""
    operands: list[ast._Node] = []
    stack: list[ast._Node] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.BoolOp) and type(item.op) is type(node.op):
            stack.extend((item.right, item.left))
        else:
            operands.append(item)
    return operands


class _Compiler:
    """Type-checks an odata-query AST against an entity type and turns it into Python closures."""

    def __init__(self, entity: EntityType) -> None:
        self.root = entity
        self.scopes: dict[str, EntityType] = {}

    def compile(self, node: ast._Node) -> tuple[Fn, Type]:
        handler = getattr(self, f"_{type(node).__name__}", None)
        if handler is None:
            raise ODataQueryError(f"{_describe(node)} is not supported in this $filter subset.")
        result: tuple[Fn, Type] = handler(node)
        return result

    # names
    def _Identifier(self, node: ast.Identifier) -> tuple[Fn, Type]:
        if node.namespace:
            qualified = ".".join((*node.namespace, node.name))
            raise ODataQueryError(f"Qualified names such as '{qualified}' are not supported.")
        if node.name in self.scopes:
            var = node.name
            return (lambda row, env: env.get(var)), f"entity:{self.scopes[var].name}"
        return self._property(self.root, node.name, lambda row, env: row)

    def _Attribute(self, node: ast.Attribute) -> tuple[Fn, Type]:
        owner, kind = self.compile(node.owner)
        if not (isinstance(kind, str) and kind.startswith("entity:")):
            raise ODataQueryError(
                f"'{node.attr}' cannot be reached from a collection or a value; use any()/all() on collections."
            )
        return self._property(TYPES[kind.split(":", 1)[1]], node.attr, owner)

    def _property(self, entity: EntityType, name: str, owner: Fn) -> tuple[Fn, Type]:
        resolved = entity.resolve(name)
        if resolved is None:
            raise ODataQueryError(f"Could not find a property named '{name}' on type '{entity.full_name}'.")

        def get(row: Row, env: Env) -> Any:
            target = owner(row, env)
            return None if target is None else target.get(resolved)

        if resolved in entity.navigation:
            return get, f"collection:{entity.navigation[resolved]}"
        return get, entity.properties[resolved]

    # literals
    def _literal(self, value: Any, kind: Type) -> tuple[Fn, Type]:
        return (lambda row, env: value), kind

    def _String(self, node: ast.String) -> tuple[Fn, Type]:
        return self._literal(node.val, STRING)

    def _Integer(self, node: ast.Integer) -> tuple[Fn, Type]:
        return self._literal(Decimal(node.val), INT)

    def _Float(self, node: ast.Float) -> tuple[Fn, Type]:
        try:
            return self._literal(Decimal(node.val), DECIMAL)
        except InvalidOperation:
            raise ODataQueryError(f"'{node.val}' is not a valid number.") from None

    def _Boolean(self, node: ast.Boolean) -> tuple[Fn, Type]:
        return self._literal(node.py_val, BOOL)

    def _Null(self, node: ast.Null) -> tuple[Fn, Type]:
        return self._literal(None, NULL)

    def _Date(self, node: ast.Date) -> tuple[Fn, Type]:
        try:
            return self._literal(datetime.combine(node.py_val, time(0), tzinfo=UTC), DATE)
        except ValueError:
            raise ODataQueryError(f"'{node.val}' is not a valid date.") from None

    def _DateTime(self, node: ast.DateTime) -> tuple[Fn, Type]:
        try:
            value = node.py_val
        except ValueError:
            raise ODataQueryError(f"'{node.val}' is not a valid Edm.DateTimeOffset value.") from None
        return self._literal(value if value.tzinfo else value.replace(tzinfo=UTC), DATETIME)

    def _List(self, node: ast.List) -> tuple[Fn, Type]:
        compiled = [self.compile(v) for v in node.val]
        fns = [f for f, _ in compiled]
        return (lambda row, env: [f(row, env) for f in fns]), ("list", [k for _, k in compiled])

    # operators
    def _BoolOp(self, node: ast.BoolOp) -> tuple[Fn, Type]:
        compiled = [self.compile(operand) for operand in _chain(node)]  # flat: no recursion per term
        word = "and" if isinstance(node.op, ast.And) else "or"
        if any(kind != BOOL for _, kind in compiled):
            raise ODataQueryError(f"Both operands of '{word}' must be boolean expressions.")
        fns = [fn for fn, _ in compiled]
        if word == "and":
            return (lambda row, env: all(fn(row, env) for fn in fns)), BOOL
        return (lambda row, env: any(fn(row, env) for fn in fns)), BOOL

    def _UnaryOp(self, node: ast.UnaryOp) -> tuple[Fn, Type]:
        operand, kind = self.compile(node.operand)
        if isinstance(node.op, ast.Not):
            if kind != BOOL:
                raise ODataQueryError("The operand of 'not' must be a boolean expression.")
            return (lambda row, env: not operand(row, env)), BOOL
        if kind not in NUMERIC:
            raise ODataQueryError("Unary minus needs a numeric operand.")
        return (lambda row, env: None if operand(row, env) is None else -Decimal(operand(row, env))), kind

    def _Compare(self, node: ast.Compare) -> tuple[Fn, Type]:
        op = type(node.comparator)
        left, lk = self.compile(node.left)
        right, rk = self.compile(node.right)
        if op is ast.In:
            if not (isinstance(rk, tuple) and rk[0] == "list"):
                raise ODataQueryError("The right operand of 'in' must be a parenthesized list.")
            items: list[ast._Node] = node.right.val  # type: ignore[attr-defined]
            convs = [self._check_pair(lk, item, kind, op) for item, kind in zip(items, rk[1], strict=True)]
            return (
                lambda row, env: (
                    _norm(left(row, env), lk) in [c(v) for c, v in zip(convs, right(row, env), strict=True)]
                )
            ), BOOL
        conv = self._check_pair(lk, node.right, rk, op)
        compare = _COMPARE[op]

        def run(row: Row, env: Env) -> bool:
            a, b = _norm(left(row, env), lk), conv(right(row, env))
            if a is None or b is None:  # OData: null eq null is true; ordering against null is false
                if compare is _eq:
                    return a is None and b is None
                if compare is _ne:
                    return (a is None) != (b is None)
                return False
            return compare(a, b)

        return run, BOOL

    def _check_pair(self, lk: Type, rnode: ast._Node, rk: Type, op: type) -> Callable[[Any], Any]:
        """Refuse incompatible operands; return the converter applied to the right value."""
        if rk == NULL or lk == NULL:
            if op not in (ast.Eq, ast.NotEq, ast.In):
                raise ODataQueryError("null can only be compared with eq or ne.")
            return lambda v: v
        if isinstance(lk, type) and issubclass(lk, StrEnum):
            if op not in (ast.Eq, ast.NotEq, ast.In):
                raise ODataQueryError(f"Only eq, ne and in are supported on the enumeration type '{lk.__name__}'.")
            if rk == STRING and isinstance(rnode, ast.String):
                member = _enum_value(lk, rnode.val)
                return lambda v: member
            if rk is lk:
                return lambda v: v
        elif lk in NUMERIC and rk in NUMERIC:
            return _norm_number
        elif lk in (DATETIME, DATE) and rk in (DATETIME, DATE):
            return lambda v: v
        elif lk == rk and lk in (STRING, BOOL):
            return lambda v: v
        raise ODataQueryError(
            f"A binary operator with incompatible types was detected. Found operand types '{_type_name(lk)}' "
            f"and '{_type_name(rk)}' for operator kind '{_COMPARATOR_NAMES.get(op, op.__name__)}'."
        )

    def _Call(self, node: ast.Call) -> tuple[Fn, Type]:
        name = node.func.name.lower()
        if name not in _FUNCTIONS:
            raise ODataQueryError(f"Unknown function '{node.func.name}'.")
        params, result, impl = _FUNCTIONS[name]
        if len(node.args) != len(params):
            raise ODataQueryError(f"Function '{name}' takes {len(params)} argument(s), {len(node.args)} given.")
        compiled = [self.compile(a) for a in node.args]
        for (_, kind), wanted in zip(compiled, params, strict=True):
            if kind != wanted and not (wanted == DATETIME and kind == DATE):
                raise ODataQueryError(
                    f"Function '{name}' expects {_type_name(wanted)} arguments, got {_type_name(kind)}."
                )
        fns = [f for f, _ in compiled]

        def call(row: Row, env: Env) -> Any:
            args = [f(row, env) for f in fns]
            return None if any(a is None for a in args) else impl(*args)

        return call, result

    def _CollectionLambda(self, node: ast.CollectionLambda) -> tuple[Fn, Type]:
        owner, kind = self.compile(node.owner)
        if not (isinstance(kind, str) and kind.startswith("collection:")):
            raise ODataQueryError("any() and all() apply to collection navigation properties such as Items.")
        child = TYPES[kind.split(":", 1)[1]]
        is_any = isinstance(node.operator, ast.Any)
        if node.lambda_ is None:
            if not is_any:
                raise ODataQueryError("all() needs a lambda expression.")
            return (lambda row, env: bool(owner(row, env))), BOOL
        var = node.lambda_.identifier.name
        if var in self.scopes or self.root.resolve(var):
            raise ODataQueryError(f"The lambda variable '{var}' hides another name.")
        self.scopes[var] = child
        try:
            body, body_kind = self.compile(node.lambda_.expression)
        finally:
            del self.scopes[var]
        if body_kind != BOOL:
            raise ODataQueryError("The body of any()/all() must be a boolean expression.")
        test = any if is_any else all
        return (lambda row, env: test(body(row, {**env, var: item}) for item in (owner(row, env) or []))), BOOL


def _describe(node: ast._Node) -> str:
    if isinstance(node, ast.BinOp):
        return "Arithmetic (add, sub, mul, div, mod)"
    return type(node).__name__


def _type_name(kind: Type) -> str:
    if isinstance(kind, type):
        return f"ChannelAdvisor.RestApi.Models.{kind.__name__}"
    return str(kind[0] if isinstance(kind, tuple) else kind)


def _enum_value(enum: type[StrEnum], text: str) -> StrEnum:
    for member in enum:
        if member.value.lower() == text.lower():
            return member
    raise ODataQueryError(
        f"The string '{text}' is not a valid enumeration type constant "
        f"(ChannelAdvisor.RestApi.Models.{enum.__name__}: {', '.join(m.value for m in enum)})."
    )


def _norm_number(value: Any) -> Any:
    return None if value is None else Decimal(str(value))


def _norm(value: Any, kind: Type) -> Any:
    return _norm_number(value) if kind in NUMERIC else value


def _eq(a: Any, b: Any) -> bool:
    return bool(a == b)


def _ne(a: Any, b: Any) -> bool:
    return bool(a != b)


_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: _eq,
    ast.NotEq: _ne,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
}

_FUNCTIONS: dict[str, tuple[tuple[Type, ...], Type, Callable[..., Any]]] = {
    "contains": ((STRING, STRING), BOOL, lambda s, t: t in s),
    "startswith": ((STRING, STRING), BOOL, lambda s, t: s.startswith(t)),
    "endswith": ((STRING, STRING), BOOL, lambda s, t: s.endswith(t)),
    "tolower": ((STRING,), STRING, str.lower),
    "toupper": ((STRING,), STRING, str.upper),
    "trim": ((STRING,), STRING, str.strip),
    "length": ((STRING,), INT, lambda s: Decimal(len(s))),
    "year": ((DATETIME,), INT, lambda d: Decimal(d.year)),
    "month": ((DATETIME,), INT, lambda d: Decimal(d.month)),
    "day": ((DATETIME,), INT, lambda d: Decimal(d.day)),
    "hour": ((DATETIME,), INT, lambda d: Decimal(d.hour)),
    "minute": ((DATETIME,), INT, lambda d: Decimal(d.minute)),
    "second": ((DATETIME,), INT, lambda d: Decimal(d.second)),
}
