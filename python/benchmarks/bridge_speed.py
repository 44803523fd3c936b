"""Bridge speed: environment steps per second through `metabench serve`
against the same Go environment stepped inside the server process, for
2, 4 and 10 blocks and 1 and 2 environments, side by side in one run.

Both loops take uniformly random actions and reset when an episode ends;
observations are produced every step in both. The in-process rate of N
environments is N servers running their in-process loop at the same time.
Measurements alternate (in-process, bridge, in-process, ...) so that load
from other processes on a shared machine falls on both alike; the table
gives the median of the rounds and the ratio of the medians. It also gives
the CPU time per step, which other processes' load does not inflate as it
does wall time: the servers' (from /proc, 10 ms ticks) and, for the
bridge, the Python client's own.

    make build && /usr/bin/python3 python/benchmarks/bridge_speed.py
"""

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import metabench  # noqa: E402


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


TICK = os.sysconf("SC_CLK_TCK")


def server_cpu(venv) -> float:
    """CPU seconds (user + system) the servers have used so far."""
    total = 0
    for env in venv.envs:
        fields = Path(f"/proc/{env._client.pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def in_process(venv, steps: int, seed: int):
    """Steps per second of every server's in-process loop, run at once,
    and CPU microseconds per step."""
    c0, t0 = server_cpu(venv), time.perf_counter()
    for i, env in enumerate(venv.envs):
        env._client.send("bench", steps=steps, seed=seed + i)
    for env in venv.envs:
        env._client.recv()
    wall, n = time.perf_counter() - t0, len(venv.envs) * steps
    return n / wall, 1e6 * (server_cpu(venv) - c0) / n


def bridge(venv, steps: int, seed: int):
    """Steps per second through the bridge (one env stepped directly, or
    the vector env over all servers) and CPU microseconds per step, the
    servers' and the client's."""
    rng = np.random.default_rng(seed)
    space = venv.single_action_space
    n = venv.num_envs
    actions = rng.uniform(space.low, space.high, size=(steps, n, 3)).astype(np.float32)
    if n == 1:
        env = venv.envs[0]
        env.reset(seed=seed)
        c0, p0, t0 = server_cpu(venv), time.process_time(), time.perf_counter()
        for a in actions[:, 0]:
            _, _, term, trunc, _ = env.step(a)
            if term or trunc:
                env.reset()
    else:
        venv.reset(seed=seed)
        c0, p0, t0 = server_cpu(venv), time.process_time(), time.perf_counter()
        for a in actions:
            venv.step(a)  # next-step autoreset resets ended episodes
    wall, total = time.perf_counter() - t0, n * steps
    return total / wall, 1e6 * (server_cpu(venv) - c0) / total, 1e6 * (time.process_time() - p0) / total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=3000, help="steps per environment per measurement")
    ap.add_argument("--rounds", type=int, default=5, help="alternating measurement rounds")
    ap.add_argument("--blocks", default="2,4,10")
    ap.add_argument("--envs", default="1,2")
    args = ap.parse_args()
    print(f"CPU: {cpu_model()}, {os.cpu_count()} logical CPUs; load average before: {os.getloadavg()[0]:.2f}")
    print(f"{args.rounds} alternating rounds of {args.steps} steps per environment; medians\n")
    print("| blocks | envs | in-process steps/s | bridge steps/s | bridge / in-process "
          "| CPU µs/step in-process | bridge: server + client |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for nb in (int(b) for b in args.blocks.split(",")):
        task = "abcdefghij"[:nb]
        for n in (int(e) for e in args.envs.split(",")):
            with metabench.make_vec(num_envs=n, task=task, demo=False, expert=False) as venv:
                bridge(venv, 200, 99)  # warm up both processes
                go, py = [], []
                for r in range(args.rounds):
                    go.append(in_process(venv, args.steps, 1000 * r))
                    py.append(bridge(venv, args.steps, 1000 * r))
            g, b = (statistics.median(x[0] for x in m) for m in (go, py))
            gc = statistics.median(x[1] for x in go)
            bs, bc = (statistics.median(x[k] for x in py) for k in (1, 2))
            print(f"| {nb} | {n} | {g:,.0f} | {b:,.0f} | {b / g:.2f} | {gc:.0f} | {bs:.0f} + {bc:.0f} |", flush=True)
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
