import json
import subprocess

import numpy as np
import pytest

import metabench


def test_load_matches_the_npz_export(binary, dataset, tmp_path):
    # Two readers of the same dataset: the bridge, and `demos export --npz`.
    ds = metabench.demos.load(dataset)
    assert ds.tasks == ["ab", "abc"] and len(ds) == 4
    npz = tmp_path / "d.npz"
    subprocess.run([binary, "demos", "export", "--npz", str(npz), str(dataset)], check=True, capture_output=True)
    z = np.load(npz)
    for k, task in enumerate(ds.tasks):
        eps = ds.by_task(task)
        p = f"task{k:03d}_"
        os_, as_ = z[p + "obs_starts"], z[p + "action_starts"]
        for e, ep in enumerate(eps):
            assert ep.seed == z[p + "seed"][e] and ep.outcome == z[p + "outcome"][e]
            assert np.array_equal(ep.obs, z[p + "obs"][os_[e]:os_[e + 1]])
            assert np.array_equal(ep.actions, z[p + "actions"][as_[e]:as_[e + 1]])
            assert np.array_equal(ep.expert_actions, z[p + "expert_actions"][as_[e]:as_[e + 1]])
            assert ep.obs.dtype == np.float32 and ep.obs.shape == (ep.steps + 1, 3 * len(task) + 4)


def test_states_replay_the_episode(binary, dataset):
    ds = metabench.demos.load(dataset, states=True)
    for ep in ds:
        n = len(ep.task)
        assert ep.states.shape == (ep.steps + 1, 6 * n + 6)
        # The observation is a function of the state: block offsets from the
        # gripper, and the gripper's position.
        gx, gy = ep.states[:, 6 * n], ep.states[:, 6 * n + 1]
        assert np.allclose(ep.obs[:, 3 * n], gx, atol=1e-5) and np.allclose(ep.obs[:, 3 * n + 1], gy, atol=1e-5)
        assert np.allclose(ep.obs[:, 0], ep.states[:, 0] - gx, atol=1e-4)


def test_hdf5_round_trip(binary, dataset, tmp_path):
    h5py = pytest.importorskip("h5py")
    out = tmp_path / "d.hdf5"
    assert metabench.demos.to_hdf5(dataset, out) == 4
    assert not (tmp_path / "d.hdf5.tmp").exists()
    ds = metabench.demos.load(dataset, states=True)
    with h5py.File(out, "r") as f:
        data = f["data"]
        args = json.loads(data.attrs["env_args"])
        assert args["env_name"] == "metabench/Stack-v0" and args["env_kwargs"]["tasks"] == ["ab", "abc"]
        assert data.attrs["total"] == sum(ep.steps for ep in ds)
        assert sorted(data.keys()) == ["demo_0", "demo_1", "demo_2", "demo_3"]
        assert [m.decode() for m in f["mask/train"][()]] == ["demo_0", "demo_1", "demo_2", "demo_3"]
        for i, ep in enumerate(ds):
            g = data[f"demo_{i}"]
            T = ep.steps
            assert g.attrs["num_samples"] == T and g.attrs["task"] == ep.task and g.attrs["seed"] == ep.seed
            assert np.array_equal(g["actions"][()], ep.actions)
            assert np.array_equal(g["expert_actions"][()], ep.expert_actions)
            assert np.array_equal(g["states"][()], ep.states[:T])
            obs = np.concatenate([g["obs/object"][()], g["obs/gripper"][()]], axis=1)
            nxt = np.concatenate([g["next_obs/object"][()], g["next_obs/gripper"][()]], axis=1)
            assert np.array_equal(obs, ep.obs[:T]) and np.array_equal(nxt, ep.obs[1:])
            assert g["dones"][()].tolist() == [0] * (T - 1) + [1]
            assert g["rewards"][()].sum() == (1 if ep.outcome == "success" else 0)


def test_missing_dataset(binary, tmp_path):
    with pytest.raises(metabench.ServerError, match="nope"):
        metabench.demos.load(tmp_path / "nope")
