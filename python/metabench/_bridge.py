"""The client side of `metabench serve` (the protocol is in docs/python.md).

One Client is one server process. Frames are a little-endian uint32 length
and a payload: a uint32 header length, a JSON header, then the raw bytes of
the arrays the header lists (dtype, shape; little-endian, C order).
"""

from __future__ import annotations

import json
import math
import os
import select
import shutil
import struct
import subprocess
import tempfile
import time
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
    """The metabench binary: the argument, $METABENCH_BIN, ./metabench at the
    root of the checkout holding this package, or `metabench` on PATH.

    The checkout's own binary comes before PATH: it speaks this package's
    protocol, where an installed one may be older."""
    root = Path(__file__).resolve().parents[2] / "metabench"
    candidates = [binary, os.environ.get("METABENCH_BIN"), str(root) if root.is_file() else None,
                  shutil.which("metabench")]
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
    """A reply header parsed once: its fields and where each array lies in
    a frame of it (offsets count from the frame's start, its length field
    included)."""

    __slots__ = ("header", "arrays", "end", "prefix")

    def __init__(self, hdr: bytes):
        self.header = json.loads(hdr)
        self.arrays = []
        off = 8 + len(hdr)
        for spec in self.header.get("arrays", ()):
            dt = _NP_DTYPES.get(spec["dtype"]) or np.dtype(spec["dtype"])
            shape = tuple(spec["shape"])
            count = math.prod(shape)
            self.arrays.append((spec["name"], dt, shape, count, off))
            off += count * dt.itemsize
        self.end = off
        # A frame of this layout starts with these bytes (its length, the
        # header's length and the header), and a frame that starts with them
        # is of this layout: one comparison identifies a repeated reply.
        self.prefix = _U32.pack(off - 4) + _U32.pack(len(hdr)) + hdr

    def read(self, frame: bytearray) -> Tuple[Dict[str, Any], Dict[str, np.ndarray]]:
        if self.end != len(frame):
            raise BridgeClosed(f"reply frame of {len(frame) - 4} bytes, its header describes {self.end - 4}: "
                               "the stream is out of step")
        # np.ndarray over the frame is np.frombuffer's view, reshaped, made
        # in one call.
        arrays = {name: np.ndarray(shape, dt, frame, off) for name, dt, shape, count, off in self.arrays}
        return dict(self.header), arrays


class _Layouts:
    """The reply layouts a client has seen, by header bytes, and the last
    one: vstep's reply header is the same bytes every step between resets,
    so a step's reply costs one prefix comparison instead of a JSON parse."""

    # Layouts remembered: a step's, a reset's of each demo length, an error
    # or two; more than that and it starts again. Long headers (a dataset's)
    # are parsed every time rather than kept.
    MAX = 64
    MAX_HEADER = 4096

    def __init__(self):
        self.by_header: Dict[bytes, _Layout] = {}
        self.last: Optional[_Layout] = None

    def of(self, frame: bytearray) -> _Layout:
        last = self.last
        if last is not None and frame.startswith(last.prefix):
            return last
        if len(frame) < 8:
            raise BridgeClosed(f"reply frame of {len(frame) - 4} bytes has no header length: the stream is out of step")
        (hlen,) = _U32.unpack_from(frame, 4)
        if 8 + hlen > len(frame):
            raise BridgeClosed(f"reply header of {hlen} bytes does not fit its {len(frame) - 4}-byte frame: "
                               "the stream is out of step")
        hdr = bytes(frame[8:8 + hlen])
        layout = self.by_header.get(hdr)
        if layout is None:
            layout = _Layout(hdr)
            if hlen <= self.MAX_HEADER:
                if len(self.by_header) >= self.MAX:
                    self.by_header.clear()
                self.by_header[hdr] = layout
        self.last = layout
        return layout


def decode(frame: bytearray, layouts: Optional[_Layouts] = None) -> Tuple[Dict[str, Any], Dict[str, np.ndarray]]:
    """A frame (its length field included) as header and arrays; the arrays
    are writable views of frame. With layouts, a header seen before is not
    parsed again."""
    return (layouts or _Layouts()).of(frame).read(frame)


# The largest reply a client expects from the size of the last one (see
# Client._frame): allocating the expected size lets one system call read a
# reply, but a buffer is zeroed when made, so a huge reply (a dataset's)
# does not make the next small one pay for its size.
_MAX_HINT = 1 << 20

