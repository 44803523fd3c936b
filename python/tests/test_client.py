"""The client's framing: replies read whole whatever their size and however
many are pending, each in a buffer of its own."""

import numpy as np
import pytest

import metabench


def test_pipelined_requests_are_answered_in_order(binary):
    # Several requests before any reply: the client must not read past the
    # reply it is reading into the next one.
    with metabench.Client() as c:
        c.send("hello")
        c.send("make", task="abc", demo=False, expert=False)
        c.send("reset", seed=3)
        c.send("hello")
        assert c.recv()[0]["protocol"] == metabench.PROTOCOL_VERSION
        assert c.recv()[0]["num_blocks"] == 3
        h, arrays = c.recv()
        assert h["seed"] == 3 and arrays["obs"].shape == (13,)
        assert c.recv()[0]["server"] == "metabench"


def test_replies_of_changing_sizes(binary):
    # A step's reply, then a larger one (a frame, a reset with a
    # demonstration), then steps again: each read sized by the last reply
    # must still take exactly one reply.
    with metabench.make(task="ab", seed=2, render_mode="rgb_array", width=64, height=64) as env:
        obs, info = env.reset()
        for _ in range(3):
            obs, _, _, _, info = env.step(info["expert_action"])
            assert env.render().shape == (64, 64, 3)
        obs, info = env.reset()
        assert len(info["demo_obs"]) > 1
        for _ in range(3):
            obs, _, terminated, truncated, info = env.step(info["expert_action"])
            assert obs.shape == (10,) and not (terminated or truncated)
            assert info["verdict"] == "running" and "expert_action" in info


def test_observations_are_their_own_arrays(binary):
    # Each step's observation is a writable array of its own: a later step
    # does not overwrite an earlier one kept by the caller.
    with metabench.make(task="ab", seed=1, demo=False, expert=False) as env:
        obs, _ = env.reset()
        kept = []
        for k in range(5):
            obs, *_ = env.step(np.array([1.0, -1.0, 0.0]))
            kept.append((obs, obs.copy()))
        for o, copy in kept:
            assert np.array_equal(o, copy)
        assert not np.array_equal(kept[0][0], kept[-1][0])
        obs[0] = 42  # the caller may write into it
        assert obs[0] == 42


def test_client_closed(binary):
    c = metabench.Client()
    c.close()
    assert c.closed
    with pytest.raises(metabench.BridgeClosed, match="closed"):
        c.request("hello")
