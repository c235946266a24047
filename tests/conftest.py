"""Shared test setup: real MNIST from ../shared/data, and throwaway course folders."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import course_config

REPO = course_config.COURSE_ROOT
MNIST = REPO.parent / "shared" / "data" / "mnist.npz"
FIXTURES = Path(__file__).parent / "fixtures"

# Tests read the real data through the kit's loader, from the shared copy; nothing downloads.
os.environ[course_config.MNIST_PATH_ENV] = str(MNIST)


def make_course(root: Path) -> Path:
    """A course folder with this repository's source/ and release/, and nothing graded yet."""
    for folder in (course_config.SOURCE_DIR, course_config.RELEASE_DIR):
        shutil.copytree(REPO / folder, root / folder)
    return root


@pytest.fixture
def course_root(tmp_path: Path) -> Path:
    return make_course(tmp_path / "course")
