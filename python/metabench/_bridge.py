"""The client side of `metabench serve` (the protocol is in docs/python.md).

One Client is one server process. Frames are a little-endian uint32 length
and a payload: a uint32 header length, a JSON header, then the raw bytes of
the arrays the header lists (dtype, shape; little-endian, C order).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import struct
import subprocess
import tempfile
import weakref
from pathlib import Path
from typing import Any, Dict, Iterable, Optional, Tuple

import numpy as np

# The newest protocol this package speaks: version 2 holds and steps several
# environments per request (vmake, vreset, vstep, vrender).
PROTOCOL_VERSION = 2

_U32 = struct.Struct("<I")

_DTYPES = {"<f4", "<f8", "<i4", "<i8", "<u8", "|u1"}
_NP_DTYPES = {d: np.dtype(d) for d in _DTYPES}


class ServerError(RuntimeError):
    """The server answered a request with an error (the server goes on)."""


class BridgeClosed(ConnectionError):
    """The server process is gone (killed, crashed or closed)."""


def find_binary(binary: Optional[str] = None) -> str:
    """The metabench binary: the argument, $METABENCH_BIN, `metabench` on
    PATH, or ./metabench at the root of the checkout holding this package."""
    candidates = [binary, os.environ.get("METABENCH_BIN"), shutil.which("metabench")]
    root = Path(__file__).resolve().parents[2] / "metabench"
    candidates.append(str(root) if root.is_file() else None)
    for c in candidates:
        if c:
            if not os.access(c, os.X_OK):
                raise FileNotFoundError(f"metabench binary {c!r} is not an executable file")
            return c
    raise FileNotFoundError(
        "no metabench binary: build it (`make build` at the checkout's root), "
        "put it on PATH, or set METABENCH_BIN")


def _le(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    if a.dtype.byteorder == ">":
        a = a.astype(a.dtype.newbyteorder("<"))
    if a.dtype == np.bool_:
        a = a.astype(np.uint8)
    if a.dtype.str not in _DTYPES:
        raise TypeError(f"array of dtype {a.dtype} cannot cross the bridge (want one of {sorted(_DTYPES)})")
    return a


def encode(header: Dict[str, Any], arrays: Optional[Dict[str, np.ndarray]] = None) -> bytes:
    """One frame: header (a JSON object) and named arrays."""
    header = dict(header)
    parts = []
    specs = []
    for name, a in (arrays or {}).items():
        a = _le(np.asarray(a))
        specs.append({"name": name, "dtype": a.dtype.str, "shape": list(a.shape)})
        parts.append(a.tobytes())
    header["arrays"] = specs
    hdr = json.dumps(header, separators=(",", ":")).encode()
    payload_len = 4 + len(hdr) + sum(len(p) for p in parts)
    return b"".join([struct.pack("<II", payload_len, len(hdr)), hdr, *parts])


class _Layout:
    """A reply header parsed once: its fields and where each array lies."""

    __slots__ = ("header", "arrays", "end")

    def __init__(self, hdr: bytes):
        self.header = json.loads(hdr)
        self.arrays = []
        off = 4 + len(hdr)
        for spec in self.header.get("arrays", ()):
            dt = _NP_DTYPES.get(spec["dtype"]) or np.dtype(spec["dtype"])
            shape = tuple(spec["shape"])
            n = math.prod(shape) * dt.itemsize
            self.arrays.append((spec["name"], dt, shape, off, off + n))
            off += n
        self.end = off

    def read(self, payload: bytearray) -> Tuple[Dict[str, Any], Dict[str, np.ndarray]]:
        if self.end != len(payload):
            raise BridgeClosed(f"reply frame of {len(payload)} bytes, its header describes {self.end}: the stream is out of step")
        view = memoryview(payload)
        arrays = {name: np.frombuffer(view[lo:hi], dtype=dt).reshape(shape)
                  for name, dt, shape, lo, hi in self.arrays}
        return dict(self.header), arrays


def decode(payload: bytearray, cache: Optional[Dict[bytes, _Layout]] = None) -> Tuple[Dict[str, Any], Dict[str, np.ndarray]]:
    """A frame's payload (without its length) as header and arrays; the
    arrays are writable views of payload. With a cache, a header seen
    before is not parsed again: vstep's reply header is the same bytes
    every step between resets, so a step costs no JSON parsing."""
    return layout_of(payload, cache).read(payload)


def layout_of(payload: bytearray, cache: Optional[Dict[bytes, _Layout]] = None) -> _Layout:
    """The layout of a payload's header, from the cache if it was seen."""
    (hlen,) = _U32.unpack_from(payload, 0)
    hdr = bytes(payload[4:4 + hlen])
    layout = cache.get(hdr) if cache is not None else None
    if layout is None:
        layout = _Layout(hdr)
        if cache is not None and hlen <= _LAYOUT_BYTES:
            if len(cache) >= _LAYOUTS:
                cache.clear()
            cache[hdr] = layout
    return layout


