"""The indicator catalog's rules: a safe formula language and the validation of definitions.

Formulas are arithmetic over other indicators' codes: numbers, codes ([A-Z][A-Z0-9_]*), + - * /,
unary minus and parentheses, e.g. "GRDP_CUR * 1000 / POP_CITY". They are parsed by a small recursive
descent parser into a tree and evaluated by walking it — never by `eval`: names, attributes, calls,
strings and any other character are refused with `DomainError(field="formula")`. Division by zero or a
missing value gives None (no value), not an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from citydesk.core.errors import DomainError

CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
_TOKEN_RE = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|([A-Z][A-Z0-9_]*)|([-+*/()]))")
MAX_FORMULA = 500

# Values the platform computes itself each period (the entry helper registers the computations).
PLATFORM_KEYS: dict[str, str] = {
    "reports.received": "1022 reports received in the period",
    "reports.resolved": "1022 reports resolved in the period",
    "reports.on_time": "1022 reports resolved on time in the period",
    "reports.on_time_pct": "share of 1022 reports resolved on time (%)",
    "dossiers.received": "administrative dossiers received",
    "dossiers.online": "dossiers submitted online",
    "dossiers.online_pct": "share of dossiers submitted online (%)",
    "dossiers.resolved": "dossiers resolved",
    "dossiers.on_time": "dossiers resolved on time",
    "dossiers.on_time_pct": "share of dossiers resolved on time (%)",
    "ratings.count": "satisfaction ratings received",
    "ratings.satisfied": "ratings that are satisfied or very satisfied",
    "ratings.satisfied_pct": "share of satisfied ratings (%)",
}

# A parsed formula: ("num", float) | ("code", str) | ("neg", node) | (op, left, right)
Node = tuple[Any, ...]


def _error(message: str) -> DomainError:
    return DomainError(message, field="formula")


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos, end = 0, len(text.rstrip())
    while pos < end:
        m = _TOKEN_RE.match(text, pos)
        if not m:
            bad = text[pos:end].strip()[:20]
            raise _error(_("The formula cannot contain “%(text)s”.") % {"text": bad})
        number, code, op = m.groups()
        if number is not None:
            tokens.append(("num", number))
        elif code is not None:
            tokens.append(("code", code))
        else:
            tokens.append(("op", op))
        pos = m.end()
    return tokens


class _Parser:
    """expr := term (("+"|"-") term)* ; term := unary (("*"|"/") unary)* ;
    unary := "-" unary | "+" unary | atom ; atom := number | code | "(" expr ")"."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise _error(_("The formula ends too early."))
        self.i += 1
        return token

    def parse(self) -> Node:
        if not self.tokens:
            raise _error(_("The formula is empty."))
        node = self.expr(0)
        if self.peek() is not None:
            raise _error(_("Unexpected “%(text)s” in the formula.") % {"text": self.peek()[1]})  # type: ignore[index]
        return node

    def expr(self, depth: int) -> Node:
        if depth > 50:
            raise _error(_("The formula is nested too deeply."))
        node = self.term(depth)
        while (token := self.peek()) is not None and token in (("op", "+"), ("op", "-")):
            self.i += 1
            node = (token[1], node, self.term(depth))
        return node

    def term(self, depth: int) -> Node:
        node = self.unary(depth)
        while (token := self.peek()) is not None and token in (("op", "*"), ("op", "/")):
            self.i += 1
            node = (token[1], node, self.unary(depth))
        return node

    def unary(self, depth: int) -> Node:
        token = self.peek()
        if token == ("op", "-"):
            self.i += 1
            return ("neg", self.unary(depth + 1))
        if token == ("op", "+"):
            self.i += 1
            return self.unary(depth + 1)
        return self.atom(depth)

    def atom(self, depth: int) -> Node:
        kind, text = self.take()
        if kind == "num":
            return ("num", float(text))
        if kind == "code":
            return ("code", text)
        if text == "(":
            node = self.expr(depth + 1)
            if self.take() != ("op", ")"):
                raise _error(_("A parenthesis is not closed."))
            return node
        raise _error(_("Unexpected “%(text)s” in the formula.") % {"text": text})


@lru_cache(maxsize=1024)
def compile_formula(text: str) -> Node:
    """Parse a formula into its tree (cached). Raises DomainError(field="formula")."""
    if len(text or "") > MAX_FORMULA:
        raise _error(_("The formula is too long."))
    return _Parser(_tokenize(text or "")).parse()


def _codes(node: Node, out: set[str]) -> set[str]:
    if node[0] == "code":
        out.add(node[1])
    elif node[0] == "neg":
        _codes(node[1], out)
    elif node[0] != "num":
        _codes(node[1], out)
        _codes(node[2], out)
    return out


