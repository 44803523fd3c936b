"""An environment checker written from Gymnasium 1.x's documented rules
(gymnasium.utils.env_checker and the Env/Space reference), since gymnasium
itself cannot be installed here. Each check raises AssertionError naming the
rule it found broken."""

import numpy as np


def check_space(space, name):
    for attr in ("shape", "dtype", "low", "high", "sample", "contains", "seed"):
        assert hasattr(space, attr), f"{name} has no {attr}"
    assert isinstance(space.shape, tuple), f"{name}.shape is not a tuple"
    assert space.low.shape == space.shape and space.high.shape == space.shape, f"{name}: low/high shape"
    assert space.low.dtype == space.dtype and space.high.dtype == space.dtype, f"{name}: low/high dtype"
    # Seeding a space makes its samples reproducible.
    space.seed(11)
    a = [space.sample() for _ in range(5)]
    space.seed(11)
    b = [space.sample() for _ in range(5)]
    assert all(np.array_equal(x, y) for x, y in zip(a, b)), f"{name}: seeded samples differ"
    for x in a:
        assert space.contains(x), f"{name}.sample() returned {x}, not in the space"
        assert x.dtype == space.dtype and x.shape == space.shape, f"{name}.sample() dtype/shape"
    assert not space.contains(np.zeros(space.shape + (1,), dtype=space.dtype)), f"{name} contains a wrong shape"


def check_obs(obs, space, where):
    assert isinstance(obs, np.ndarray), f"{where}: observation is {type(obs).__name__}, not an ndarray"
    assert obs.dtype == space.dtype, f"{where}: observation dtype {obs.dtype}, space {space.dtype}"
    assert obs.shape == space.shape, f"{where}: observation shape {obs.shape}, space {space.shape}"
    assert space.contains(obs), f"{where}: observation not in observation_space"


def check_env(env, seed=123, max_steps=400):
    """Gymnasium's rules for an environment: spaces, reset(seed=, options=)
    returning (obs, info) and reproducible under a seed, step returning a
    5-tuple of the documented types, render per render_mode, close."""
    check_space(env.observation_space, "observation_space")
    check_space(env.action_space, "action_space")
    import inspect
    params = inspect.signature(env.reset).parameters
    assert "seed" in params and "options" in params, "reset must take seed= and options="
    assert all(params[p].kind == inspect.Parameter.KEYWORD_ONLY for p in ("seed", "options")), \
        "reset's seed and options are keyword-only"

    r = env.reset(seed=seed)
    assert isinstance(r, tuple) and len(r) == 2, "reset returns (obs, info)"
    obs1, info = r
    check_obs(obs1, env.observation_space, "reset")
    assert isinstance(info, dict), "reset's info is a dict"
    obs2, _ = env.reset(seed=seed)
    assert np.array_equal(obs1, obs2), "reset(seed=s) twice gives different observations"
    env.reset(seed=seed + 1)
    obs3, _ = env.reset(seed=seed)
    assert np.array_equal(obs1, obs3), "reset(seed=s) is not reproducible after other episodes"
    env.reset()  # a reset without a seed must work

    env.action_space.seed(seed)
    obs, _ = env.reset(seed=seed)
    done = False
    for _ in range(max_steps):
        r = env.step(env.action_space.sample())
        assert isinstance(r, tuple) and len(r) == 5, "step returns (obs, reward, terminated, truncated, info)"
        obs, reward, terminated, truncated, info = r
        check_obs(obs, env.observation_space, "step")
        assert isinstance(reward, (float, int, np.floating, np.integer)) and not isinstance(reward, bool), \
            f"reward is {type(reward).__name__}"
        assert np.isfinite(reward), "reward is not finite"
        assert isinstance(terminated, (bool, np.bool_)), "terminated is not a bool"
        assert isinstance(truncated, (bool, np.bool_)), "truncated is not a bool"
        assert isinstance(info, dict), "step's info is a dict"
        if terminated or truncated:
            done = True
            break

    mode = getattr(env, "render_mode", None)
    assert mode is None or mode in env.metadata["render_modes"], "render_mode not in metadata"
    if mode == "rgb_array":
        frame = env.render()
        assert isinstance(frame, np.ndarray) and frame.dtype == np.uint8, "rgb_array frame is a uint8 array"
        assert frame.ndim == 3 and frame.shape[2] == 3, f"rgb_array frame has shape {frame.shape}"
    env.close()
    env.close()  # close is idempotent
    return done