# Reply layouts a client remembers: a step's, a reset's of each demo length,
# an error or two; more than that and it starts again. Long headers (a
# dataset's) are parsed every time rather than kept.
_LAYOUTS = 64
_LAYOUT_BYTES = 4096


def _shutdown(proc: subprocess.Popen, err) -> None:
    # Closing stdin is the server's signal to end; a server that does not
    # end promptly is killed, so no process outlives its client.
    try:
        if proc.stdin and not proc.stdin.closed:
            proc.stdin.close()
    except OSError:
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout:
        proc.stdout.close()
    err.close()


class Client:
    """One `metabench serve` process and the requests sent to it."""

    def __init__(self, binary: Optional[str] = None):
        self.binary = find_binary(binary)
        self._err = tempfile.TemporaryFile()
        # A session of its own: a Ctrl-C meant for Python does not end the
        # server under a client that catches KeyboardInterrupt.
        self._proc = subprocess.Popen(
            [self.binary, "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self._err, start_new_session=True)
        self._finalizer = weakref.finalize(self, _shutdown, self._proc, self._err)
        self._pending = 0
        self._layouts: Dict[bytes, _Layout] = {}
        try:
            hello = self.request("hello")
        except ServerError as e:
            self.close()
            raise BridgeClosed(f"the server does not speak protocol {PROTOCOL_VERSION}, this package's ({e}): "
                               "use a metabench binary as new as the package") from None
        if hello.get("protocol") != PROTOCOL_VERSION:
            self.close()
            raise BridgeClosed(f"server speaks protocol {hello.get('protocol')}, this package {PROTOCOL_VERSION}")

    @property
    def pid(self) -> int:
        return self._proc.pid

    def _died(self, what: str) -> BridgeClosed:
        code = self._proc.poll()
        self._err.seek(0)
        tail = self._err.read()[-2000:].decode(errors="replace").strip()
        msg = f"metabench serve (pid {self._proc.pid}) {what}"
        if code is not None:
            msg += f"; exit status {code}"
        if tail:
            msg += f"; stderr: {tail}"
        return BridgeClosed(msg)

    def send(self, op: str, arrays: Optional[Dict[str, np.ndarray]] = None, **fields: Any) -> None:
        """Send a request without waiting for its reply (see recv)."""
        frame = encode({"op": op, "v": PROTOCOL_VERSION, **fields}, arrays)
        self.send_raw(frame)

    def send_raw(self, frame: bytes) -> None:
        """Send bytes as they are (the tests send malformed frames)."""
        if not self._finalizer.alive:
            raise BridgeClosed("the client is closed")
        try:
            self._proc.stdin.write(frame)
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError) as e:
            raise self._died(f"stopped reading requests ({e})") from None
        self._pending += 1

    def _read(self, n: int) -> bytearray:
        buf = bytearray(n)
        view = memoryview(buf)
        got = 0
        while got < n:
            k = self._proc.stdout.readinto(view[got:])
            if not k:
                raise self._died("ended before replying")
            got += k
        return buf

    def recv_raw(self) -> Tuple[Dict[str, Any], Dict[str, np.ndarray]]:
        """The next reply, error replies included."""
        return decode(self._payload(), self._layouts)

    def _payload(self) -> bytearray:
        if not self._finalizer.alive:
            raise BridgeClosed("the client is closed")
        head = self._proc.stdout.read(4)
        if len(head) < 4:
            raise self._died("ended before replying")
        (n,) = _U32.unpack(head)
        self._pending -= 1
        return self._read(n)

    def recv_layout(self) -> Tuple[_Layout, bytearray]:
        """The next reply as its parsed header's layout (shared by every
        reply with the same header bytes) and its payload, for a caller
        that reads the arrays at their offsets; an error reply raises
        ServerError."""
        payload = self._payload()
        layout = layout_of(payload, self._layouts)
        if layout.end != len(payload):
            raise BridgeClosed(f"reply frame of {len(payload)} bytes, its header describes {layout.end}: the stream is out of step")
        if not layout.header.get("ok"):
            raise ServerError(layout.header.get("error", "error reply without a message"))
        return layout, payload

    def recv(self) -> Tuple[Dict[str, Any], Dict[str, np.ndarray]]:
        """The next reply; an error reply raises ServerError."""
        header, arrays = self.recv_raw()
        if not header.get("ok"):
            raise ServerError(header.get("error", "error reply without a message"))
        return header, arrays

    def request(self, op: str, arrays: Optional[Dict[str, np.ndarray]] = None, **fields: Any) -> Dict[str, Any]:
        """Send a request and return its reply header, with the reply's
        arrays under the key "arrays"."""
        self.send(op, arrays, **fields)
        header, out = self.recv()
        header["arrays"] = out
        return header

    def close(self) -> None:
        """End the server (idempotent)."""
        self._finalizer()

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def strings(values: Iterable[str], what: str) -> list:
    out = list(values)
    for i, v in enumerate(out):
        if not isinstance(v, str):
            raise TypeError(f"{what}[{i}] is {type(v).__name__}, want str")
    return out
