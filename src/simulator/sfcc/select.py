"""OCAPI property selection (``select=(name,lines.(**))``): parse a selector and apply it to a document."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simulator.sfcc import errors as E

# Tokens of the selector grammar (OCAPI "Property selection"): names, '**', '*', punctuation, filter parts.
TOKEN = re.compile(r"""\s*(?:(?P<deep>\*\*)|(?P<star>\*)|(?P<name>[A-Za-z0-9_$]+)|(?P<string>'[^']*')
                       |(?P<op>==|!=|<=|>=|&&|\|\||[<>])|(?P<punct>[()\[\],.:+\-?@]))""", re.VERBOSE)
COMPARE: dict[str, Callable[[Any, Any], bool]] = {"==": operator.eq, "!=": operator.ne, "<=": operator.le,
                                                  ">=": operator.ge, "<": operator.lt, ">": operator.gt}
META = ("_v", "_type")  # kept on every object a selection reaches (UNCERTAIN: the docs' examples keep ``_v``)
MAX_LENGTH = 2048
MAX_DEPTH = 16  # nested selections; deeper is refused (no order document nests that far)
Filter = Callable[[Any], bool]


@dataclass
class Item:
    """One selected property: its array index spec and the selection applied to its value."""

    name: str
    pick: Callable[[list[Any]], list[Any]] | None = None
    sub: Selection | None = None


@dataclass
class Selection:
    """A parenthesised selector: ``**`` (everything), ``*`` (top-level simple properties), includes, excludes."""

    deep: bool = False
    top: bool = False
    items: list[Item] = field(default_factory=list)
    excludes: list[str] = field(default_factory=list)

    def apply(self, value: Any) -> Any:
        """``value`` reduced to the selection (arrays: each element)."""
        if isinstance(value, list):
            return [self.apply(v) for v in value]
        if not isinstance(value, dict):
            return value
        if self.deep:
            out = dict(value)
        elif self.top:
            out = {k: v for k, v in value.items() if not isinstance(v, dict | list)}
        else:
            out = {k: value[k] for k in META if k in value}
        for item in self.items:
            if item.name not in value:
                continue  # a property the document does not have is simply absent
            picked = value[item.name]
            if item.pick is not None and isinstance(picked, list):
                picked = item.pick(picked)
            out[item.name] = item.sub.apply(picked) if item.sub is not None else picked
        for name in self.excludes:
            out.pop(name, None)
        return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            match = TOKEN.match(text, pos)
            if match is None or match.end() == pos:
                raise self.error()
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            pos = match.end()
        self.at = 0

    def error(self) -> E.MalformedSelectorException:
        return E.MalformedSelectorException(f"The selector '{self.text[:200]}' is malformed.",
                                            selector=self.text[:MAX_LENGTH])

    def peek(self) -> str:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else ""

    def kind(self) -> str:
        return self.tokens[self.at][0] if self.at < len(self.tokens) else ""

    def take(self, expected: str | None = None) -> str:
        if self.at >= len(self.tokens) or (expected is not None and self.peek() != expected):
            raise self.error()
        self.at += 1
        return self.tokens[self.at - 1][1]

    def selection(self, depth: int = 0) -> Selection:
        if depth > MAX_DEPTH:
            raise self.error()
        self.take("(")
        sel = Selection()
        while True:
            self.item(sel, depth)
            if self.peek() == ")":
                break
            self.take(",")
        self.take(")")
        if sel.excludes and not (sel.deep or sel.top):
            raise self.error()  # an exclusion needs a previous '**' or '*' (OCAPI 23.2 property selection)
        return sel

    def item(self, sel: Selection, depth: int) -> None:
        if self.kind() == "deep":
            self.take()
            sel.deep = True
            return
        if self.kind() == "star":
            self.take()
            sel.top = True
            return
        sign = self.take() if self.peek() in ("+", "-") else "+"
        if self.kind() != "name":
            raise self.error()
        name = self.take()
        if sign == "-":
            sel.excludes.append(name)
            return
        item = Item(name)
        if self.peek() == "[":
            item.pick = self.index()
        if self.peek() == ".":
            self.take(".")
            item.sub = self.selection(depth + 1)
        sel.items.append(item)

    def index(self) -> Callable[[list[Any]], list[Any]]:
        self.take("[")
        if self.peek() == "?":
            self.take("?")
            self.take("(")
            test = self.disjunction()
            self.take(")")
            self.take("]")
            return lambda values: [v for v in values if test(v)]
        first = self.number()
        if self.peek() == ":":
            self.take(":")
            last = self.number()
            self.take("]")
            return lambda values: values[first:last + 1]  # [0:4] is the first five
        chosen = [first]
        while self.peek() == ",":
            self.take(",")
            chosen.append(self.number())
        self.take("]")
        return lambda values: [values[i] for i in chosen if i < len(values)]

    def number(self) -> int:
        raw = self.take()
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
            raise self.error()
        return int(raw)

    def disjunction(self) -> Filter:
        parts = [self.conjunction()]
        while self.peek() == "||":
            self.take()
            parts.append(self.conjunction())
        return lambda v: any(p(v) for p in parts)

    def conjunction(self) -> Filter:
        parts = [self.comparison()]
        while self.peek() == "&&":
            self.take()
            parts.append(self.comparison())
        return lambda v: all(p(v) for p in parts)

    def comparison(self) -> Filter:
        self.take("@")
        path = []
        while self.peek() == ".":
            self.take(".")
            if self.kind() != "name":
                raise self.error()
            path.append(self.take())
        if not path or self.peek() not in COMPARE:
            raise self.error()
        compare, literal = COMPARE[self.take()], self.literal()

        def test(value: Any) -> bool:
            for name in path:
                if not isinstance(value, dict) or name not in value:
                    return False
                value = value[name]
            try:
                return bool(compare(value, literal))
            except TypeError:  # e.g. a string against a number: not a match
                return False
        return test

    def literal(self) -> Any:
        kind, raw = self.kind(), self.take()
        if kind == "string":
            return raw[1:-1]
        if raw in ("true", "false"):
            return raw == "true"
        if raw == "null":
            return None
        if raw == "-" and self.kind() == "name":
            return -self._numeric(self.take())
        if kind == "name":
            return self._numeric(raw)
        raise self.error()

    def _numeric(self, raw: str) -> float | int:
        if raw.isascii() and raw.isdigit():
            number: float | int = int(raw)
            if self.peek() == ".":
                self.take(".")
                fraction = self.take()
                if not (fraction.isascii() and fraction.isdigit()):
                    raise self.error()
                number = float(f"{raw}.{fraction}")
            return number
        raise self.error()


def parse(text: str) -> Selection:
    """The selection ``text`` describes; MalformedSelectorException (400, argument ``selector``) otherwise."""
    parser = _Parser(text)
    if len(text) > MAX_LENGTH:
        raise parser.error()
    selection = parser.selection()
    if parser.at != len(parser.tokens):
        raise parser.error()
    return selection


def selector(raw: Any) -> Selection | None:
    """``select`` from a query string or a search document: None when absent; a non-string is malformed."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise E.MalformedSelectorException("The selector must be a string.", selector=str(raw)[:MAX_LENGTH])
    return parse(raw)