# Polling for replies (see Client._await): DEFAULT_SPIN_US unless
# METABENCH_SPIN_US says otherwise (0 turns it off); MAX_SPIN_US is the
# server's limit for --spin.
SPIN_ENV = "METABENCH_SPIN_US"
DEFAULT_SPIN_US = 200
MAX_SPIN_US = 10_000
# Polling that does not pay is skipped for up to this many waits: against
# a server always slower than the budget, one budget spent every 1023 steps.
_MAX_BACKOFF = 1023
# A gap between two polls of the loop that says the client lost its CPU
# meanwhile: a poll takes well under a microsecond, a trip through the
# scheduler several.
_LOST_NS = 10_000

_perf_ns = time.perf_counter_ns


def spin_from_env() -> int:
    """The polling budget in microseconds: METABENCH_SPIN_US's, or
    DEFAULT_SPIN_US where it is unset (0: none)."""
    v = os.environ.get(SPIN_ENV, "").strip()
    if not v:
        return DEFAULT_SPIN_US
    try:
        us = int(v)
    except ValueError:
        raise ValueError(f"{SPIN_ENV}={v!r} is not a whole number of microseconds") from None
    if not 0 <= us <= MAX_SPIN_US:
        raise ValueError(f"{SPIN_ENV}={us} is out of range [0, {MAX_SPIN_US}]")
    return us


