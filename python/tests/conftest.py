"""Shared fixtures: the metabench binary ($METABENCH_BIN, else built from
the checkout with `go build`) and a small demonstration dataset."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def binary(tmp_path_factory):
    path = os.environ.get("METABENCH_BIN")
    if not path:
        if shutil.which("go") is None:
            pytest.skip("no METABENCH_BIN and no Go toolchain to build one")
        path = str(tmp_path_factory.mktemp("bin") / "metabench")
        subprocess.run(["go", "build", "-o", path, "."], cwd=ROOT, check=True,
                       env={**os.environ, "CGO_ENABLED": "0"})
    # The package finds the binary through the environment, as a user's would.
    os.environ["METABENCH_BIN"] = path
    return path


@pytest.fixture(scope="session")
def dataset(binary, tmp_path_factory):
    """Two tasks, two expert episodes each, from `metabench demos gen`."""
    out = tmp_path_factory.mktemp("demos") / "ds"
    subprocess.run([binary, "demos", "gen", "--out", str(out), "--task", "ab", "--task", "abc", "--episodes", "2",
                    "--seed", "5", "--workers", "1"], check=True, capture_output=True)
    return out
