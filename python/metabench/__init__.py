"""metabench from Python: the block-stacking world as a Gymnasium-style
environment, its demonstration datasets as numpy arrays and HDF5, and the
binary's ECFP featuriser and BLEU. Everything runs in `metabench serve`
processes; the package itself needs only numpy.

    import metabench
    env = metabench.make("Stack-v0", task="abc de", seed=1)
    obs, info = env.reset()
    obs, reward, terminated, truncated, info = env.step(info["expert_action"])
"""

from . import demos
from ._bridge import PROTOCOL_VERSION, BridgeClosed, Client, ServerError, find_binary
from .env import ENV_IDS, StackEnv, make
from .spaces import Box
from .tools import bleu, ecfp
from .vector import StackVectorEnv, make_vec

__version__ = "0.1.0"

__all__ = ["Box", "BridgeClosed", "Client", "ENV_IDS", "PROTOCOL_VERSION", "ServerError", "StackEnv",
           "StackVectorEnv", "bleu", "demos", "ecfp", "find_binary", "make", "make_vec"]


def _register_gymnasium() -> None:
    # Gymnasium is optional (it is not in Debian); where it is installed,
    # gymnasium.make("metabench/Stack-v0") builds the adapter in _gym.
    try:
        import gymnasium
    except ImportError:
        return
    if "metabench/Stack-v0" not in gymnasium.registry:
        gymnasium.register(id="metabench/Stack-v0", entry_point="metabench._gym:GymnasiumStackEnv")


_register_gymnasium()
