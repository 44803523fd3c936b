#!/usr/bin/python3
"""PyTorch CPU reference for `metabench bench nn` (issue 3).

Run:
    /usr/bin/python3 benchmarks/torchref/torch_ref.py [--threads N] [--json]
    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 benchmarks/torchref/torch_ref.py --threads 2

Written for Debian's python3-torch 1.13 (CPU; BLAS = OpenBLAS, convolutions
via oneDNN). Measures training steps per second -- forward, backward and
optimiser step, i.e. zero_grad + loss.backward() + opt.step() -- and float32
matmul GFLOPS. The Go engine must build exactly the same networks; the shapes
are:

(a) MLP, "mlp_steps_per_s"
      x [128, 1024] ~ N(0, 1), y [128, 10] in {0, 1}
      Linear(1024 -> 2000) + ReLU -> Linear(2000 -> 100) + ReLU
      -> 10 sigmoid heads, each Linear(100 -> 1); the heads are computed as
         one Linear(100 -> 10), which is the same function and parameters
      loss = mean binary cross-entropy over the 128x10 logits
             (BCEWithLogitsLoss, i.e. sigmoid + BCE)
      Adam(lr=1e-3); 2,251,110 parameters
(b) attention block, "attention_steps_per_s"
      x [32, 10, 64] ~ N(0, 1), target [32, 10, 64] ~ N(0, 1); d = 64
      q, k, v, o = four Linear(64 -> 64) (with bias), one head
      a = softmax(q k^T / sqrt(64)) over the key axis      [32, 10, 10]
      h = x + o(a v)
      out = h + Linear(256 -> 64)(ReLU(Linear(64 -> 256)(h)))
      loss = MSE(out, target) (mean); Adam(lr=1e-3)
      no masking, no layer norm, no dropout; 49,728 parameters
(c) gated PixelCNN, "pixelcnn_steps_per_s"
      x [16, 1, 28, 28] binary (Bernoulli(0.5)), NCHW
      5 masked 3x3 convolutions, stride 1, padding 1, with bias:
        layer 1: mask A, 1 -> 64 channels;  layers 2-5: mask B, 32 -> 64
        mask A: kernel rows above the centre, and the centre row left of the
                centre; mask B: the same plus the centre tap. (Single-channel
                images, so no colour-channel grouping.) The mask is applied as
                conv2d(x, weight * mask) on every forward pass.
        each conv output [16, 64, 28, 28] is split into channels a = [0, 32)
        and b = [32, 64); gated activation tanh(a) * sigmoid(b) -> 32 channels
        no residual connections, no separate vertical/horizontal stacks
      final 1x1 conv 32 -> 1 (with bias) -> logits [16, 1, 28, 28]
      loss = mean BCEWithLogits(logits, x); Adam(lr=1e-3); 74,657 parameters
      (3x3 rather than 5x5 kernels: the smaller, commoner choice for 28x28)
(d) LSTM, "lstm_steps_per_s"
      nn.LSTMCell(input 64, hidden 64) (bias on both input and hidden
      matmuls, gate order i, f, g, o), batch 32, unrolled 20 steps over
      x [20, 32, 64] ~ N(0, 1) from h = c = 0
      loss = MSE(h_20, target [32, 64] ~ N(0, 1)); Adam(lr=1e-3);
      33,280 parameters
matmul, "matmul_gflops": C = A @ B in float32 (torch.mm with out=), key "N"
      for N x N times N x N with N = 64, 256, 1024, and "64x512x512" for
      (64 x 512) times (512 x 512); GFLOPS = 2*M*K*N / seconds / 1e9.

All inputs are fixed (generated once, seed 0) and excluded from the timing.
Parameters use PyTorch's default initialisation; zero_grad(set_to_none=True).

Timing: each benchmark warms up for ~0.5 s (at least 3 steps), then runs
REPEATS (default 5) timed repeats of a fixed number of steps chosen so that a
repeat lasts about --min-time seconds (default 1.0); the figure reported is the
median repeat. A full run takes about a minute.

Threads (see ../shared/papers.md section 6): torch's own thread pool
(OpenMP; used by oneDNN convolutions and elementwise ops) is always set to 1
with torch.set_num_threads(1), and parallelism comes only from OpenBLAS,
which reads OPENBLAS_NUM_THREADS when torch is imported. Setting both to 2
oversubscribes and runs 4-30x slower. --threads N therefore expects
OPENBLAS_NUM_THREADS=N in the environment; if it is unset the script sets it
itself before importing torch and warns on stderr. The default is 1 thread.

--json prints a single JSON object:
    {"torch_version", "threads", "openblas_num_threads", "mlp_steps_per_s",
     "attention_steps_per_s", "pixelcnn_steps_per_s", "lstm_steps_per_s",
     "transformer_steps_per_s",
     "matmul_gflops": {"64", "256", "1024", "64x512x512"}}
"""

