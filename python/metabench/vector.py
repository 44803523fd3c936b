"""N block-stacking environments in N server processes, stepped in
parallel, with Gymnasium 1.x's vector API and its default autoreset mode
(next step: the step after an episode ends resets that environment and
returns its first observation with reward 0, terminated and truncated
False)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from ._bridge import ServerError
from .env import ENV_IDS, StackEnv


class StackVectorEnv:
    metadata = {"render_modes": ["rgb_array"], "render_fps": 10, "autoreset_mode": "NextStep"}

    def __init__(self, num_envs: int, **kwargs: Any):
        if num_envs < 1:
            raise ValueError(f"num_envs {num_envs} is below 1")
        self.num_envs = num_envs
        self.envs: List[StackEnv] = []
        seed = kwargs.pop("seed", None)
        try:
            for i in range(num_envs):
                # Environment i's first episode has seed + i, as reset(seed=) gives.
                self.envs.append(StackEnv(seed=None if seed is None else seed + i, **kwargs))
        except Exception:
            self.close()
            raise
        e = self.envs[0]
        self.render_mode = e.render_mode
        self.single_observation_space = e.observation_space
        self.single_action_space = e.action_space
        self.observation_space = e.observation_space.batched(num_envs)
        self.action_space = e.action_space.batched(num_envs)
        self._autoreset = np.zeros(num_envs, dtype=bool)
        self.closed = False

    def reset(self, *, seed: Union[None, int, Sequence[Optional[int]]] = None,
              options: Optional[Dict[str, Any]] = None) -> Tuple[np.ndarray, Dict[str, Any]]:
        """seed: one int (environment i gets seed + i), a list of seeds,
        or None."""
        if seed is None or isinstance(seed, (int, np.integer)):
            seeds: List[Optional[int]] = [None if seed is None else int(seed) + i for i in range(self.num_envs)]
        else:
            seeds = list(seed)
            if len(seeds) != self.num_envs:
                raise ValueError(f"{len(seeds)} seeds for {self.num_envs} environments")
        obs, infos = [], {}
        for i, (env, s) in enumerate(zip(self.envs, seeds)):
            o, info = env.reset(seed=s, options=options)
            obs.append(o)
            self._add_info(infos, info, i)
        self._autoreset[:] = False
        return np.stack(obs), infos

    def step(self, actions: Any) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Dict[str, Any]]:
        actions = np.asarray(actions, dtype=np.float32)
        if actions.shape != self.action_space.shape:
            raise ValueError(f"actions have shape {actions.shape}, want {self.action_space.shape}")
        # Send every request first, then read the replies: the servers step
        # at the same time, one per core.
        for i, env in enumerate(self.envs):
            if self._autoreset[i]:
                env._client.send("reset", seed=self._take_seed(env))
            else:
                env._send_step(actions[i])
        obs = np.empty(self.observation_space.shape, dtype=np.float32)
        rewards = np.zeros(self.num_envs, dtype=np.float64)
        terminated = np.zeros(self.num_envs, dtype=bool)
        truncated = np.zeros(self.num_envs, dtype=bool)
        infos: Dict[str, Any] = {}
        errors: List[str] = []
        for i, env in enumerate(self.envs):
            # Every reply is read even after an error reply, so that each
            # stream stays in step with its requests.
            try:
                if self._autoreset[i]:
                    h, arrays = env._client.recv()
                    o, info = arrays["obs"], env._info(h, arrays)
                else:
                    o, rewards[i], terminated[i], truncated[i], info = env._step_reply()
            except ServerError as e:
                errors.append(f"environment {i}: {e}")
                continue
            obs[i] = o
            self._add_info(infos, info, i)
        if errors:
            raise ServerError("; ".join(errors))
        self._autoreset = terminated | truncated
        return obs, rewards, terminated, truncated, infos

    @staticmethod
    def _take_seed(env: StackEnv) -> int:
        seed = env._next_seed
        env._next_seed = (seed + 1) % 2**64
        return seed

    def _add_info(self, infos: Dict[str, Any], info: Dict[str, Any], i: int) -> None:
        # Gymnasium's layout: one array per key over the environments, and a
        # boolean mask "_key" of those that set it.
        for k, v in info.items():
            if k not in infos:
                if isinstance(v, (bool, np.bool_)):
                    infos[k] = np.zeros(self.num_envs, dtype=bool)
                elif isinstance(v, (int, np.integer)):
                    infos[k] = np.zeros(self.num_envs, dtype=np.int64)
                elif isinstance(v, (float, np.floating)):
                    infos[k] = np.zeros(self.num_envs, dtype=np.float64)
                else:
                    infos[k] = np.full(self.num_envs, None, dtype=object)
                infos["_" + k] = np.zeros(self.num_envs, dtype=bool)
            infos[k][i] = v
            infos["_" + k][i] = True

    def render(self) -> Optional[Tuple[np.ndarray, ...]]:
        if self.render_mode is None:
            return None
        return tuple(env.render() for env in self.envs)

    def close(self) -> None:
        for env in self.envs:
            env.close()
        self.closed = True

    def __enter__(self) -> "StackVectorEnv":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def make_vec(id: str = "Stack-v0", num_envs: int = 1, **kwargs: Any) -> StackVectorEnv:
    """num_envs environments, one server process each; keyword arguments go
    to StackEnv."""
    if id not in ENV_IDS:
        raise ValueError(f"unknown environment id {id!r} (want one of {ENV_IDS})")
    return StackVectorEnv(num_envs, **kwargs)
