"""StackEnv as a gymnasium.Env subclass with gymnasium spaces, for
gymnasium.make("metabench/Stack-v0"); imported only where gymnasium is."""

from __future__ import annotations

from typing import Any

import gymnasium

from .env import StackEnv


class GymnasiumStackEnv(gymnasium.Env):
    metadata = StackEnv.metadata

    def __init__(self, **kwargs: Any):
        self._env = StackEnv(**kwargs)
        self.render_mode = self._env.render_mode
        o, a = self._env.observation_space, self._env.action_space
        self.observation_space = gymnasium.spaces.Box(o.low, o.high, dtype=o.dtype)
        self.action_space = gymnasium.spaces.Box(a.low, a.high, dtype=a.dtype)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return self._env.reset(seed=seed, options=options)

    def step(self, action):
        return self._env.step(action)

    def render(self):
        return self._env.render()

    def close(self):
        self._env.close()
