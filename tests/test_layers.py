"""The layers hold (`make lint` runs lint-imports), and the contracts do fail on an upward import or a cycle.

The package tree is copied to a temporary folder, one import is added there, and lint-imports runs on the
copy with the project's own contracts (``[tool.importlinter]`` in pyproject.toml).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("assistant", "ingest", "ui")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}  # the copy, ahead of the editable install
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "pyproject.toml"], cwd=root, env=env, capture_output=True, text=True
    )


def _copy_tree(dest: Path) -> Path:
    def only_code(folder: str, names: list[str]) -> list[str]:
        return [n for n in names if (not n.endswith(".py") and not (Path(folder) / n).is_dir()) or n == "__pycache__"]

    for pkg in PACKAGES:
        shutil.copytree(ROOT / pkg, dest / pkg, ignore=only_code)
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def test_the_tree_keeps_its_layers():
    got = _lint(ROOT)
    assert got.returncode == 0, got.stdout + got.stderr
    assert "0 broken" in got.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # the kernel reaching up into the application layer
        ("assistant/core/text.py", "import assistant.app.service", "assistant.core imports nothing above it"),
        # ingest reaching sideways into the query stage
        ("ingest/chunk.py", "import assistant.query.retrieve", "One-way layers"),
        # the UI going around the service
        ("ui/render.py", "import ingest.refresh", "ui calls the service"),
        # a cycle inside one layer: chain already imports question
        ("assistant/query/question.py", "import assistant.query.chain", "No import cycles"),
    ],
)
def test_an_upward_import_or_a_cycle_breaks_the_contracts(tmp_path, module, line, broken):
    root = _copy_tree(tmp_path)
    with (root / module).open("a") as f:
        f.write(f"\n{line}  # noqa\n")
    got = _lint(root)
    assert got.returncode != 0, got.stdout
    assert f"{broken}" in got.stdout.split("Broken contracts")[-1], got.stdout
