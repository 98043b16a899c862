"""One role vocabulary: the grep that finds no other (docs/architecture.md, "Roles")."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from doorstep.network import roles
from doorstep.network.models import Staff
from doorstep.network.roles import Party, Role

PACKAGE = Path(roles.__file__).resolve().parents[1]  # doorstep/
VOCABULARY = PACKAGE / "network" / "roles.py"
ROLE_VALUES = frozenset(Role.values) | frozenset(Party.values)
TEMPLATE_ROLE = re.compile(r"""\brole\s*(?:==|!=|in)\s*["']([^"']*)["']""")  # {% if role == "x" %}
ROLE_CALLS = frozenset({"page_actor", "frozenset", "Actor"})  # arguments of these are roles


def _names_role(node: ast.AST) -> bool:
    return "role" in ast.unparse(node).lower()


def _role_strings(node: ast.AST) -> list[ast.Constant]:
    return [
        n
        for n in ast.walk(node)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in ROLE_VALUES
    ]


def _all_roles(elts: list[ast.expr]) -> bool:
    return len(elts) > 1 and all(isinstance(e, ast.Constant) and e.value in ROLE_VALUES for e in elts)


def _callee(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def role_literals(source: str) -> list[tuple[int, str]]:
    """(line, value) of every role written as a string where it is used as a role.

    Used as a role: compared with something named ``role`` (``actor.role == "x"``, ``role in ("x", "y")``);
    an argument of ``page_actor(``, ``frozenset(``, ``Actor(``; the value of a ``role…=`` keyword, of a
    ``"role"`` key, or of an assignment to a ``…ROLE…`` name; or a tuple/list/set made of role values only.
    """
    found: list[ast.Constant] = []
    for node in ast.walk(ast.parse(source)):
        operands: list[ast.AST] = []
        if isinstance(node, ast.Compare):
            parts: list[ast.AST] = [node.left, *node.comparators]
            if any(_names_role(p) for p in parts):
                operands = parts
        elif isinstance(node, ast.Call):
            if _callee(node) in ROLE_CALLS:
                operands += node.args
            operands += [k.value for k in node.keywords if k.arg and "role" in k.arg.lower()]
        elif isinstance(node, ast.Dict):
            operands = [
                v
                for k, v in zip(node.keys, node.values, strict=True)
                if isinstance(k, ast.Constant) and isinstance(k.value, str) and "role" in k.value.lower()
            ]
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(_names_role(t) for t in targets):
                operands = [node.value]
        elif isinstance(node, ast.Tuple | ast.List | ast.Set) and _all_roles(node.elts):
            operands = [node]
        found += [c for o in operands for c in _role_strings(o)]
    return sorted({(c.lineno, str(c.value)) for c in found})


def production_modules() -> list[Path]:
    return sorted(
        p
        for p in PACKAGE.rglob("*.py")
        if p != VOCABULARY and not {"tests", "migrations"} & set(p.relative_to(PACKAGE).parts)
    )


def test_no_role_is_written_as_a_string_outside_the_vocabulary() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {value!r}"
        for path in production_modules()
        for line, value in role_literals(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "use doorstep.network.roles (Role, Party, a named set):\n" + "\n".join(offenders)


def test_no_template_compares_a_role_with_a_string() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}: {m.group(0)}"
        for path in sorted(PACKAGE.rglob("*.html"))
        for m in TEMPLATE_ROLE.finditer(path.read_text(encoding="utf-8"))
        if ROLE_VALUES & set(m.group(1).split())
    ]
    assert offenders == [], "use the roles the nav context gives: role in roles.DESK\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    "source",
    [
        'ok = actor.role == "technician"',
        'ok = role in ("agent", "supervisor")',
        'ok = actor.role not in SOME_SET or staff.role != "quality"',
        'a = page_actor(request, ("quality", "admin"))',
        'S = frozenset({"dispatcher", "admin"})',
        'S = ("outlet_manager", "admin")',
        'a = Actor(role="partner", name="x")',
        'qs = Staff.objects.filter(role__in=["agent"])',
        'OWNER_ROLES = {1: ("agent",)}',
        'd = {"role": "system"}',
    ],
)
def test_the_scan_finds_each_way_of_writing_a_role(source: str) -> None:
    assert role_literals(source)


@pytest.mark.parametrize(
    "source",
    [
        'ok = kind == "customer"',  # a kind of archive, not a role
        'ok = holder == "technician"',  # a stock holder
        'd = {"technician": 1, "outlet": 2}',
        'x = ["phone", "wechat", "partner"]',  # channels
        "ok = actor.role == Role.TECHNICIAN and actor.role in QUALITY_TEAM",
    ],
)
def test_the_scan_leaves_other_strings_alone(source: str) -> None:
    assert role_literals(source) == []


def test_staff_roles_and_parties_are_one_vocabulary_without_overlap() -> None:
    assert set(Role.values).isdisjoint(Party.values)
    assert Staff._meta.get_field("role").choices == Role.choices  # a party can never be a staff role
    assert len(ROLE_VALUES) == 10


def test_the_named_sets_hold_roles_of_the_vocabulary_only() -> None:
    named = {
        name: value
        for name, value in vars(roles).items()
        if name.isupper() and isinstance(value, frozenset | tuple)
    }
    assert named, "the vocabulary names its role sets"
    for name, members in named.items():
        assert members and all(isinstance(m, Role | Party) for m in members), name
    assert {Role.QUALITY} == roles.CENTRE_STAFF - roles.DESK_AND_DISPATCH
    assert roles.CENTRE_STAFF.isdisjoint(roles.OUTLET_BOUND)  # centre roles have no outlet
