"""The package's layers hold: who may import whom (as each subpackage's docstring says), no import
circle, and every check type a complete unit. Imports are read from the source (module level and
inside functions alike), so a lazy import breaks a layer as surely as an eager one."""
from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest
import yaml

from consolidator import checks
from consolidator.profile import available_profiles, load_profile, rules_dir

PACKAGE = Path(__file__).resolve().parent.parent / "consolidator"

# The layer of a module is its subpackage (or the top-level module's name); each may import itself and these.
ALLOWED = {
    "ooxml": set(),
    "speed": set(),
    "profile": set(),
    "model": {"profile"},
    "checks": {"profile", "model", "speed"},
    "inbox": {"profile", "model", "speed"},
    "journal": {"profile", "model", "speed"},
    "stats": {"profile", "model", "speed"},
    "outputs": {"profile", "model", "inbox", "journal", "ooxml", "speed", "stats"},
    "run": {"profile", "model", "checks", "inbox", "journal", "outputs", "ooxml", "speed"},
    "survey": {"profile", "model", "checks", "inbox", "stats", "outputs", "ooxml", "speed", "run"},
    "cli": {"profile", "model", "checks", "inbox", "journal", "outputs", "ooxml", "speed", "run", "survey", "stats",
            "__init__"},
    "__main__": {"cli"},
    "__init__": set(),
}
# What "knows no file format" means for a layer: the libraries and our layers it may not import.
NO_FILE_FORMATS = {"python_calamine", "openpyxl", "docx", "lxml", "zipfile", "defusedxml", "xml", "pandera"}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """Every module this one imports, anywhere in it (`from X import y` counts y when y is a module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{a.name}" for a in node.names} & set(MODULES)
            if len(submodules) < len(node.names):  # some name is the module's own, not a submodule
                found.add(node.module)
            found.update(submodules)
    return found


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


GRAPH = {m: {i for i in _imports(p) if i in MODULES and i != m} for m, p in MODULES.items()}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_module_imports_only_the_layers_below_it(module):
    layer = _layer(module)
    assert layer in ALLOWED, f"{module}: a new layer; write its imports down in ALLOWED and its docstring"
    wrong = sorted(i for i in GRAPH[module] if _layer(i) != layer and _layer(i) not in ALLOWED[layer])
    assert not wrong, f"{module} ({layer}) imports {wrong}"


def test_the_file_format_layer_knows_nothing_of_ours_and_the_domain_no_file_format():
    for module, path in MODULES.items():
        imported = {i.split(".")[0] for i in _imports(path)}
        if _layer(module) == "ooxml":
            assert not {i for i in _imports(path) if i.startswith("consolidator") and _layer(i) != "ooxml"}, module
        if _layer(module) in ("profile", "model"):
            assert not imported & NO_FILE_FORMATS, f"{module} imports {sorted(imported & NO_FILE_FORMATS)}"


def test_nothing_imports_the_command_line():
    for module in MODULES:
        if _layer(module) not in ("cli", "__main__"):
            assert not [i for i in GRAPH[module] if _layer(i) == "cli"], module


def test_there_is_no_import_circle():
    index, low, stack, on_stack, circles = {}, {}, [], set(), []

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert not circles, circles


def test_every_layer_says_what_it_holds_and_what_it_may_import():
    for module, path in MODULES.items():
        if path.name == "__init__.py" and module.count(".") == 1:
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
            assert "Imports:" in doc, f"{module}: the docstring says which layers it may import"


# --- check types -----------------------------------------------------------------------------------------

SECTIONS = ("Parameters:", "Message fields:", "Example:")


@pytest.mark.parametrize("name", sorted(checks.names()))
def test_a_check_type_is_one_documented_unit(name):
    module = importlib.import_module(f"consolidator.checks.{checks.names()[name]}.{name}")
    doc = module.__doc__ or ""
    assert doc.startswith(f"{name}: "), f"{name}: the docstring starts with what the check type checks"
    for section in SECTIONS:
        assert section in doc, f"{name}: the docstring lacks «{section}»"
    example = yaml.safe_load(doc.split("Example:", 1)[1].replace("...", "").replace(", }", "}"))
    assert example[0]["check"] == name
    params = set(example[0]) - {"code", "check", "severity", "clause", "message", "summary"}
    check = checks.get(name)
    assert set(check.required) <= params <= set(check.required) | set(check.optional), name


def test_every_check_type_is_used_by_a_rule_with_examples():
    # Each rule has a failing and a passing example (tests/test_rules.py): a check type used by none
    # would have no example of its own.
    used = {}
    for profile_name in available_profiles(None):  # list and survey profiles
        examples = yaml.safe_load((rules_dir() / "examples" / f"{profile_name}.yaml").read_text(encoding="utf-8"))
        for rule in load_profile(profile_name).rules:
            if rule.code in examples["examples"]:
                used.setdefault(rule.check, rule.code)
    assert set(checks.names()) == set(used), set(checks.names()) ^ set(used)


@pytest.mark.parametrize("change,message", [
    (("    within: [group, service]\n", ""), "нужны параметры: within"),
    (("    within: [group, service]\n", "    within: [group, service]\n    witin: [group]\n"), "неизвестные параметры .*witin"),
    (("check: unique_within", "check: uniq"), "неизвестная проверка «uniq»"),
])
def test_a_rule_with_wrong_parameters_is_refused_with_the_key(tmp_path, change, message):
    text = (rules_dir() / "udmurt.yaml").read_text(encoding="utf-8")
    assert change[0] in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(Exception, match=message) as raised:
        checks.checked_profile(bad)
    assert "UD-DUP" in str(raised.value) and str(bad) in str(raised.value)
    checks.checked_profile("udmurt")  # the profile as it is passes


def test_the_cli_names_the_default_profile_as_the_library_does():
    from consolidator.cli.common import DEFAULT_PROFILE
    from consolidator.profile.load import DEFAULT_PROFILE as LIBRARY_DEFAULT

    assert DEFAULT_PROFILE == LIBRARY_DEFAULT


def test_check_type_modules_are_named_by_their_check():
    for name, kind in checks.names().items():
        assert re.fullmatch(r"[a-z_]+", name)
        assert (PACKAGE / "checks" / kind / f"{name}.py").exists()
