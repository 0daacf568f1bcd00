"""``tts-sim serve --validate``: every request checked against its API's contract in the input layer.

A request that breaks the contract (a parameter or body field its operation's schema refuses) is refused in
the vendor's validation envelope, with a ``x-tts-sim-violation`` header naming the JSON Schema rule and the
location (``minimum; location=query.page_size; operation=getOrderList``). Conforming requests pass untouched:
the check reads the decoded request and changes nothing. Formats are annotations here (as in most servers);
credentials and security schemes stay the mocks' own checks, so their answers are unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from flask import Flask
from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from simulator.contracts.apis import APIS
from simulator.inbound import Inbound, InputError, Refusal, add_check

HEADER = "x-tts-sim-violation"
SYSTEM_APIS = {api.system: api.name for api in APIS.values()}
METHODS = ("get", "put", "post", "delete", "patch")
MULTI_SEGMENT = "x-tts-sim-multi-segment"  # a path parameter that may contain "/" (a WebDAV file path)


@dataclass(frozen=True)
class Violation:
    """One broken rule: the JSON Schema keyword, where (``query.page_size``, ``body/Value/TrackingNumber``)."""

    rule: str
    location: str
    message: str
    operation: str

    @property
    def header(self) -> str:
        """The ``x-tts-sim-violation`` value."""
        return f"{self.rule}; location={self.location}; operation={self.operation}"


@dataclass
class Parameter:
    """A declared parameter with its compiled schema."""

    name: str
    where: str
    required: bool
    validator: Draft202012Validator
    kind: Any


@dataclass
class Operation:
    """One contract operation: how its path matches, its parameters and its JSON / form body."""

    id: str
    method: str
    pattern: re.Pattern[str]
    parameters: list[Parameter]
    body: dict[str, Draft202012Validator] = field(default_factory=dict)  # media type -> validator
    body_required: bool = False

    def violations(self, req: Inbound, path_values: dict[str, str]) -> Iterator[Violation]:
        """Every broken rule of ``req``, parameters first (none for a conforming request)."""
        for param in self.parameters:
            raw = _raw(param, req, path_values)
            if raw is None:
                if param.required:
                    yield Violation("required", f"{param.where}.{param.name}", f"'{param.name}' is required.", self.id)
                continue
            value = _typed(raw, param.kind)
            for error in param.validator.iter_errors(value):
                yield _violation(error, f"{param.where}.{param.name}", self.id)
                break
        yield from self._body(req)

    def _body(self, req: Inbound) -> Iterator[Violation]:
        if not self.body:
            return
        if not req.body.strip():
            if self.body_required:
                yield Violation("required", "body", "The request body is required.", self.id)
            return
        if "application/x-www-form-urlencoded" in self.body and req.mimetype == "application/x-www-form-urlencoded":
            document: Any = req.form
            validator = self.body["application/x-www-form-urlencoded"]
        elif "application/json" in self.body and (req.is_json or not req.mimetype):
            try:
                document = req.json()
            except InputError:
                return  # not JSON: the vendor's own refusal for that stays as it is
            validator = self.body["application/json"]
        else:
            return
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
            yield _violation(error, "/".join(["body", *map(str, error.absolute_path)]), self.id)
            return


def _raw(param: Parameter, req: Inbound, path_values: dict[str, str]) -> str | None:
    if param.where == "path":
        return path_values.get(param.name)
    if param.where == "header":
        return req.headers.get(param.name)
    return req.query.get(param.name)


def _typed(raw: str, kind: Any) -> Any:
    """A query/path/header string read as its schema's type (unreadable text stays text, so ``type`` fails)."""
    kinds = kind if isinstance(kind, list) else [kind]
    if "integer" in kinds and re.fullmatch(r"-?[0-9]{1,19}", raw):
        return int(raw)
    if "number" in kinds:
        try:
            return float(raw)
        except ValueError:
            return raw
    if "boolean" in kinds and raw in ("true", "false"):
        return raw == "true"
    return raw


def _violation(error: ValidationError, location: str, operation: str) -> Violation:
    return Violation(str(error.validator), location, error.message[:300], operation)


