"""Demonstration datasets (directories written by `metabench demos gen`
or `metabench record`) as numpy arrays, and as HDF5 in robomimic's layout."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Union

import numpy as np

from ._bridge import Client

PathLike = Union[str, os.PathLike]


@dataclass
class Episode:
    """One demonstration of T steps.

    obs (T+1, obs_dim) float32: the observation before each action and the
    final one. actions (T, 3) float32: the executed (noisy) actions, which
    replay the episode. expert_actions (T, 3) float32: the clean expert's
    labels, the targets for behaviour cloning (None for human recordings).
    states (T+1, 6n+6) float64 (with states=True): per block x, y, angle,
    vx, vy, angular velocity, then the gripper's x, y, vx, vy, closed and
    held block (-1 for none).
    """

    task: str
    index: int
    seed: int
    source: str
    outcome: str
    obs: np.ndarray
    actions: np.ndarray
    expert_actions: Optional[np.ndarray]
    states: Optional[np.ndarray] = None

    @property
    def steps(self) -> int:
        return len(self.actions)


@dataclass
class Dataset:
    """A whole dataset: its tasks in order, its episodes (task by task), the
    simulator configuration it was recorded with and the generator's
    settings."""

    tasks: List[str]
    episodes: List[Episode]
    config: Dict[str, Any]
    settings: Any = None
    kind: str = ""
    source: str = ""

    def __iter__(self) -> Iterator[Episode]:
        return iter(self.episodes)

    def __len__(self) -> int:
        return len(self.episodes)

    def by_task(self, task: str) -> List[Episode]:
        return [e for e in self.episodes if e.task == task]


def load(directory: PathLike, states: bool = False, binary: Optional[str] = None) -> Dataset:
    """Read a dataset directory (verified by the Go reader as it reads).
    states=True replays every episode to add its simulator states."""
    with Client(binary) as c:
        r = c.request("demos", dir=os.fspath(directory), states=bool(states))
    arrays = r["arrays"]
    tasks = r["tasks"]
    cursor = {k: [0, 0] for k in range(len(tasks))}  # next obs row, next action row
    episodes = []
    for m in r["episodes"]:
        k, n = m["task"], m["steps"]
        o, a = cursor[k]
        labels = arrays[f"expert_actions_{k}"][a:a + n] if m["labels"] else None
        st = arrays[f"states_{k}"][o:o + n + 1] if states else None
        episodes.append(Episode(task=tasks[k], index=m["index"], seed=m["seed"], source=m["source"],
                                outcome=m["outcome"], obs=arrays[f"obs_{k}"][o:o + n + 1],
                                actions=arrays[f"actions_{k}"][a:a + n], expert_actions=labels, states=st))
        cursor[k] = [o + n + 1, a + n]
    return Dataset(tasks=list(tasks), episodes=episodes, config=r["config"], settings=r.get("settings"),
                   kind=r.get("kind", ""), source=r.get("source", ""))


def to_hdf5(directory: PathLike, out: PathLike, binary: Optional[str] = None) -> int:
    """Write a dataset in robomimic's HDF5 layout and return the number of
    demos written. The file is written beside `out` and renamed into place.

    data/ (attributes total = all steps, env_args = JSON with env_name,
    type 2 (gym) and env_kwargs: tasks and simulator config) holds demo_0,
    demo_1, ... in dataset order, each with actions (T, 3), expert_actions
    (T, 3) where there are labels, states (T, 6n+6), rewards (T) (1 on the
    last step of a success), dones (T) (1 on the last step), obs/ and
    next_obs/ with keys object (T, 3n) and gripper (T, 4) (their
    concatenation is the observation vector), and attributes num_samples,
    task, seed, index, source and outcome. mask/train lists every demo.
    """
    try:
        import h5py
    except ImportError as e:
        raise ImportError("to_hdf5 needs h5py (Debian: python3-h5py)") from e
    ds = load(directory, states=True, binary=binary)
    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    names = []
    try:
        with h5py.File(tmp, "w") as f:
            data = f.create_group("data")
            total = 0
            for i, ep in enumerate(ds.episodes):
                name = f"demo_{i}"
                names.append(name)
                g = data.create_group(name)
                T = ep.steps
                n_obj = ep.obs.shape[1] - 4
                g.create_dataset("actions", data=ep.actions)
                if ep.expert_actions is not None:
                    g.create_dataset("expert_actions", data=ep.expert_actions)
                g.create_dataset("states", data=ep.states[:T])
                rewards = np.zeros(T, dtype=np.float64)
                if ep.outcome == "success" and T > 0:
                    rewards[-1] = 1
                dones = np.zeros(T, dtype=np.int64)
                if T > 0:
                    dones[-1] = 1
                g.create_dataset("rewards", data=rewards)
                g.create_dataset("dones", data=dones)
                for grp, rows in (("obs", ep.obs[:T]), ("next_obs", ep.obs[1:T + 1])):
                    og = g.create_group(grp)
                    og.create_dataset("object", data=rows[:, :n_obj])
                    og.create_dataset("gripper", data=rows[:, n_obj:])
                g.attrs["num_samples"] = T
                g.attrs["task"] = ep.task
                g.attrs["seed"] = np.uint64(ep.seed)
                g.attrs["index"] = ep.index
                g.attrs["source"] = ep.source
                g.attrs["outcome"] = ep.outcome
                total += T
            data.attrs["total"] = total
            data.attrs["env_args"] = json.dumps({
                "env_name": "metabench/Stack-v0", "type": 2,
                "env_kwargs": {"tasks": ds.tasks, "config": ds.config}})
            f.create_group("mask").create_dataset("train", data=np.array(names, dtype="S"))
        # On disk before it takes the name: a crash leaves the old file or the new one.
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, out)
        dirfd = os.open(out.parent, os.O_RDONLY)
        try:
            os.fsync(dirfd)
        finally:
            os.close(dirfd)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return len(names)