def parse_formula(text: str) -> set[str]:
    """The indicator codes a formula refers to (validating its syntax)."""
    return _codes(compile_formula(text), set())


def _eval(node: Node, values: Mapping[str, float | None]) -> float | None:
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "code":
        value = values.get(node[1])
        return None if value is None or value != value else float(value)  # NaN counts as missing
    if kind == "neg":
        inner = _eval(node[1], values)
        return None if inner is None else -inner
    left, right = _eval(node[1], values), _eval(node[2], values)
    if left is None or right is None:
        return None
    if kind == "+":
        return left + right
    if kind == "-":
        return left - right
    if kind == "*":
        return left * right
    return None if right == 0 else left / right


def evaluate(formula: str, values: Mapping[str, float | None]) -> float | None:
    """The formula's value; None when a value is missing or a divisor is zero."""
    return _eval(compile_formula(formula), values)


def evaluate_arrays(formula: str, arrays: Mapping[str, np.ndarray]) -> np.ndarray:
    """Vectorised `evaluate` over same-shaped float arrays: NaN where a value is missing or a divisor
    is zero. A code missing from `arrays` is all NaN."""
    shape = np.broadcast_shapes(*(np.shape(a) for a in arrays.values())) if arrays else ()

    def walk(node: Node) -> np.ndarray:
        kind = node[0]
        if kind == "num":
            return np.full(shape, node[1], dtype=float)
        if kind == "code":
            if node[1] not in arrays:
                return np.full(shape, np.nan)
            return np.asarray(arrays[node[1]], dtype=float)
        if kind == "neg":
            return -walk(node[1])
        left, right = walk(node[1]), walk(node[2])
        if kind == "+":
            return left + right
        if kind == "-":
            return left - right
        if kind == "*":
            return left * right
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(right == 0, np.nan, left / np.where(right == 0, 1.0, right))
        return out

    return np.asarray(walk(compile_formula(formula)), dtype=float)


def _attr(item: Any, name: str, default: Any = None) -> Any:
    if isinstance(item, Mapping):
        return item.get(name, default)
    return getattr(item, name, default)


def check_catalog(indicators: Iterable[Any]) -> None:
    """Refuse formulas that refer to an unknown indicator or form a cycle ("A → B → A").

    `indicators` are Indicator objects or mappings with `code`, `source` and `formula`."""
    items = list(indicators)
    known = {_attr(i, "code") for i in items}
    graph: dict[str, list[str]] = {}
    for item in items:
        formula = _attr(item, "formula") or ""
        if _attr(item, "source") != "formula" and not formula:
            continue
        code = _attr(item, "code")
        refs = parse_formula(formula)
        unknown = sorted(refs - known)
        if unknown:
            raise _error(
                _("The formula of %(code)s refers to unknown indicators: %(codes)s.")
                % {"code": code, "codes": ", ".join(unknown)}
            )
        graph[code] = sorted(refs)
    cycle = _find_cycle(graph)
    if cycle:
        raise _error(_("The formulas form a cycle: %(cycle)s.") % {"cycle": " → ".join(cycle)})


def _find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(graph, white)
    for root in sorted(graph):
        if colour[root] != white:
            continue
        path = [root]
        stack = [iter(graph[root])]
        colour[root] = grey
        while stack:
            child = next(stack[-1], None)
            if child is None:
                colour[path.pop()] = black
                stack.pop()
                continue
            state = colour.get(child, black)  # codes without a formula are leaves
            if state == grey:
                return [*path[path.index(child) :], child]
            if state == white:
                colour[child] = grey
                path.append(child)
                stack.append(iter(graph[child]))
    return None


def formula_order(indicators: Iterable[Any]) -> list[str]:
    """Codes of the formula indicators in an order where each comes after the formulas it uses."""
    items = list(indicators)
    check_catalog(items)
    graph = {
        _attr(i, "code"): parse_formula(_attr(i, "formula"))
        for i in items
        if _attr(i, "source") == "formula" and _attr(i, "formula")
    }
    done: list[str] = []

    def visit(code: str) -> None:
        if code in done or code not in graph:
            return
        for ref in sorted(graph[code]):
            visit(ref)
        done.append(code)

    for code in sorted(graph):
        visit(code)
    return done


PERCENT_UNITS = frozenset({"%", "phần trăm", "percent"})