class ContractValidator:
    """The three contracts compiled for request validation."""

    def __init__(self) -> None:
        self.operations: dict[str, list[Operation]] = {name: list(_compile(name)) for name in APIS}

    def match(self, api: str, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation serving ``method path`` and its path values (None: not in the contract)."""
        for operation in self.operations[api]:
            if operation.method == method:
                found = operation.pattern.fullmatch(path)
                if found:
                    return operation, {k: unquote(v) for k, v in found.groupdict().items()}
        return None

    def check(self, req: Inbound) -> None:
        """The input-layer check: refuse the first broken rule in the vendor's envelope."""
        api = SYSTEM_APIS.get(req.system)
        if api is None:
            return
        matched = self.match(api, req.method, req.path)
        if matched is None:
            return
        operation, values = matched
        violation = next(operation.violations(req, values), None)
        if violation is not None:
            req.answer_header(HEADER, violation.header)
            refusal = Refusal.INVALID_FIELD if violation.location.startswith("body") else Refusal.INVALID_PARAMETER
            raise InputError(refusal, f"Contract violation ({operation.id}): {violation.location}: "
                                      f"{violation.message}")


def enable(app: Flask, validator: ContractValidator | None = None) -> ContractValidator:
    """Validate every request of ``app`` against the contracts (``serve --validate``)."""
    validator = validator or ContractValidator()
    add_check(app, validator.check)
    return validator


# -- compiling a contract ---------------------------------------------------------------------------------
def _compile(api: str) -> Iterator[Operation]:
    document = APIS[api].document()
    base = f"urn:tts-sim:contract:{api}"
    registry: Registry[Any] = Registry().with_resource(base, Resource.from_contents(
        document, default_specification=DRAFT202012))

    def validator(pointer: str) -> Draft202012Validator:
        return Draft202012Validator({"$ref": f"{base}#{pointer}"}, registry=registry)

    compiled = []
    for path, item in document["paths"].items():
        shared = item.get("parameters", [])
        for method, spec in item.items():
            if method not in METHODS:
                continue
            params = []
            pointer_base = f"/paths/{_escape(path)}"
            entries = [(p, f"{pointer_base}/parameters/{i}") for i, p in enumerate(shared)]
            entries += [(p, f"{pointer_base}/{method}/parameters/{i}") for i, p in enumerate(spec.get("parameters", []))]
            multi = set()
            for param, pointer in entries:
                param, pointer = _deref(document, param, pointer)
                if param.get(MULTI_SEGMENT):
                    multi.add(param["name"])
                schema, _ = _deref(document, param.get("schema", {}), pointer + "/schema")
                params.append(Parameter(param["name"], param["in"], bool(param.get("required")),
                                        validator(pointer + "/schema"), schema.get("type")))
            operation = Operation(spec.get("operationId", f"{method} {path}"), method.upper(), _path_regex(path, multi),
                                  params)
            body = spec.get("requestBody")
            if body:
                body, body_pointer = _deref(document, body, f"{pointer_base}/{method}/requestBody")
                operation.body_required = bool(body.get("required"))
                for media in body.get("content", {}):
                    if media in ("application/json", "application/x-www-form-urlencoded") \
                            and "schema" in body["content"][media]:
                        operation.body[media] = validator(f"{body_pointer}/content/{_escape(media)}/schema")
            compiled.append(operation)
    # Static paths before templated ones (/packages/search before /packages/{package_id}).
    return iter(sorted(compiled, key=lambda op: op.pattern.pattern.count("(?P<")))


def _deref(document: dict[str, Any], node: dict[str, Any], pointer: str) -> tuple[dict[str, Any], str]:
    while "$ref" in node:
        pointer = node["$ref"][1:]
        node = document
        for part in pointer.strip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node, pointer


def _escape(text: str) -> str:
    return text.replace("~", "~0").replace("/", "~1")


def _path_regex(path: str, multi: set[str]) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", path)
    out = []
    for part in parts:
        if part.startswith("{") and part.endswith("}"):
            name = part[1:-1]
            out.append(f"(?P<{name}>.+)" if name in multi else f"(?P<{name}>[^/]+)")
        else:
            out.append(re.escape(part))
    return re.compile("".join(out))
