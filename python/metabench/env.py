"""The block-stacking world as an environment with Gymnasium 1.x's API,
simulated by a `metabench serve` process."""

from __future__ import annotations

import math
import struct
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from ._bridge import PROTOCOL_VERSION, Client, encode
from .spaces import Box

ENV_IDS = ("Stack-v0", "metabench/Stack-v0")

_MAX_SEED = 2**64

# A step is a vstep of one environment (protocol 2), whose reply is arrays
# only: the client parses its header once (see _bridge._Layouts), not every
# step. The request is the same frame but for the action's 12 bytes: built
# once, it spares the JSON encoder on the hot path.
_STEP_PREFIX = encode({"op": "vstep", "v": PROTOCOL_VERSION}, {"action": np.zeros((1, 3), "<f4")})[:-12]


def make_params(task: str, noise: Optional[float], demo: bool, expert: bool, time_limit: int,
                width: int, height: int, policy: Optional[str]) -> Dict[str, Any]:
    """The parameters of make and vmake."""
    params: Dict[str, Any] = {"task": task, "demo": bool(demo), "expert": bool(expert),
                              "time_limit": int(time_limit), "width": int(width), "height": int(height)}
    if noise is not None:
        params["noise"] = float(noise)
    if policy:
        params["policy"] = str(policy)
    return params


def spaces(r: Dict[str, Any]) -> Tuple[Box, Box]:
    """The action and observation spaces of a make or vmake reply."""
    a = r["arrays"]
    action_space = Box(a["action_low"].astype(np.float32), a["action_high"].astype(np.float32), dtype=np.float32)
    low = np.full(r["obs_dim"], -np.inf, dtype=np.float32)
    high = np.full(r["obs_dim"], np.inf, dtype=np.float32)
    low[-2:], high[-2:] = 0, 1
    return action_space, Box(low, high, dtype=np.float32)


def row_info(arrays: Dict[str, np.ndarray], verdicts: List[str], i: int) -> Dict[str, Any]:
    """Environment i's info from a vreset or vstep reply: the fields step's
    reply has, the expert's and policy's actions only while the episode
    runs (a NaN row once it is over)."""
    info: Dict[str, Any] = {"verdict": verdicts[arrays["verdict"][i]], "steps": int(arrays["steps"][i]),
                            "progress": int(arrays["progress"][i]), "seed": int(arrays["seed"][i])}
    for k in ("expert_action", "policy_action"):
        a = arrays.get(k)
        if a is not None and not np.isnan(a[i, 0]):
            info[k] = a[i]
    return info


# The scalars of a one-environment vstep reply, which follow the
# observation in this order: reward, terminated, truncated, verdict, steps,
# progress, seed; then the expert's and policy's actions if made.
_SCALARS = (("reward", "<f8", "d"), ("terminated", "|u1", "B"), ("truncated", "|u1", "B"), ("verdict", "|u1", "B"),
            ("steps", "<i8", "q"), ("progress", "<i8", "q"), ("seed", "<u8", "Q"))

_F32 = np.dtype("<f4")
_ndarray = np.ndarray


class _StepReader:
    """Reads a one-environment vstep reply of one layout: the observation
    as a view of the frame and every scalar in one struct unpack, instead
    of an array per field (a step's Python cost is mostly such overhead).
    A frame that starts with the layout's prefix is of the layout."""

    def __init__(self, layout, verdicts: List[str]):
        self.layout, self.prefix, self.verdicts = layout, layout.prefix, verdicts
        spec = {name: (dt.str, shape, off, off + count * dt.itemsize) for name, dt, shape, count, off in layout.arrays}
        self.fast = False
        names = [a[0] for a in layout.arrays]
        acts = [k for k in ("expert_action", "policy_action") if k in spec]
        if names != ["obs"] + [s[0] for s in _SCALARS] + acts or spec["obs"][1][0] != 1:
            return  # another layout (a demonstration's, say): read it by name
        off = spec["reward"][2]
        for name, dt, _ in _SCALARS:
            if spec[name][0] != dt or spec[name][2] != off:
                return
            off = spec[name][3]
        self.obs_dim, self.obs_off = spec["obs"][1][1], spec["obs"][2]
        self.scalars = struct.Struct("<" + "".join(c for _, _, c in _SCALARS))
        self.scalars_off = spec["reward"][2]
        self.acts = [(k, spec[k][2]) for k in acts]
        self.fast = True

    def read(self, frame: bytearray) -> Tuple[np.ndarray, float, bool, bool, Dict[str, Any]]:
        if not self.fast:
            header, arrays = self.layout.read(frame)
            return (arrays["obs"][0], float(arrays["reward"][0]), bool(arrays["terminated"][0]),
                    bool(arrays["truncated"][0]), row_info(arrays, self.verdicts, 0))
        # np.ndarray over the frame is np.frombuffer's view, made with less
        # argument handling.
        obs = _ndarray(self.obs_dim, _F32, frame, self.obs_off)
        reward, term, trunc, verdict, steps, progress, seed = self.scalars.unpack_from(frame, self.scalars_off)
        info: Dict[str, Any] = {"verdict": self.verdicts[verdict], "steps": steps, "progress": progress, "seed": seed}
        for k, off in self.acts:
            a = _ndarray(3, _F32, frame, off)
            if not math.isnan(a[0]):  # NaN once the episode is over: absent, as step's reply has it
                info[k] = a
        return obs, reward, term != 0, trunc != 0, info