def _cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


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
    """One `metabench serve` process and the requests sent to it.

    The pipes are unbuffered (raw file objects): a request is one write
    system call, and a reply of the size the last one had is one read
    system call into a buffer of its own, which its arrays then view
    (Python's buffered streams would copy both through their buffers and
    add a layer of calls, the most of a step's cost on the Python side
    after the system calls themselves)."""

    def __init__(self, binary: Optional[str] = None, spin: bool = True):
        """Start a server. With spin (a single environment's client), the
        client and the server poll for each other's messages before a read
        that may sleep (_await); a vector's clients, which wait on several
        servers, do not."""
        self.binary = find_binary(binary)
        # Polling needs a CPU for each side, and poll(2).
        spin_us = spin_from_env() if spin and _cpus() >= 2 and hasattr(select, "poll") else 0
        self._err = tempfile.TemporaryFile()
        # A session of its own: a Ctrl-C meant for Python does not end the
        # server under a client that catches KeyboardInterrupt.
        self._proc = subprocess.Popen(
            [self.binary, "serve", *([f"--spin={spin_us}us"] if spin_us else [])],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self._err, start_new_session=True, bufsize=0)
        self._w, self._r = self._proc.stdin, self._proc.stdout
        # Polling for a step's reply (_await), with the server polling for
        # requests too, unless METABENCH_SPIN_US=0.
        self._spin_ns = 1000 * spin_us
        self._backoff = 0  # waits to skip after the next polling that does not pay
        self._skip = 0  # waits left before polling again
        if spin_us:
            poller = select.poll()
            poller.register(self._r.fileno(), select.POLLIN)
            self._poll = poller.poll
        self._finalizer = weakref.finalize(self, _shutdown, self._proc, self._err)
        self._pending = 0
        self._hint = 4096  # the size of the next reply frame, as far as the last one tells
        self._layouts = _Layouts()
        try:
            hello = self.request("hello")
        except BridgeClosed as e:
            self.close()
            if spin_us and "-spin" in str(e):
                raise BridgeClosed(f"{self.binary} is older than this package (it has no serve --spin): "
                                   "use a metabench binary as new as the package, "
                                   "or set METABENCH_SPIN_US=0") from None
            raise
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
        try:
            n = self._w.write(frame)
            # A blocking pipe takes the whole frame unless a signal cuts the
            # write short.
            while n < len(frame):
                n += self._w.write(memoryview(frame)[n:])
        except ValueError:  # the pipe's file object is closed
            raise BridgeClosed("the client is closed") from None
        except OSError as e:
            raise self._died(f"stopped reading requests ({e})") from None
        self._pending += 1

    def _readinto(self, view) -> int:
        try:
            k = self._r.readinto(view)
        except ValueError:
            raise BridgeClosed("the client is closed") from None
        if not k:
            raise self._died("ended before replying")
        return k

    def _await(self, buf: bytearray) -> Optional[int]:
        """Read the reply to the request just sent into buf, first polling
        the pipe (poll(2) with a zero timeout) for up to the budget of
        METABENCH_SPIN_US, then with a read that may sleep.

        A read that sleeps until the server replies pays for the sleep and
        the wake-up, where a client polling on a core of its own sees the
        request): on the idle 2-core KVM guest it about doubled one
        environment's steps per second (docs/python.md, "Speed"). Where
        the server runs on the
        client's CPU, polling only keeps it from running, so polling that
        does not pay (no reply within the budget, or a gap in the loop that
        says the client lost its CPU) is skipped for the next 1, 3, 7, ...
        waits, up to _MAX_BACKOFF, and polling that pays turns it on for
        every wait again."""
        if self._skip:
            self._skip -= 1
            return self._r.readinto(buf)
        poll = self._poll
        last = t0 = _perf_ns()
        end = t0 + self._spin_ns
        while not poll(0):
            now = _perf_ns()
            if now - last > _LOST_NS or now >= end:
                self._backoff = self._skip = min(2 * self._backoff + 1, _MAX_BACKOFF)
                break
            last = now
        else:
            self._backoff = 0
        return self._r.readinto(buf)

    def _frame(self) -> bytearray:
        """The next reply frame, its length field included, in a bytearray
        of its own (the reply's arrays view it, so it is never reused).

        With one reply pending, the pipe holds nothing after it, so the
        read may ask for as much as the last reply's size: a step's reply,
        the same size every step, takes one system call. With several
        pending, the length is read first, so as not to read into the next
        reply."""
        buf = bytearray(self._hint if self._pending == 1 else 4)
        return self._frame_from(buf, self._readinto(buf))

    def _frame_from(self, buf: bytearray, got: Optional[int]) -> bytearray:
        """_frame, the first read (of got bytes into buf, None if it
        failed) done."""
        if not got:
            got = self._readinto(buf)  # raises why the read failed
        while got < 4:
            got += self._readinto(memoryview(buf)[got:4])
        total = 4 + _U32.unpack_from(buf)[0]
        if got > total:
            raise BridgeClosed(f"{got - total} bytes after a reply of {total - 4} bytes: the stream is out of step")
        if total < len(buf):
            del buf[total:]
        elif total > len(buf):
            whole = bytearray(total)
            whole[:got] = memoryview(buf)[:got]
            buf = whole
        if got < total:
            with memoryview(buf) as view:
                while got < total:
                    got += self._readinto(view[got:])
        self._pending -= 1
        self._hint = min(total, _MAX_HINT)
        return buf

    def recv_raw(self) -> Tuple[Dict[str, Any], Dict[str, np.ndarray]]:
        """The next reply, error replies included."""
        return decode(self._frame(), self._layouts)

    def recv_layout(self) -> Tuple[_Layout, bytearray]:
        """The next reply as its parsed header's layout (shared by every
        reply with the same header bytes) and its frame, for a caller that
        reads the arrays at their offsets; an error reply raises
        ServerError."""
        frame = self._frame()
        return self.layout(frame), frame

    def layout(self, frame: bytearray) -> _Layout:
        """The layout of a reply frame, checked against the frame's length;
        an error reply raises ServerError."""
        layout = self._layouts.of(frame)
        if layout.end != len(frame):
            raise BridgeClosed(f"reply frame of {len(frame) - 4} bytes, its header describes {layout.end - 4}: "
                               "the stream is out of step")
        if not layout.header.get("ok"):
            raise ServerError(layout.header.get("error", "error reply without a message"))
        return layout

    def exchange(self, frame: bytes) -> bytearray:
        """Send a request and return its reply frame unread (the hot path
        of a step: its caller knows the reply's layout).

        The common case is written out here (one write, one read of the
        expected size, which brings the whole reply), as send_raw and
        _frame would do it, without their calls: at a few microseconds a
        step, Python's function calls are a part worth saving. Anything
        else (a short write or read, a reply of another size, a closed or
        dead server) goes the general way."""
        n = 0
        if self._pending == 0:
            try:
                n = self._w.write(frame) or 0
            except (ValueError, OSError):
                pass  # send_raw below says why
            if n == len(frame):
                self._pending = 1
                hint = self._hint
                buf = bytearray(hint)
                try:
                    got = self._await(buf) if self._spin_ns else self._r.readinto(buf)
                except (ValueError, OSError):
                    got = None  # _frame_from reads again and says why
                if got == hint and _U32.unpack_from(buf)[0] + 4 == hint:
                    self._pending = 0
                    return buf
                return self._frame_from(buf, got)
        self.send_raw(memoryview(frame)[n:] if n else frame)
        return self._frame()

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