import argparse
import json
import math
import os
import statistics
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=1, help="OpenBLAS threads (default 1)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--repeats", type=int, default=5, help="timed repeats per benchmark (default 5)")
    p.add_argument("--min-time", type=float, default=1.0,
                   help="target seconds per timed repeat (default 1.0)")
    p.add_argument("--only", default="mlp,attention,pixelcnn,lstm,transformer,matmul",
                   help="comma-separated subset of benchmarks")
    args = p.parse_args()
    if args.threads < 1:
        p.error("--threads must be at least 1")
    return args


ARGS = parse_args()


def warn(msg):
    print("torch_ref.py: warning: " + msg, file=sys.stderr)


# OpenBLAS reads its thread count when the library is loaded, i.e. when torch
# is imported: settle the environment first.
_env = os.environ.get("OPENBLAS_NUM_THREADS")
if _env is None:
    if ARGS.threads != 1:
        warn("OPENBLAS_NUM_THREADS is not set; run as OPENBLAS_NUM_THREADS=%d %s --threads %d "
             "(setting it now, before importing torch)" % (ARGS.threads, sys.argv[0], ARGS.threads))
    os.environ["OPENBLAS_NUM_THREADS"] = str(ARGS.threads)
elif _env != str(ARGS.threads):
    warn("OPENBLAS_NUM_THREADS=%s but --threads %d: BLAS will use %s threads"
         % (_env, ARGS.threads, _env))
os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(1)
try:
    torch.set_num_interop_threads(1)
except RuntimeError:
    pass


# ---------------------------------------------------------------- timing

def measure(step, min_time, repeats, unit_count=1):
    """Run step() repeatedly; return the median rate in units per second.

    Warm-up for ~0.5 s (>= 3 calls) also calibrates the number of calls per
    timed repeat so that one repeat lasts about min_time seconds."""
    n, t0 = 0, time.perf_counter()
    while n < 3 or time.perf_counter() - t0 < 0.5:
        step()
        n += 1
    per_call = (time.perf_counter() - t0) / n
    calls = max(3, int(math.ceil(min_time / per_call)))
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(calls):
            step()
        rates.append(calls * unit_count / (time.perf_counter() - t0))
    return statistics.median(rates)