class StackEnv:
    """One block-stacking environment (one server process).

    task is a task spec ("abc de": letters are blocks, each word a tower
    from the bottom up). Observations are float32 vectors of 3n+4 values:
    per block its offset from the gripper (x, y) and its angle folded into
    (-pi/4, pi/4], then the gripper's x, y and open/closed flags. Actions
    are (vx, vy, grip) in [-4, 4] x [-4, 4] x [0, 1]: velocities in blocks
    per second (clipped to the space) and a grip that closes at 0.5 and
    above. The reward is 1 on the step that completes the task and 0
    otherwise. terminated is the task's own end (success, or a block lost
    off the table); truncated is the time limit (a timeout, or a wrong
    tower at the limit); info["verdict"] says which.

    With demo=True, reset's info holds a demonstration of the same task by
    the noisy expert from another start (info["demo_obs"] (T+1, obs_dim),
    info["demo_actions"] and info["demo_expert_actions"] (T, 3)) for
    one-shot conditioning. With expert=True, every info holds
    info["expert_action"], the clean expert's action in the current state
    (absent once the episode has ended). With policy set to a policy spec
    ("expert", "noisy-expert:0.3", or "model:DIR" for a model trained by
    `metabench train imitation`), every info holds info["policy_action"],
    that policy's action in the current state, to compare with or to act on.

    reset(seed=s) starts the episode of reset seed s, the seed
    `metabench demos gen` and the Go code use, and later resets without a
    seed take s+1, s+2, ...; the first reset without any seed takes the
    constructor's seed, or a random one if that is None.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10}

    def __init__(self, task: str = "ab", seed: Optional[int] = None, noise: Optional[float] = None,
                 render_mode: Optional[str] = None, demo: bool = True, expert: bool = True,
                 time_limit: int = 0, width: int = 320, height: int = 200, policy: Optional[str] = None,
                 binary: Optional[str] = None):
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode {render_mode!r} is not supported (want None or 'rgb_array')")
        self.render_mode = render_mode
        self._client = Client(binary)
        params = make_params(task, noise, demo, expert, time_limit, width, height, policy)
        try:
            r = self._client.request("make", **params)
        except Exception:
            self._client.close()
            raise
        self.task = r["task"]
        self.num_blocks = r["num_blocks"]
        self.time_limit = r["time_limit"]
        self._verdicts = r["verdicts"]
        self._reader: Optional[_StepReader] = None  # of the last step's reply
        self.action_space, self.observation_space = spaces(r)
        self.spec = None
        self._seed = seed
        self._next_seed: Optional[int] = None
        self._np_random: Optional[np.random.Generator] = None

    @property
    def unwrapped(self) -> "StackEnv":
        return self

    @property
    def np_random(self) -> np.random.Generator:
        if self._np_random is None:
            self._np_random = np.random.default_rng(self._seed)
        return self._np_random

    def _info(self, header: Dict[str, Any], arrays: Dict[str, np.ndarray]) -> Dict[str, Any]:
        info = {k: header[k] for k in ("verdict", "steps", "progress", "seed")}
        for k, v in arrays.items():
            if k != "obs":
                info[k] = v
        return info

    def reset(self, *, seed: Optional[int] = None, options: Optional[Dict[str, Any]] = None) -> Tuple[np.ndarray, Dict[str, Any]]:
        if options:
            raise ValueError(f"reset takes no options (got {sorted(options)})")
        if seed is None and self._next_seed is None:
            seed = self._seed if self._seed is not None else int(np.random.SeedSequence().generate_state(1, np.uint64)[0])
        if seed is not None:
            seed = int(seed)
            if not 0 <= seed < _MAX_SEED:
                raise ValueError(f"seed {seed} is out of range [0, 2^64)")
            self._np_random = np.random.default_rng(seed)
            self._next_seed = seed
        ep_seed = self._next_seed
        self._next_seed = (ep_seed + 1) % _MAX_SEED
        r = self._client.request("reset", seed=ep_seed)
        return r["arrays"]["obs"], self._info(r, r["arrays"])

    def step(self, action: Any) -> Tuple[np.ndarray, float, bool, bool, Dict[str, Any]]:
        a = np.asarray(action, dtype=_F32)
        if a.shape == (3,):
            frame = self._client.exchange(_STEP_PREFIX + a.tobytes())
        else:  # the server names what is wrong
            frame = self._client.exchange(encode({"op": "step", "v": PROTOCOL_VERSION}, {"action": a}))
        reader = self._reader
        if reader is None or not frame.startswith(reader.prefix):
            # Another layout than the last step's: an error reply (raised
            # here), or the first step.
            reader = self._reader = _StepReader(self._client.layout(frame), self._verdicts)
        return reader.read(frame)

    def render(self) -> Optional[np.ndarray]:
        """An H x W x 3 uint8 frame from the Go renderer (render_mode
        "rgb_array"); None without a render mode, as Gymnasium does."""
        if self.render_mode is None:
            return None
        return self._client.request("render")["arrays"]["rgb"]

    def bench(self, steps: int, seed: int = 0) -> Dict[str, Any]:
        """Step a copy of this environment inside the server with random
        actions: the in-process Go rate (steps, seconds)."""
        r = self._client.request("bench", steps=int(steps), seed=int(seed))
        return {"steps": r["steps"], "seconds": r["seconds"]}

    def close(self) -> None:
        self._client.close()

    @property
    def closed(self) -> bool:
        return self._client.closed

    def __enter__(self) -> "StackEnv":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<StackEnv {self.task!r}>"


def make(id: str = "Stack-v0", **kwargs: Any) -> StackEnv:
    """An environment by id ("Stack-v0" or "metabench/Stack-v0"); keyword
    arguments go to StackEnv."""
    if id not in ENV_IDS:
        raise ValueError(f"unknown environment id {id!r} (want one of {ENV_IDS})")
    return StackEnv(**kwargs)
