import numpy as np
import pytest

import metabench
from gymcheck import check_env


@pytest.mark.parametrize("render_mode,time_limit", [(None, 0), ("rgb_array", 30)])
def test_contract(binary, render_mode, time_limit):
    env = metabench.make("Stack-v0", task="abc de", seed=1, render_mode=render_mode, time_limit=time_limit)
    done = check_env(env, max_steps=40)
    assert done or time_limit == 0
    assert env.closed


def test_expert_solves_through_the_bridge(binary):
    # The expert's labels in info drive the episode to success: the reward
    # arrives once, on the terminating step.
    with metabench.make("metabench/Stack-v0", task="ab c", seed=4) as env:
        obs, info = env.reset()
        assert info["seed"] == 4 and info["verdict"] == "running"
        demo = info["demo_obs"]
        assert demo.shape[1] == obs.shape[0] and len(info["demo_actions"]) == len(demo) - 1
        total = 0.0
        for _ in range(env.time_limit):
            obs, reward, terminated, truncated, info = env.step(info["expert_action"])
            total += reward
            if terminated or truncated:
                break
        assert (terminated, truncated, info["verdict"], total) == (True, False, "success", 1.0)
        assert "expert_action" not in info
        with pytest.raises(metabench.ServerError, match="episode is over"):
            env.step(np.zeros(3))
        obs, info = env.reset()
        assert info["seed"] == 5  # resets without a seed count on from the last one


def test_observations_match_the_go_recording(binary, dataset):
    # The bridge's episode from a dataset's reset seed, with the dataset's
    # executed actions, reproduces its observations bit for bit.
    ds = metabench.demos.load(dataset)
    ep = ds.episodes[0]
    with metabench.make(task=ep.task, demo=False, expert=False) as env:
        obs, _ = env.reset(seed=ep.seed)
        got = [obs]
        for a in ep.actions:
            obs, *_ = env.step(a)
            got.append(obs)
    assert np.array_equal(np.stack(got), ep.obs)


def test_bad_arguments(binary):
    with pytest.raises(metabench.ServerError, match="task"):
        metabench.make(task="a1")
    with pytest.raises(ValueError, match="unknown environment id"):
        metabench.make("Stack-v9")
    with metabench.make(task="ab", demo=False) as env:
        with pytest.raises(metabench.ServerError, match="send reset"):
            env.step([0, 0, 0])
        env.reset(seed=0)
        with pytest.raises(metabench.ServerError, match="action has 2 values"):
            env.step([0, 0])
        with pytest.raises(metabench.ServerError, match="NaN"):
            env.step([np.nan, 0, 0])
        with pytest.raises(ValueError, match="out of range"):
            env.reset(seed=-1)
        env.step([0, 0, 0])  # the environment is still usable


def test_gymnasium_registration_only_if_importable(binary):
    try:
        import gymnasium
    except ImportError:
        pytest.skip("gymnasium is not installed (it is on PyPI only)")
    env = gymnasium.make("metabench/Stack-v0", task="ab")
    env.reset(seed=1)
    env.close()


def test_render_follows_the_state(binary):
    with metabench.make(task="ab", render_mode="rgb_array", width=160, height=100, demo=False) as env:
        env.reset(seed=2)
        a = env.render().copy()
        assert a.shape == (100, 160, 3) and len(np.unique(a.reshape(-1, 3), axis=0)) > 3
        for _ in range(5):
            env.step([4, 0, 0])  # the gripper moves right
        b = env.render()
        assert not np.array_equal(a, b)
        env.reset(seed=2)
        assert np.array_equal(env.render(), a)  # same state, same frame


def test_in_process_bench(binary):
    with metabench.make(task="abc", demo=False, expert=False) as env:
        r = env.bench(500, seed=1)
        assert r["steps"] == 500 and r["seconds"] > 0
        with pytest.raises(metabench.ServerError, match="out of range"):
            env.bench(0)


def test_policy_actions(binary, tmp_path):
    # noisy-expert:0 is the expert: its actions equal the expert's labels.
    with metabench.make(task="ab c", policy="noisy-expert:0", demo=False) as env:
        obs, info = env.reset(seed=6)
        for _ in range(30):
            assert np.array_equal(info["policy_action"], info["expert_action"])
            obs, _, term, trunc, info = env.step(info["policy_action"])
            if term or trunc:
                break
    with pytest.raises(metabench.ServerError, match="unknown policy"):
        metabench.make(task="ab", policy="oracle")
    # A model trained by `metabench train imitation` acts through the bridge.
    import subprocess
    model = tmp_path / "model"
    subprocess.run([binary, "train", "imitation", "--task", "ab", "--demos", "2", "--steps", "3", "--batch-tasks", "1",
                    "--pairs", "4", "--out", str(model), "--cache", str(tmp_path / "cache"), "--workers", "1"],
                   check=True, capture_output=True)
    with metabench.make(task="ab", policy=f"model:{model}", demo=False, expert=False) as env:
        obs, info = env.reset(seed=1)
        a = info["policy_action"]
        assert a.shape == (3,) and env.action_space.contains(a)
        env.step(a)


def _episode(steps):
    """The expert's episode of "ab c" from seed 4 with noisy actions, as
    (obs, reward, terminated, truncated, verdict, expert action) per step."""
    rng = np.random.default_rng(3)
    out = []
    with metabench.make(task="ab c", seed=4, demo=False) as env:
        obs, info = env.reset()
        for _ in range(steps):
            a = info.get("expert_action", np.zeros(3, np.float32)) + rng.normal(0, 0.3, 3).astype(np.float32)
            obs, r, te, tr, info = env.step(a)
            out.append((obs.tobytes(), r, te, tr, info["verdict"], info.get("expert_action", np.zeros(0)).tobytes()))
            if te or tr:
                obs, info = env.reset()
    return out


def test_spin_changes_no_result(binary, monkeypatch):
    # Polling for replies and requests (METABENCH_SPIN_US) changes when the
    # two sides look at the pipe, nothing that crosses it.
    monkeypatch.setenv("METABENCH_SPIN_US", "0")
    want = _episode(300)
    monkeypatch.delenv("METABENCH_SPIN_US")  # the default budget
    assert _episode(300) == want
    # A budget of 1 µs runs out every time: the backed-off path.
    monkeypatch.setenv("METABENCH_SPIN_US", "1")
    assert _episode(300) == want
    for bad in ("x", "-1", "10001"):
        monkeypatch.setenv("METABENCH_SPIN_US", bad)
        with pytest.raises(ValueError, match="METABENCH_SPIN_US"):
            metabench.make(task="ab")
