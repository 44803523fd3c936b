import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "bc_torch.py"


def test_bc_torch_runs(binary):
    pytest.importorskip("torch", reason="python3-torch is not installed")
    out = subprocess.run([sys.executable, str(EXAMPLE), "--task", "ab", "--episodes", "3", "--epochs", "2",
                          "--eval-episodes", "2", "--hidden", "32"], check=True, capture_output=True, text=True).stdout
    m = re.search(r"task 'ab': success rate ([0-9.]+) over 2 episodes", out)
    assert m, out
    assert 0 <= float(m.group(1)) <= 1
    assert "trained on 3 episodes" in out
