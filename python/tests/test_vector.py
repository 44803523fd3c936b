import os
import signal

import numpy as np
import pytest

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


def test_one_server_holds_every_environment(binary):
    with metabench.make_vec(num_envs=4, task="ab", demo=False) as venv:
        assert len(venv.server_pids) == 1 and len(venv.envs) == 4
        assert {e._client.pid for e in venv.envs} == set(venv.server_pids)
        assert venv.metadata["autoreset_mode"] == "NextStep"
        assert venv.single_observation_space.shape == (10,) and venv.observation_space.shape == (4, 10)
        obs, infos = venv.reset(seed=[5, 6, 7, 8])
        assert obs.dtype == np.float32 and list(infos["seed"]) == [5, 6, 7, 8]
        obs, rew, term, trunc, infos = venv.step(venv.action_space.sample())
        assert rew.dtype == np.float64 and term.dtype == trunc.dtype == np.bool_
        assert set(infos["verdict"]) == {"running"} and infos["_verdict"].all()
        assert infos["expert_action"].shape == (4, 3) and infos["_expert_action"].all()
        assert venv.observation_space.contains(obs)


def test_servers_and_expert_actions_match_single_environments(binary):
    # Three environments over two servers, acting on the expert's actions
    # (whose steps move blocks) with demonstrations: the same observations,
    # expert actions and demonstrations as three StackEnvs, bit for bit,
    # through autoresets (a 30-step limit).
    n, steps = 3, 70
    kw = dict(task="abc", time_limit=30, noise=0.1)
    with metabench.make_vec(num_envs=n, servers=2, **kw) as venv:
        assert len(venv.server_pids) == 2
        obs, infos = venv.reset(seed=40)
        hist = [(obs, infos["expert_action"], None, None, None)]
        demos = [infos["demo_obs"]]
        for _ in range(steps):
            # After an end the expert's action is absent (zeros, masked).
            obs, rew, term, trunc, infos = venv.step(infos["expert_action"])
            hist.append((obs, infos["expert_action"], rew, term, trunc))
            demos.append(infos.get("demo_obs"))
            assert (infos["_expert_action"] == ~(term | trunc)).all()
    ends = 0
    for i in range(n):
        with metabench.make(seed=40 + i, **kw) as env:
            o, info = env.reset()
            assert np.array_equal(o, hist[0][0][i]) and np.array_equal(info["expert_action"], hist[0][1][i])
            assert np.array_equal(info["demo_obs"], demos[0][i])
            done = False
            for t in range(1, steps + 1):
                if done:
                    o, info = env.reset()
                    r, te, tr = 0.0, False, False
                    assert np.array_equal(info["demo_obs"], demos[t][i])
                else:
                    o, r, te, tr, info = env.step(info["expert_action"])
                got_o, got_ea, got_r, got_te, got_tr = (h[i] for h in hist[t])
                assert np.array_equal(o, got_o), f"env {i} step {t}"
                assert (r, te, tr) == (got_r, got_te, got_tr), f"env {i} step {t}"
                if "expert_action" in info:
                    assert np.array_equal(info["expert_action"], got_ea)
                done = te or tr
                ends += done
    assert ends > 0, "no episode ended: the autoreset went untested"


def test_vector_render_and_bad_seeds(binary):
    with metabench.make_vec(num_envs=2, task="ab", demo=False, render_mode="rgb_array", width=64, height=64) as venv:
        venv.reset(seed=1)
        frames = venv.render()
        assert len(frames) == 2 and frames[0].shape == (64, 64, 3) and frames[0].dtype == np.uint8
        with pytest.raises(ValueError, match="out of range"):
            venv.reset(seed=[1, -1])
        with pytest.raises(ValueError, match="3 seeds"):
            venv.reset(seed=[1, 2, 3])
        with pytest.raises(ValueError, match="shape"):
            venv.step(np.zeros((3, 3)))
        venv.step(np.zeros((2, 3)))  # still usable


def test_killed_vector_server_is_reported(binary):
    venv = metabench.make_vec(num_envs=3, task="ab", demo=False)
    venv.reset(seed=1)
    os.kill(venv.server_pids[0], signal.SIGKILL)
    with pytest.raises(metabench.BridgeClosed, match="pid"):
        for _ in range(3):  # the first write may still land in the pipe
            venv.step(np.zeros((3, 3)))
    venv.close()
    assert venv.closed


def test_protocol_1_requests_are_still_served(binary):
    # A client written for version 1 (hello, make, reset, step with "v": 1)
    # is answered as before, and hears protocol 1 back from hello.
    with metabench.Client() as c:
        assert c.request("hello", v=1)["protocol"] == 1
        c.request("make", v=1, task="ab", demo=False)
        r = c.request("reset", v=1, seed=3)
        assert r["verdict"] == "running" and r["arrays"]["obs"].shape == (10,)
        r = c.request("step", {"action": np.zeros(3, np.float32)}, v=1)
        assert r["steps"] == 1 and r["reward"] == 0
        with pytest.raises(metabench.ServerError, match="protocol version 2"):
            c.request("vstep", {"action": np.zeros((1, 3), np.float32)}, v=1)
