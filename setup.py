"""Build step only (metadata is in pyproject.toml): map ``policies/`` and ``migrations/`` into the wheel.

They stay at the top of the repository, where operators and the layout expect them; an installed
wheel carries them as ``gateway/_bundled/policies`` and ``gateway/_bundled/migrations``, which
``gateway.settings`` finds when the checkout's folders are not there. An editable install uses
the checkout's folders directly.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

BUNDLED = ("policies", "migrations")


class BuildWithBundled(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        root = Path(__file__).resolve().parent
        for name in BUNDLED:
            shutil.copytree(
                root / name,
                Path(self.build_lib) / "gateway" / "_bundled" / name,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            )


setup(cmdclass={"build_py": BuildWithBundled})