def trainer(model, loss_fn):
    """Return one training step: zero_grad, forward, backward, Adam step."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn()
        loss.backward()
        opt.step()
    return step


# ---------------------------------------------------------------- models

class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(1024, 2000)
        self.l2 = nn.Linear(2000, 100)
        self.heads = nn.Linear(100, 10)  # 10 heads of Linear(100 -> 1)

    def forward(self, x):
        return self.heads(F.relu(self.l2(F.relu(self.l1(x)))))


def bench_mlp():
    model = MLP()
    x = torch.randn(128, 1024)
    y = torch.bernoulli(torch.full((128, 10), 0.5))
    return trainer(model, lambda: F.binary_cross_entropy_with_logits(model(x), y))


class AttentionBlock(nn.Module):
    def __init__(self, d=64, hidden=256):
        super().__init__()
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.m1 = nn.Linear(d, hidden)
        self.m2 = nn.Linear(hidden, d)
        self.scale = 1.0 / math.sqrt(d)

    def forward(self, x):
        q, k, v = self.q(x), self.k(x), self.v(x)
        att = torch.softmax(torch.bmm(q, k.transpose(1, 2)) * self.scale, dim=-1)
        h = x + self.o(torch.bmm(att, v))
        return h + self.m2(F.relu(self.m1(h)))


def bench_attention():
    model = AttentionBlock()
    x = torch.randn(32, 10, 64)
    target = torch.randn(32, 10, 64)
    return trainer(model, lambda: F.mse_loss(model(x), target))


class MaskedConv2d(nn.Conv2d):
    def __init__(self, cin, cout, k, mask_type):
        super().__init__(cin, cout, k, padding=k // 2)
        mask = torch.zeros(k, k)
        c = k // 2
        mask[:c, :] = 1
        mask[c, :c] = 1
        if mask_type == "B":
            mask[c, c] = 1
        self.register_buffer("mask", mask.expand(cout, cin, k, k).clone())

    def forward(self, x):
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


class GatedPixelCNN(nn.Module):
    def __init__(self, channels=32, layers=5, k=3):
        super().__init__()
        convs = [MaskedConv2d(1, 2 * channels, k, "A")]
        convs += [MaskedConv2d(channels, 2 * channels, k, "B") for _ in range(layers - 1)]
        self.convs = nn.ModuleList(convs)
        self.out = nn.Conv2d(channels, 1, 1)
        self.channels = channels

    def forward(self, x):
        h = x
        for conv in self.convs:
            a, b = conv(h).split(self.channels, dim=1)
            h = torch.tanh(a) * torch.sigmoid(b)
        return self.out(h)


def bench_pixelcnn():
    model = GatedPixelCNN()
    x = torch.bernoulli(torch.full((16, 1, 28, 28), 0.5))
    return trainer(model, lambda: F.binary_cross_entropy_with_logits(model(x), x))


def bench_lstm():
    cell = nn.LSTMCell(64, 64)
    xs = torch.randn(20, 32, 64)
    target = torch.randn(32, 64)
    h0 = torch.zeros(32, 64)

    def loss():
        h, c = h0, h0
        for t in range(20):
            h, c = cell(xs[t], (h, c))
        return F.mse_loss(h, target)
    return trainer(cell, loss)


def bench_matmul():
    out = {}
    for key, (m, k, n) in [("64", (64, 64, 64)), ("256", (256, 256, 256)),
                           ("1024", (1024, 1024, 1024)), ("64x512x512", (64, 512, 512))]:
        a, b, c = torch.randn(m, k), torch.randn(k, n), torch.empty(m, n)
        # Batch small products so the Python loop overhead is amortised.
        inner = max(1, int(2e8 // (2 * m * k * n)))

        def step():
            for _ in range(inner):
                torch.mm(a, b, out=c)
        rate = measure(step, ARGS.min_time / 2, ARGS.repeats, unit_count=inner)
        out[key] = rate * 2 * m * k * n / 1e9
    return out


# ---------------------------------------------------------------- main

class Seq2SeqTransformer(nn.Module):
    """(e) the nmt suite's quick-profile Transformer, "transformer_steps_per_s":
    pre-norm encoder-decoder (nn.Transformer, norm_first, GELU, final layer
    norms), d 64, 4 heads, FFN 128, 2+2 layers, no dropout; source embedding
    400 x 64, target embedding 760 x 64 tied to the output layer (the quick
    profile's vocabulary sizes), both scaled by sqrt(64), sinusoidal
    positions; batch 32, 12 source and 10 target tokens, causal decoder
    mask, cross-entropy with label smoothing 0.1."""

    def __init__(self, d=64, heads=4, ff=128, layers=2, src_v=400, tgt_v=760, max_len=16):
        super().__init__()
        self.d = d
        self.src = nn.Embedding(src_v, d)
        self.tgt = nn.Embedding(tgt_v, d)
        self.core = nn.Transformer(d, heads, layers, layers, ff, dropout=0.0, activation="gelu",
                                   batch_first=True, norm_first=True)
        pos = torch.zeros(max_len, d)
        p = torch.arange(max_len, dtype=torch.float32).unsqueeze(1)
        div = torch.pow(10000.0, torch.arange(0, d, 2, dtype=torch.float32) / d)
        pos[:, 0::2] = torch.sin(p / div)
        pos[:, 1::2] = torch.cos(p / div)
        self.register_buffer("pos", pos)

    def forward(self, src, tgt_in, mask):
        s = self.src(src) * math.sqrt(self.d) + self.pos[: src.shape[1]]
        t = self.tgt(tgt_in) * math.sqrt(self.d) + self.pos[: tgt_in.shape[1]]
        h = self.core(s, t, tgt_mask=mask)
        return h @ self.tgt.weight.t()


def bench_transformer():
    model = Seq2SeqTransformer()
    src = torch.randint(4, 400, (32, 12))
    tgt_in = torch.randint(4, 760, (32, 10))
    tgt_out = torch.randint(4, 760, (32, 10))
    mask = torch.triu(torch.full((10, 10), float("-inf")), diagonal=1)

    def loss():
        logits = model(src, tgt_in, mask)
        return F.cross_entropy(logits.reshape(-1, 760), tgt_out.reshape(-1), label_smoothing=0.1)
    return trainer(model, loss)


def main():
    torch.manual_seed(0)
    only = set(ARGS.only.split(","))
    result = {
        "torch_version": torch.__version__,
        "threads": ARGS.threads,
        "openblas_num_threads": int(os.environ["OPENBLAS_NUM_THREADS"]),
    }
    for name, build in [("mlp", bench_mlp), ("attention", bench_attention),
                        ("pixelcnn", bench_pixelcnn), ("lstm", bench_lstm),
                        ("transformer", bench_transformer)]:
        if name in only:
            torch.manual_seed(0)
            result[name + "_steps_per_s"] = measure(build(), ARGS.min_time, ARGS.repeats)
    if "matmul" in only:
        with torch.no_grad():
            result["matmul_gflops"] = bench_matmul()

    if ARGS.json:
        print(json.dumps(result))
        return
    print("torch %s, torch threads %d, OPENBLAS_NUM_THREADS=%s" % (
        result["torch_version"], torch.get_num_threads(), os.environ["OPENBLAS_NUM_THREADS"]))
    for name in ["mlp", "attention", "pixelcnn", "lstm", "transformer"]:
        key = name + "_steps_per_s"
        if key in result:
            print("%-22s %10.1f steps/s" % (name, result[key]))
    for key, v in result.get("matmul_gflops", {}).items():
        print("%-22s %10.1f GFLOPS" % ("matmul " + key, v))


if __name__ == "__main__":
    main()
