import importlib.util
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import metabench
from metabench._bridge import encode


def frame(payload: bytes) -> bytes:
    return struct.pack("<I", len(payload)) + payload


def header_only(h: bytes) -> bytes:
    return struct.pack("<I", len(h)) + h


BAD = [
    ("not JSON", frame(header_only(b"{nope")), "not a JSON object"),
    ("short payload", frame(b"\x01"), "no header length"),
    ("header past the payload", frame(b"\xff\x00\x00\x00{}"), "does not fit"),
    ("unknown op", encode({"op": "teleport"}), "unknown op"),
    ("newer protocol", encode({"op": "hello", "v": 3}), "version 3"),
    ("unknown dtype", frame(header_only(json.dumps(
        {"op": "step", "arrays": [{"name": "action", "dtype": ">f4", "shape": [3]}]}).encode()) + bytes(12)), "unknown dtype"),
    ("array longer than the frame", frame(header_only(json.dumps(
        {"op": "step", "arrays": [{"name": "action", "dtype": "<f4", "shape": [1000]}]}).encode())), "are left"),
    ("misspelt parameter", encode({"op": "make", "task": "ab", "nosie": 1}), "unknown field"),
    ("wrong parameter type", encode({"op": "reset", "seed": "one"}), "parameters"),
    ("frame over the limit", struct.pack("<I", 64 * 2**20 + 1) + bytes(64 * 2**20 + 1), "over the limit"),
]


@pytest.mark.parametrize("name,raw,msg", BAD, ids=[b[0] for b in BAD])
def test_malformed_message_gets_an_error_reply(binary, name, raw, msg):
    with metabench.Client() as c:
        c.send_raw(raw)
        h, _ = c.recv_raw()
        assert h["ok"] is False and msg in h["error"], h
        # The server is still there and in step.
        assert c.request("hello")["protocol"] == metabench.PROTOCOL_VERSION


def test_killed_server_is_reported(binary):
    env = metabench.make(task="ab", demo=False)
    env.reset(seed=1)
    os.kill(env._client.pid, signal.SIGKILL)
    with pytest.raises(metabench.BridgeClosed, match="pid"):
        for _ in range(3):  # the first write may still land in the pipe
            env.step(np.zeros(3))
    env.close()
    assert env.closed


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its dead parent's reaper) is gone too.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(")")[-1].split()[0] != "Z"


def test_killed_client_leaves_no_server(binary):
    code = ("import metabench, sys, time\n"
            "env = metabench.make_vec(num_envs=2, task='ab', demo=False)\n"
            "env.reset(seed=1)\n"
            "print(' '.join(str(e._client.pid) for e in env.envs), flush=True)\n"
            "time.sleep(600)\n")
    client = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                              cwd=Path(metabench.__file__).parents[1])
    try:
        pids = [int(p) for p in client.stdout.readline().split()]
        assert len(pids) == 2 and all(alive(p) for p in pids)
        client.kill()
        client.wait()
        deadline = time.monotonic() + 20
        while any(alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(alive(p) for p in pids), "a server outlived its killed client"
    finally:
        client.kill()
        client.stdout.close()
        client.wait()


def test_closed_client_refuses_requests(binary):
    c = metabench.Client()
    pid = c.pid
    c.close()
    c.close()
    assert not alive(pid)
    with pytest.raises(metabench.BridgeClosed, match="closed"):
        c.request("hello")


def test_missing_binary(tmp_path, monkeypatch):
    monkeypatch.setenv("METABENCH_BIN", str(tmp_path / "none"))
    with pytest.raises(FileNotFoundError, match="none"):
        metabench.Client()


def test_checkout_binary_before_path(tmp_path, monkeypatch):
    # A copy of the package in a checkout of its own: that checkout's
    # ./metabench wins over an older `metabench` on PATH; without it, PATH.
    pkg = tmp_path / "python" / "metabench"
    pkg.mkdir(parents=True)
    shutil.copy(metabench._bridge.__file__, pkg / "_bridge.py")
    spec = importlib.util.spec_from_file_location("checkout_bridge", pkg / "_bridge.py")
    bridge = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bridge)
    (tmp_path / "bin").mkdir()
    for exe in (tmp_path / "metabench", tmp_path / "bin" / "metabench"):
        exe.write_text("#!/bin/sh\n")
        exe.chmod(0o755)
    monkeypatch.delenv("METABENCH_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert bridge.find_binary() == str(tmp_path / "metabench")
    (tmp_path / "metabench").unlink()
    assert bridge.find_binary() == str(tmp_path / "bin" / "metabench")


def test_binary_without_spin(tmp_path, monkeypatch):
    # A binary older than the package refuses serve's --spin as Go's flag
    # package does; the client says what to do instead of "ended before
    # replying".
    old = tmp_path / "metabench"
    old.write_text("#!/bin/sh\necho 'flag provided but not defined: -spin' >&2\nexit 2\n")
    old.chmod(0o755)
    monkeypatch.setenv("METABENCH_BIN", str(old))
    monkeypatch.delenv("METABENCH_SPIN_US", raising=False)
    if metabench._bridge._cpus() < 2:
        pytest.skip("one CPU: the client does not poll")
    with pytest.raises(metabench.BridgeClosed, match="METABENCH_SPIN_US=0"):
        metabench.Client()
