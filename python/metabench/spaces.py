"""A Box space with Gymnasium 1.x's interface (shape, dtype, low, high,
seed, sample, contains), so that the package needs only numpy."""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Union

import numpy as np


class Box:
    """The Cartesian product of n closed intervals, as gymnasium.spaces.Box.

    low and high are arrays of `shape` (a scalar is broadcast); -inf/inf
    mark an unbounded side. sample() draws as Gymnasium does: uniform on a
    bounded side pair, shifted exponential on a half-bounded one, normal on
    an unbounded one.
    """

    def __init__(self, low: Union[float, np.ndarray], high: Union[float, np.ndarray],
                 shape: Optional[Sequence[int]] = None, dtype: Any = np.float32,
                 seed: Optional[int] = None):
        self.dtype = np.dtype(dtype)
        if shape is None:
            shape = np.shape(low) if np.ndim(low) > 0 else np.shape(high)
        self._shape = tuple(int(d) for d in shape)
        self.low = np.full(self._shape, low, dtype=self.dtype) if np.ndim(low) == 0 else np.asarray(low, dtype=self.dtype)
        self.high = np.full(self._shape, high, dtype=self.dtype) if np.ndim(high) == 0 else np.asarray(high, dtype=self.dtype)
        if self.low.shape != self._shape or self.high.shape != self._shape:
            raise ValueError(f"low {self.low.shape} and high {self.high.shape} do not have shape {self._shape}")
        if np.any(self.low > self.high):
            raise ValueError("some low bound is above its high bound")
        self.bounded_below = -np.inf < self.low
        self.bounded_above = np.inf > self.high
        self._np_random: Optional[np.random.Generator] = None
        if seed is not None:
            self.seed(seed)

    @property
    def shape(self):
        return self._shape

    @property
    def np_random(self) -> np.random.Generator:
        if self._np_random is None:
            self.seed()
        return self._np_random

    def seed(self, seed: Optional[int] = None) -> List[int]:
        """Reseed the sampler; returns the seeds used, as Gymnasium does."""
        ss = np.random.SeedSequence(seed)
        self._np_random = np.random.Generator(np.random.PCG64(ss))
        return [int(ss.entropy)] if seed is None else [seed]

    def is_bounded(self, manner: str = "both") -> bool:
        below, above = bool(np.all(self.bounded_below)), bool(np.all(self.bounded_above))
        if manner == "both":
            return below and above
        if manner == "below":
            return below
        if manner == "above":
            return above
        raise ValueError(f"manner is {manner!r}, want both, below or above")

    def sample(self, mask: None = None) -> np.ndarray:
        if mask is not None:
            raise ValueError("Box.sample takes no mask")
        rng = self.np_random
        out = np.empty(self._shape, dtype=np.float64)
        lo, hi = self.low.astype(np.float64), self.high.astype(np.float64)
        both = self.bounded_below & self.bounded_above
        below = self.bounded_below & ~self.bounded_above
        above = ~self.bounded_below & self.bounded_above
        neither = ~self.bounded_below & ~self.bounded_above
        out[neither] = rng.normal(size=neither[neither].shape)
        out[below] = lo[below] + rng.exponential(size=below[below].shape)
        out[above] = hi[above] - rng.exponential(size=above[above].shape)
        out[both] = rng.uniform(lo[both], hi[both])
        if self.dtype.kind in "iu":
            out = np.floor(out)
        return np.clip(out, lo, hi).astype(self.dtype)

    def contains(self, x: Any) -> bool:
        if not isinstance(x, np.ndarray):
            try:
                x = np.asarray(x, dtype=self.dtype)
            except (ValueError, TypeError):
                return False
        return bool(np.can_cast(x.dtype, self.dtype) and x.shape == self._shape
                    and np.all(x >= self.low) and np.all(x <= self.high))

    def __contains__(self, x: Any) -> bool:
        return self.contains(x)

    def batched(self, n: int) -> "Box":
        """The space of n stacked elements (a vector environment's)."""
        return Box(np.broadcast_to(self.low, (n,) + self._shape), np.broadcast_to(self.high, (n,) + self._shape),
                   dtype=self.dtype)

    def __eq__(self, other: Any) -> bool:
        return (isinstance(other, Box) and self._shape == other._shape and self.dtype == other.dtype
                and np.array_equal(self.low, other.low) and np.array_equal(self.high, other.high))

    def __repr__(self) -> str:
        return f"Box({self.low.min()}, {self.high.max()}, {self._shape}, {self.dtype})"
