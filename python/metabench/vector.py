"""N block-stacking environments held by one `metabench serve` process
(or a few), stepped together, with Gymnasium 1.x's vector API and its
default autoreset mode (next step: the step after an episode ends resets
that environment and returns its first observation with reward 0,
terminated and truncated False)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from ._bridge import PROTOCOL_VERSION, Client, ServerError, encode
from .env import ENV_IDS, make_params, spaces

_MAX_SEED = 2**64


class SubEnv:
    """Environment `index` of a vector: its spaces, its task and the client
    of the server that holds it (several share one)."""

    def __init__(self, index: int, client: Client, task: str, action_space, observation_space):
        self.index = index
        self._client = client
        self.task = task
        self.action_space = action_space
        self.observation_space = observation_space

    def __repr__(self) -> str:
        return f"<SubEnv {self.index} {self.task!r} in server pid {self._client.pid}>"


class _Server:
    """One server process and the contiguous run of the vector's
    environments it holds."""

    def __init__(self, client: Client, lo: int, hi: int):
        self.client, self.lo, self.hi = client, lo, hi
        self._prefixes: Dict[bool, bytes] = {}

    def send_step(self, actions: np.ndarray, reset: np.ndarray, seeds: np.ndarray, any_reset: bool) -> None:
        # The header of a vstep is the same bytes every step (it depends on
        # the number of environments and on whether any resets): built once
        # per kind, it spares the JSON encoder on the hot path.
        n = self.hi - self.lo
        if any_reset:
            any_reset = bool(reset.any())
        prefix = self._prefixes.get(any_reset)
        if prefix is None:
            arrays = {"action": np.zeros((n, 3), "<f4")}
            if any_reset:
                arrays.update(reset=np.zeros(n, "|u1"), seed=np.zeros(n, "<u8"))
            frame = encode({"op": "vstep", "v": PROTOCOL_VERSION}, arrays)
            prefix = self._prefixes[any_reset] = frame[:len(frame) - sum(a.nbytes for a in arrays.values())]
        parts = [prefix, actions.astype("<f4", copy=False).tobytes()]
        if any_reset:
            parts += [reset.astype("|u1").tobytes(), seeds.astype("<u8").tobytes()]
        self.client.send_raw(b"".join(parts))


class StackVectorEnv:
    """num_envs environments in `servers` server processes (default one),
    each server holding a contiguous run of them and stepping its run on
    parallel goroutines, all cores, per request: a step of the vector is one
    round trip per server whatever num_envs is. Results are bit for bit
    those of num_envs separate StackEnvs with the same seeds and actions.

    Infos follow Gymnasium's layout: one array per key over the
    environments ("verdict" an object array of names, "steps", "progress"
    int64, "seed" uint64, "expert_action" and "policy_action" (num_envs, 3)
    float32 with zero rows where absent, the demonstrations object arrays
    as their lengths differ) and a boolean mask "_key" of the environments
    that set it.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10, "autoreset_mode": "NextStep"}

    def __init__(self, num_envs: int, task: str = "ab", seed: Optional[int] = None, noise: Optional[float] = None,
                 render_mode: Optional[str] = None, demo: bool = True, expert: bool = True, time_limit: int = 0,
                 width: int = 320, height: int = 200, policy: Optional[str] = None, binary: Optional[str] = None,
                 servers: int = 1):
        if num_envs < 1:
            raise ValueError(f"num_envs {num_envs} is below 1")
        if not 1 <= servers <= num_envs:
            raise ValueError(f"servers {servers} is out of range [1, num_envs={num_envs}]")
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode {render_mode!r} is not supported (want None or 'rgb_array')")
        self.num_envs = num_envs
        self.render_mode = render_mode
        self.closed = False
        self._servers: List[_Server] = []
        params = make_params(task, noise, demo, expert, time_limit, width, height, policy)
        try:
            for k in range(servers):
                lo, hi = k * num_envs // servers, (k + 1) * num_envs // servers
                srv = _Server(Client(binary, spin=False), lo, hi)
                self._servers.append(srv)
                r = srv.client.request("vmake", num_envs=hi - lo, **params)
        except Exception:
            self.close()
            raise
        self._verdict_names = np.array(r["verdicts"], dtype=object)
        self.single_action_space, self.single_observation_space = spaces(r)
        self.observation_space = self.single_observation_space.batched(num_envs)
        self.action_space = self.single_action_space.batched(num_envs)
        self.envs = [SubEnv(i, srv.client, r["task"], self.single_action_space, self.single_observation_space)
                     for srv in self._servers for i in range(srv.lo, srv.hi)]
        # Environment i's first episode has seed + i, as reset(seed=) gives.
        self._seed = seed
        self._next_seed: List[Optional[int]] = [None] * num_envs
        self._autoreset = np.zeros(num_envs, dtype=bool)
        self._no_episodes = np.zeros(num_envs, dtype=np.uint64)  # a step's seeds when nothing resets
        self._every = np.ones(num_envs, dtype=bool)  # the info masks of keys every environment sets
        self._every.flags.writeable = False

    @property
    def server_pids(self) -> List[int]:
        """The process ids of the servers, one per server."""
        return [srv.client.pid for srv in self._servers]

    def reset(self, *, seed: Union[None, int, Sequence[Optional[int]]] = None,
              options: Optional[Dict[str, Any]] = None) -> Tuple[np.ndarray, Dict[str, Any]]:
        """seed: one int (environment i gets seed + i), a list of seeds,
        or None (each environment's next seed; the first time, the
        constructor's seed + i or a random one)."""
        if options:
            raise ValueError(f"reset takes no options (got {sorted(options)})")
        if seed is None or isinstance(seed, (int, np.integer)):
            seeds: List[Optional[int]] = [None if seed is None else int(seed) + i for i in range(self.num_envs)]
        else:
            seeds = list(seed)
            if len(seeds) != self.num_envs:
                raise ValueError(f"{len(seeds)} seeds for {self.num_envs} environments")
        episode = np.array([self._seed_for(i, s) for i, s in enumerate(seeds)], dtype=np.uint64)
        for srv in self._servers:
            srv.client.send("vreset", {"seed": episode[srv.lo:srv.hi]})
        obs, _, _, _, infos = self._replies(episode, np.ones(self.num_envs, dtype=bool))
        self._autoreset[:] = False
        return obs, infos

    def _seed_for(self, i: int, seed: Optional[int]) -> int:
        """Environment i's reset seed: seed, else the one after its last,
        else the constructor's seed + i, else a random one."""
        if seed is None:
            seed = self._next_seed[i]
        if seed is None:
            seed = self._seed + i if self._seed is not None else int(np.random.SeedSequence().generate_state(1, np.uint64)[0])
        seed = int(seed)
        if not 0 <= seed < _MAX_SEED:
            raise ValueError(f"seed {seed} is out of range [0, 2^64)")
        return seed

    def step(self, actions: Any) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Dict[str, Any]]:
        actions = np.asarray(actions, dtype=np.float32)
        if actions.shape != self.action_space.shape:
            raise ValueError(f"actions have shape {actions.shape}, want {self.action_space.shape}")
        # Environments whose episode ended last step start the next one
        # (next-step autoreset) in the same request as the others' steps.
        resets = self._autoreset
        episode = self._no_episodes
        any_reset = bool(resets.any())
        if any_reset:
            episode = np.zeros(self.num_envs, dtype=np.uint64)
            for i in np.flatnonzero(resets):
                episode[i] = self._seed_for(i, None)
        # Every request is sent before any reply is read: the servers step
        # at the same time.
        if len(self._servers) == 1:
            self._servers[0].send_step(actions, resets, episode, any_reset)
        else:
            for srv in self._servers:
                srv.send_step(actions[srv.lo:srv.hi], resets[srv.lo:srv.hi], episode[srv.lo:srv.hi], any_reset)
        return self._replies(episode, resets if any_reset else None)

    def _replies(self, episode: np.ndarray, resets: Optional[np.ndarray]):
        """Read every server's vreset or vstep reply into the batched
        results; resets marks the environments that started episode[i]
        (None: none did)."""
        if len(self._servers) == 1:
            parts = [self._read(self._servers[0], episode, resets)]
        else:
            parts = [self._read(srv, episode, resets) for srv in self._servers]
        errors = [p for p in parts if isinstance(p, str)]
        if errors:
            raise ServerError("; ".join(errors))
        if len(parts) == 1:
            arrays = parts[0]
        else:
            arrays = {k: np.concatenate([p[k] for p in parts]) for k in parts[0] if not k.startswith("demo_")}
            for srv, p in zip(self._servers, parts):
                for k, v in p.items():
                    if k.startswith("demo_"):
                        name, i = k.rsplit("_", 1)
                        arrays[f"{name}_{srv.lo + int(i)}"] = v
        # The flags are 0 or 1 bytes: viewed as bool, not converted.
        terminated = arrays["terminated"].view(np.bool_)
        truncated = arrays["truncated"].view(np.bool_)
        # Reward 0 and both flags false on an autoreset step: the server's
        # reset reply says so already.
        self._autoreset = terminated | truncated
        return arrays["obs"], arrays["reward"], terminated, truncated, self._infos(arrays)

    def _read(self, srv: _Server, episode: np.ndarray, resets: np.ndarray):
        """One server's reply: its arrays, or its error as a message (every
        reply is read even after an error, so each stream stays in step).
        A server that answered has moved on: its environments' next seeds
        advance."""
        try:
            _, arrays = srv.client.recv()
        except ServerError as e:
            return f"environments {srv.lo}-{srv.hi - 1}: {e}" if len(self._servers) > 1 else str(e)
        if resets is not None:
            for i in range(srv.lo, srv.hi):
                if resets[i]:
                    self._next_seed[i] = (int(episode[i]) + 1) % _MAX_SEED
        return arrays

    def _infos(self, arrays: Dict[str, np.ndarray]) -> Dict[str, Any]:
        n = self.num_envs
        every = self._every.copy()
        infos: Dict[str, Any] = {
            "verdict": self._verdict_names[arrays["verdict"]], "_verdict": every,
            "steps": arrays["steps"], "_steps": every.copy(),
            "progress": arrays["progress"], "_progress": every.copy(),
            "seed": arrays["seed"], "_seed": every.copy(),
        }
        for k in ("expert_action", "policy_action"):
            a = arrays.get(k)
            if a is not None:
                mask = ~np.isnan(a[:, 0])
                infos[k] = np.where(mask[:, None], a, np.float32(0))
                infos["_" + k] = mask
        # Demonstrations come with resets only (their arrays are named
        # demo_obs_i and so on); their lengths differ, hence object arrays.
        for name, v in arrays.items():
            if not name.startswith("demo_"):
                continue
            k, i = name.rsplit("_", 1)
            if k not in infos:
                infos[k], infos["_" + k] = np.full(n, None, dtype=object), np.zeros(n, dtype=bool)
            infos[k][int(i)], infos["_" + k][int(i)] = v, True
        return infos

    def render(self) -> Optional[Tuple[np.ndarray, ...]]:
        if self.render_mode is None:
            return None
        frames: List[np.ndarray] = []
        for srv in self._servers:
            frames.extend(srv.client.request("vrender")["arrays"]["rgb"])
        return tuple(frames)

    def close(self) -> None:
        for srv in self._servers:
            srv.client.close()
        self.closed = True

    def __enter__(self) -> "StackVectorEnv":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<StackVectorEnv {self.num_envs} x {self.envs[0].task!r} in {len(self._servers)} server(s)>"


def make_vec(id: str = "Stack-v0", num_envs: int = 1, **kwargs: Any) -> StackVectorEnv:
    """num_envs environments in one server process (servers=k: k of them);
    the other keyword arguments are StackEnv's."""
    if id not in ENV_IDS:
        raise ValueError(f"unknown environment id {id!r} (want one of {ENV_IDS})")
    return StackVectorEnv(num_envs, **kwargs)
