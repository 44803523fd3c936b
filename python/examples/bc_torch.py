"""Behaviour cloning in PyTorch on metabench demonstrations, evaluated in
the Go world through the bridge.

1. `metabench demos gen` records noisy expert demonstrations of a task
   (or --data names a dataset you made).
2. An MLP learns the expert's clean action from the observation as one
   categorical choice among the world's 242 discrete actions (11 speed
   bins per axis, on which the expert's speeds lie, times open/close), by
   cross-entropy, as the imitation suite's joint head does: a regression
   head averages the expert's distinct moves into none of them, and
   per-axis heads combine moves the expert never makes.
3. The policy plays fresh episodes (reset seeds none of the dataset's)
   through metabench.make, and the success rate is printed.

    make build
    /usr/bin/python3 python/examples/bc_torch.py --task ab --episodes 100
"""

import argparse
import itertools
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, Set, Tuple

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import metabench  # noqa: E402


def dataset(args, tmp: str) -> Path:
    if args.data:
        return Path(args.data)
    out = Path(tmp) / "demos"
    subprocess.run([metabench.find_binary(), "demos", "gen", "--out", str(out), "--task", args.task,
                    "--episodes", str(args.episodes), "--seed", str(args.seed)], check=True,
                   stdout=subprocess.DEVNULL)
    return out


# The speed bins of the world's discrete action space (envs/stack/action.go).
SPEED_BINS = np.array([-4, -2, -1, -0.3, -0.1, 0, 0.1, 0.3, 1, 2, 4], dtype=np.float32)
NB = len(SPEED_BINS)


def to_bins(v: np.ndarray) -> np.ndarray:
    return np.abs(v[..., None] - SPEED_BINS).argmin(-1)


def action_index(a: np.ndarray) -> np.ndarray:
    """The joint class of action rows: (vx bin * 11 + vy bin) * 2 + grip,
    stack.DiscreteAction's index."""
    return (to_bins(a[:, 0]) * NB + to_bins(a[:, 1])) * 2 + (a[:, 2] >= 0.5)


class Policy(nn.Module):
    def __init__(self, obs_dim: int, hidden: int, mean: torch.Tensor, std: torch.Tensor):
        super().__init__()
        # Observations standardised with the training set's statistics.
        self.register_buffer("mean", mean)
        self.register_buffer("std", std)
        self.net = nn.Sequential(nn.Linear(obs_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, NB * NB * 2))

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.net((obs - self.mean) / self.std)  # logits of the joint actions

    @torch.no_grad()
    def act(self, obs: np.ndarray) -> np.ndarray:
        k = self(torch.from_numpy(obs)[None])[0].argmax().item()
        return np.array([SPEED_BINS[k // 2 // NB], SPEED_BINS[k // 2 % NB], k % 2], dtype=np.float32)


def train(ds, task: str, args) -> Policy:
    eps = [e for e in ds.by_task(task) if e.expert_actions is not None]
    if not eps:
        sys.exit(f"bc_torch: no labelled episodes of task {task!r} in the dataset")
    x = torch.from_numpy(np.concatenate([e.obs[:-1] for e in eps]))
    labels = np.concatenate([e.expert_actions for e in eps])
    y = torch.from_numpy(action_index(labels).astype(np.int64))
    policy = Policy(x.shape[1], args.hidden, x.mean(0), x.std(0).clamp_min(1e-3))
    opt = torch.optim.Adam(policy.parameters(), lr=args.lr)
    gen = torch.Generator().manual_seed(args.seed)
    for epoch in range(args.epochs):
        perm = torch.randperm(len(x), generator=gen)
        total = 0.0
        for i in range(0, len(x), args.batch):
            idx = perm[i:i + args.batch]
            loss = nn.functional.cross_entropy(policy(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        if epoch == args.epochs - 1 or (epoch + 1) % max(1, args.epochs // 5) == 0:
            print(f"epoch {epoch + 1}/{args.epochs}: loss {total / len(x):.4f}", flush=True)
    print(f"trained on {len(eps)} episodes, {len(x)} steps")
    return policy


def evaluate(policy: Policy, task: str, train_seeds: Set[int], args) -> Tuple[float, Dict[str, int]]:
    verdicts: Dict[str, int] = {}
    # Fresh starts: reset seeds from --eval-seed on, skipping any training episode's.
    seeds = (s for s in itertools.count(args.eval_seed) if s not in train_seeds)
    with metabench.make("Stack-v0", task=task, demo=False, expert=False) as env:
        for _ in range(args.eval_episodes):
            obs, info = env.reset(seed=next(seeds))
            terminated = truncated = False
            while not (terminated or truncated):
                obs, _, terminated, truncated, info = env.step(policy.act(obs))
            verdicts[info["verdict"]] = verdicts.get(info["verdict"], 0) + 1
    return verdicts.get("success", 0) / args.eval_episodes, verdicts


def main() -> None:
    ap = argparse.ArgumentParser(description="behaviour cloning on metabench demonstrations")
    ap.add_argument("--task", default="ab", help="task spec to learn and evaluate")
    ap.add_argument("--data", help="dataset directory (default: generate --episodes demonstrations of --task)")
    ap.add_argument("--episodes", type=int, default=100, help="demonstrations to generate")
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--eval-episodes", type=int, default=50)
    ap.add_argument("--eval-seed", type=int, default=10**9)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(int(os.environ.get("BC_THREADS", "1")))
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        ds = metabench.demos.load(dataset(args, tmp))
    t1 = time.perf_counter()
    policy = train(ds, args.task, args)
    t2 = time.perf_counter()
    rate, verdicts = evaluate(policy, args.task, {e.seed for e in ds.by_task(args.task)}, args)
    t3 = time.perf_counter()
    print(f"task {args.task!r}: success rate {rate:.2f} over {args.eval_episodes} episodes "
          f"(data {t1 - t0:.1f} s, training {t2 - t1:.1f} s, evaluation {t3 - t2:.1f} s)")
    print("verdicts: " + ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items())))


if __name__ == "__main__":
    main()