def valid_range(indicator: Any) -> tuple[float | None, float | None]:
    """The lowest and highest valid value of `indicator` (None: no bound), from its catalog attributes:
    its own min/max when set; otherwise a value in percent (unit of measure "%") is between 0 and 100,
    and a count (whole numbers only) is never negative. A bound the catalog sets replaces the default,
    so a growth rate (min -100) or an index in % (max 1000) says so in the catalog."""
    low, high = _attr(indicator, "min_value"), _attr(indicator, "max_value")
    percent = (_attr(indicator, "unit_of_measure") or "").strip().lower() in PERCENT_UNITS
    if low is None and (percent or _attr(indicator, "integer_only", False)):
        low = 0.0
    if high is None and percent and (low is None or low < 100):
        high = 100.0
    return low, high


def check_range(indicator: Any, number: float, *, field: str = "value") -> float:
    """`number` if it lies in the indicator's valid range, else DomainError naming the allowed range."""
    from citydesk.indicators import display

    low, high = valid_range(indicator)
    if (low is None or number >= low) and (high is None or number <= high):
        return number
    uom = _attr(indicator, "display_uom") or _attr(indicator, "unit_of_measure") or ""
    names = {
        "code": _attr(indicator, "code") or "",
        "value": display.exact(number, vietnamese=None),
        "min": display.exact(low, vietnamese=None) if low is not None else "",
        "max": display.exact(high, vietnamese=None) if high is not None else "",
        "uom": uom,
    }
    if low is not None and high is not None:
        message = _("%(code)s: %(value)s is out of range; a value is between %(min)s and %(max)s %(uom)s.")
    elif low is not None:
        message = _("%(code)s: %(value)s is out of range; a value is at least %(min)s %(uom)s.")
    else:
        message = _("%(code)s: %(value)s is out of range; a value is at most %(max)s %(uom)s.")
    raise DomainError(message % names, field=field)


def check_indicator(indicator: Any, *, known_codes: Iterable[str] | None = None) -> None:
    """Refuse an incomplete or contradictory definition (DomainError naming the field)."""
    code = _attr(indicator, "code") or ""
    if not CODE_RE.match(code):
        raise DomainError(
            _("An indicator code is capital letters, digits and “_”, starting with a letter."), field="code"
        )
    if _attr(indicator, "periodicity", "M") not in ("M", "Q", "Y"):
        raise DomainError(_("Unknown periodicity."), field="periodicity")
    rules = {_attr(indicator, "over_units", "sum"), _attr(indicator, "over_time", "sum")}
    valid_rules = {"sum", "avg", "weighted", "ratio", "last"}
    if not rules <= valid_rules:
        raise DomainError(_("Unknown aggregation rule."), field="over_units")
    if "ratio" in rules:
        for field in ("numerator", "denominator"):
            if _ref(indicator, field) is None:
                raise DomainError(_("A ratio needs a numerator and a denominator indicator."), field=field)
        if _ref(indicator, "numerator") == _ref(indicator, "denominator"):
            raise DomainError(_("The numerator and the denominator must differ."), field="denominator")
    if "weighted" in rules and _ref(indicator, "weight") is None:
        raise DomainError(_("A weighted average needs a weight indicator."), field="weight")
    for field in ("numerator", "denominator", "weight"):
        if _ref(indicator, field) == code:
            raise DomainError(_("An indicator cannot refer to itself."), field=field)
    low, high = _attr(indicator, "min_value"), _attr(indicator, "max_value")
    if low is not None and high is not None and low > high:
        raise DomainError(_("The lowest valid value is above the highest."), field="min_value")
    source = _attr(indicator, "source", "entry")
    if source == "formula":
        formula = (_attr(indicator, "formula") or "").strip()
        if not formula:
            raise _error(_("A computed indicator needs a formula."))
        refs = parse_formula(formula)
        if code in refs:
            raise _error(_("The formula of %(code)s refers to itself.") % {"code": code})
        if known_codes is not None:
            unknown = sorted(refs - set(known_codes))
            if unknown:
                raise _error(
                    _("The formula of %(code)s refers to unknown indicators: %(codes)s.")
                    % {"code": code, "codes": ", ".join(unknown)}
                )
    elif source == "platform":
        if _attr(indicator, "platform_key") not in PLATFORM_KEYS:
            raise DomainError(
                _("Unknown platform computation; choose one of: %(keys)s.")
                % {"keys": ", ".join(PLATFORM_KEYS)},
                field="platform_key",
            )
    elif source != "entry":
        raise DomainError(_("Unknown source."), field="source")


def _ref(indicator: Any, field: str) -> str | None:
    """The code of a referenced indicator (object with .code, a code string, or None)."""
    value = _attr(indicator, field)
    if value is None and not isinstance(indicator, Mapping):
        # an unsaved model may hold only the id; a saved one resolves the relation
        value = getattr(indicator, f"{field}_id", None)
    if value is None or value == "":
        return None
    return str(getattr(value, "code", value))
