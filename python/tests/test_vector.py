import numpy as np

import metabench


def test_vector_matches_single_environments(binary):
    n, steps = 2, 25
    rng = np.random.default_rng(0)
    with metabench.make_vec("Stack-v0", num_envs=n, task="abc", demo=False, time_limit=10) as venv:
        assert venv.observation_space.shape == (n, 13) and venv.action_space.shape == (n, 3)
        assert venv.single_action_space == venv.envs[0].action_space
        obs, infos = venv.reset(seed=7)
        assert obs.shape == (n, 13) and list(infos["seed"]) == [7, 8] and infos["_seed"].all()
        actions = rng.uniform(venv.action_space.low, venv.action_space.high).astype(np.float32)
        history = [(obs, None, None, None)]
        for _ in range(steps):
            obs, rew, term, trunc, infos = venv.step(actions)
            assert venv.observation_space.contains(obs)
            assert rew.shape == term.shape == trunc.shape == (n,)
            history.append((obs, rew, term, trunc))
    # Each column replays as a single environment under Gymnasium's
    # next-step autoreset: the step after an end returns the next episode's
    # first observation with reward 0; each environment counts its own
    # reset seeds on from its first.
    for i in range(n):
        with metabench.make(task="abc", demo=False, time_limit=10) as env:
            o, _ = env.reset(seed=7 + i)
            assert np.array_equal(o, history[0][0][i])
            need_reset = False
            for t in range(1, steps + 1):
                if need_reset:
                    o, _ = env.reset()
                    r, te, tr = 0.0, False, False
                else:
                    o, r, te, tr, _ = env.step(actions[i])
                got_o, got_r, got_te, got_tr = (h[i] for h in history[t])
                assert np.array_equal(o, got_o), f"env {i} step {t}"
                assert (r, te, tr) == (got_r, got_te, got_tr), f"env {i} step {t}"
                need_reset = te or tr
    # With a 10-step limit and 25 steps every environment went through an
    # autoreset, so the check above covered it.
    assert any(h[3][0] for h in history[1:])


def test_vector_error_keeps_streams_in_step(binary):
    with metabench.make_vec(num_envs=2, task="ab", demo=False) as venv:
        venv.reset(seed=1)
        bad = np.zeros((2, 3), dtype=np.float32)
        bad[1, 0] = np.nan
        try:
            venv.step(bad)
        except metabench.ServerError as e:
            assert "environment 1" in str(e)
        else:
            raise AssertionError("a NaN action was accepted")
        obs, *_ = venv.step(np.zeros((2, 3), dtype=np.float32))
        assert obs.shape == (2, 10)


def test_constructor_seed_differs_per_environment(binary):
    with metabench.make_vec(num_envs=2, task="ab", seed=3, demo=False) as venv:
        obs, infos = venv.reset()
        assert list(infos["seed"]) == [3, 4] and not np.array_equal(obs[0], obs[1])
