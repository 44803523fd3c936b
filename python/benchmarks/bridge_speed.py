"""Bridge speed: environment steps per second through `metabench serve`
against the same Go environments stepped inside the server process, side
by side in one run, for 2, 4 and 10 blocks, two workloads and several
layouts of environments.

Workloads: "random" takes uniformly random actions (the blocks are rarely
touched and sleep, so the world's step is cheap next to a round trip);
"expert" acts on the scripted expert's action, which the server supplies
with every step (expert=True) and which moves blocks. Both loops reset
when an episode ends and produce observations every step; the in-process
loop computes the expert's action too under "expert".

Layouts ("how"):
  single     one StackEnv, one server: a round trip per step.
  vector     make_vec(num_envs=N): one server holds the N environments and
             steps them all per request on parallel goroutines.
  servers    make_vec(num_envs=N, servers=N): one server per environment,
             every request sent before any reply is read.
The in-process rate of N environments is the servers' own loop over copies
of their environments, on as many goroutines as they step them with, none
waiting for the others: the ceiling of the cores.

Measurements alternate (in-process, bridge, in-process, ...) so that load
from other processes on a shared machine falls on both alike; the table
gives the median of the rounds and the ratio of the medians. It also gives
the CPU time per step, which other processes' load inflates less than wall
time: the servers' (the scheduler's count of their threads' run time)
and, for the bridge, the Python client's own.

    make build && nice -n 10 /usr/bin/python3 python/benchmarks/bridge_speed.py

--spin US has clients and servers poll the pipes for up to US microseconds
before a read that may sleep (METABENCH_SPIN_US, default 200; 0 turns it
off; docs/python.md, "Speed").
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
from metabench._bridge import DEFAULT_SPIN_US  # noqa: E402


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def server_cpu(pids) -> float:
    """CPU seconds the servers' threads have run so far, from the
    scheduler's nanosecond counts (/proc/PID/task/*/schedstat; utime and
    stime count 10 ms ticks, too coarse for a few thousand steps)."""
    total = 0
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                total += int((task / "schedstat").read_text().split()[0])
            except (FileNotFoundError, ProcessLookupError):
                pass  # a thread that ended meanwhile
    return total / 1e9


class Setup:
    """One layout of environments over its servers, and its loops."""

    def __init__(self, how: str, n: int, task: str, workload: str):
        self.how, self.n, self.workload = how, n, workload
        expert = workload == "expert"
        if how == "single":
            self.env = metabench.make(task=task, demo=False, expert=expert)
            self.clients = [self.env._client]
        else:
            self.env = metabench.make_vec(num_envs=n, servers=n if how == "servers" else 1,
                                          task=task, demo=False, expert=expert)
            self.clients = [s.client for s in self.env._servers]
        self.pids = [c.pid for c in self.clients]

    def close(self) -> None:
        self.env.close()

    def in_process(self, steps: int, seed: int):
        """Steps per second of every server's in-process loop, run at once
        (steps per environment), and CPU microseconds per step."""
        c0, t0 = server_cpu(self.pids), time.perf_counter()
        for k, c in enumerate(self.clients):
            c.send("bench", steps=steps, seed=seed + 100 * k, actions=self.workload)
        total = sum(c.recv()[0]["steps"] for c in self.clients)
        wall = time.perf_counter() - t0
        return total / wall, 1e6 * (server_cpu(self.pids) - c0) / total

    def bridge(self, steps: int, seed: int):
        """Steps per second through the bridge (steps per environment) and
        CPU microseconds per step, the servers' and the client's."""
        expert = self.workload == "expert"
        rng = np.random.default_rng(seed)
        if self.how == "single":
            env = self.env
            space = env.action_space
            actions = rng.uniform(space.low, space.high, size=(steps, 3)).astype(np.float32)
            _, info = env.reset(seed=seed)
            c0, p0, t0 = server_cpu(self.pids), time.process_time(), time.perf_counter()
            for a in actions:
                _, _, term, trunc, info = env.step(info["expert_action"] if expert else a)
                if term or trunc:
                    _, info = env.reset()
        else:
            venv = self.env
            space = venv.single_action_space
            actions = rng.uniform(space.low, space.high, size=(steps, self.n, 3)).astype(np.float32)
            _, infos = venv.reset(seed=seed)
            c0, p0, t0 = server_cpu(self.pids), time.process_time(), time.perf_counter()
            for a in actions:
                # Next-step autoreset resets ended episodes; their action
                # rows (zeros under "expert") are ignored.
                _, _, _, _, infos = venv.step(infos["expert_action"] if expert else a)
        wall, total = time.perf_counter() - t0, self.n * steps
        return total / wall, 1e6 * (server_cpu(self.pids) - c0) / total, 1e6 * (time.process_time() - p0) / total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=3000, help="steps per environment per measurement")
    ap.add_argument("--rounds", type=int, default=5, help="alternating measurement rounds")
    ap.add_argument("--blocks", default="2,4,10")
    ap.add_argument("--workloads", default="random,expert")
    ap.add_argument("--spin", type=int, default=None,
                    help="poll for replies and requests for up to this many microseconds (sets METABENCH_SPIN_US)")
    ap.add_argument("--layouts", default="single:1,vector:1,vector:2,vector:4,vector:8,servers:2",
                    help="how:envs pairs (how is single, vector or servers)")
    args = ap.parse_args()
    if args.spin is not None:
        os.environ["METABENCH_SPIN_US"] = str(args.spin)
    print(f"CPU: {cpu_model()}, {os.cpu_count()} logical CPUs; load average before: {os.getloadavg()[0]:.2f}")
    spin = os.environ.get("METABENCH_SPIN_US", "").strip() or f"{DEFAULT_SPIN_US} (default)"
    print(f"{args.rounds} alternating rounds of {args.steps} steps per environment; medians; "
          f"polling budget (METABENCH_SPIN_US) {spin} µs\n")
    print("| blocks | workload | how | envs | in-process steps/s | bridge steps/s | bridge / in-process "
          "| CPU µs/step in-process | bridge: server + client |")
    print("|---:|---|---|---:|---:|---:|---:|---:|---:|")
    layouts = [(h, int(n)) for h, n in (p.split(":") for p in args.layouts.split(","))]
    for nb in (int(b) for b in args.blocks.split(",")):
        task = "abcdefghij"[:nb]
        for workload in args.workloads.split(","):
            for how, n in layouts:
                s = Setup(how, n, task, workload)
                try:
                    s.bridge(200, 99)  # warm up both processes
                    go, py = [], []
                    for r in range(args.rounds):
                        go.append(s.in_process(args.steps, 1000 * r))
                        py.append(s.bridge(args.steps, 1000 * r))
                finally:
                    s.close()
                g, b = (statistics.median(x[0] for x in m) for m in (go, py))
                gc = statistics.median(x[1] for x in go)
                bs, bc = (statistics.median(x[k] for x in py) for k in (1, 2))
                print(f"| {nb} | {workload} | {how} | {n} | {g:,.0f} | {b:,.0f} | {b / g:.2f} | {gc:.0f} | {bs:.0f} + {bc:.0f} |",
                      flush=True)
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
