"""The apps depend on each other in one direction (CONVENTIONS.md), and the project core on none of them.

Read from the source with ``ast``, so an import inside a function counts as much as one at the top.
Migrations and tests are left out: migrations name other apps' models by design, and tests build
their fixtures across apps (a catalogue test needs shops; the journey test walks every app).
"""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APPS = ("vendors", "catalog", "checkout", "orders", "reviews")
# Who may import whom. vendors is the bottom (shops); catalog lists the shops' products; checkout
# sells them and creates orders; reviews read orders. Anything not listed is a new dependency to decide.
ALLOWED = {
    "vendors": set(),
    "catalog": {"vendors"},
    "orders": {"catalog", "vendors"},
    "checkout": {"catalog", "vendors", "orders"},
    "reviews": {"orders", "catalog", "vendors"},
}
# The project package is the core every app shares (money, storage, images, cache versions, ...),
# except the modules that assemble the site from the apps.
ASSEMBLY = {"marketplace/urls.py", "marketplace/demo_data.py", "marketplace/management"}


def _sources(folder: str):
    for path in sorted((ROOT / folder).rglob("*.py")):
        relative = path.relative_to(ROOT)
        if "migrations" in relative.parts or "tests" in relative.parts:
            continue
        yield relative, path


def _imported_apps(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {name.split(".")[0] for name in names} & set(APPS)
    return found


def test_apps_import_each_other_one_way_only():
    wrong = [
        f"{relative} imports {other}"
        for app in APPS
        for relative, path in _sources(app)
        for other in sorted(_imported_apps(path) - ALLOWED[app] - {app})
    ]
    assert not wrong, "imports against the app graph:\n" + "\n".join(wrong)


def test_the_allowed_graph_has_no_cycle():
    def reaches(start: str, goal: str, seen=()) -> bool:
        return any(n == goal or (n not in seen and reaches(n, goal, (*seen, n))) for n in ALLOWED[start])

    assert not [app for app in APPS if reaches(app, app)]


def test_the_project_core_imports_no_app():
    wrong = [
        f"{relative} imports {other}"
        for relative, path in _sources("marketplace")
        if not any(str(relative).startswith(prefix) for prefix in ASSEMBLY)
        for other in sorted(_imported_apps(path))
    ]
    assert not wrong, "the core must not depend on an app:\n" + "\n".join(wrong)
