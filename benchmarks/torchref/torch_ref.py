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
      5 masked convolutions, stride 1, "same" padding, with bias:
        layer 1: 7x7 mask A, 1 -> 64 channels; layers 2-5: 3x3 mask B, 32 -> 64
        mask A: kernel rows above the centre, and the centre row left of the
                centre; mask B: the same plus the centre tap. (Single-channel
                images, so no colour-channel grouping.) The mask is applied as
                conv2d(x, weight * mask) on every forward pass.
        each conv output [16, 64, 28, 28] is split into channels a = [0, 32)
        and b = [32, 64); gated activation tanh(a) * sigmoid(b) -> 32 channels;
        layers 2-5 add their input (residual), as layers.GatedMaskedConv does
        no separate vertical/horizontal stacks
      final 1x1 conv 32 -> 1 (with bias) -> logits [16, 1, 28, 28]
      loss = mean BCEWithLogits(logits, x); Adam(lr=1e-3); 77,217 parameters
      (the network of benchmarks/nnbench's "pixelcnn": layers.NewPixelCNN
      with a 7x7 first kernel)
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
     "matmul_gflops": {"64", "256", "1024", "64x512x512"},
     "real_steps_per_s": {"nmt-ulr", ...} (the suites' real steps, with --data),
     "cpu_steps_per_s": {benchmark: steps per CPU second of the process}}
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
                   help="comma-separated subset of benchmarks; the suites' real steps (nmt-ulr, "
                        "nmt-fomaml, density-gated, density-attention) need --data")
    p.add_argument("--data", help="JSON of the real steps' data, written by `metabench bench nn --torch`")
    p.add_argument("--serve", action="store_true",
                   help="answer timing requests on stdin, one JSON object a line (see serve)")
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
# Subnormal floats: the engine's kernels flush them to zero (FTZ/DAZ, issue
# 23), so PyTorch does too; the real steps (ULR's softmax at temperature
# 0.05, Adam's moments) produce many, and on Intel cores an unflushed
# subnormal costs a microcode assist per operation on either side.
torch.set_flush_denormal(True)
try:
    torch.set_num_interop_threads(1)
except RuntimeError:
    pass


# ---------------------------------------------------------------- timing

CPU_RATES = {}


def measure(step, min_time, repeats, unit_count=1, name=None):
    """Run step() repeatedly; return the median rate in units per second.

    Warm-up for ~0.5 s (>= 3 calls) also calibrates the number of calls per
    timed repeat so that one repeat lasts about min_time seconds. With a
    name, the median rate per second of the process's CPU time is kept in
    CPU_RATES[name] too: on a shared machine it does not count the time
    other processes held the core."""
    n, t0 = 0, time.perf_counter()
    while n < 3 or time.perf_counter() - t0 < 0.5:
        step()
        n += 1
    per_call = (time.perf_counter() - t0) / n
    calls = max(3, int(math.ceil(min_time / per_call)))
    rates, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(calls):
            step()
        rates.append(calls * unit_count / (time.perf_counter() - t0))
        cpu.append(calls * unit_count / max(time.process_time() - c0, 1e-9))
    if name is not None:
        CPU_RATES[name] = statistics.median(cpu)
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
    def __init__(self, channels=32, layers=5, first=7, k=3):
        super().__init__()
        convs = [MaskedConv2d(1, 2 * channels, first, "A")]
        convs += [MaskedConv2d(channels, 2 * channels, k, "B") for _ in range(layers - 1)]
        self.convs = nn.ModuleList(convs)
        self.out = nn.Conv2d(channels, 1, 1)
        self.channels = channels

    def forward(self, x):
        h = x
        for i, conv in enumerate(self.convs):
            a, b = conv(h).split(self.channels, dim=1)
            g = torch.tanh(a) * torch.sigmoid(b)
            h = g + h if i > 0 else g
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



# ---------------------------------------------------------------- the suites' real steps
#
# The same steps as benchmarks/nnbench's real models, on the data the Go
# side drew with the suites' own generators (--data, JSON): token ids and
# aligned embeddings of one synthetic language for nmt, character episodes
# for density. Weights start from PyTorch's initialisation (speed does not
# depend on them).

PAD, BOS, EOS = 0, 1, 2


def sinusoid(n, d):
    pos = torch.zeros(n, d)
    p = torch.arange(n, dtype=torch.float32).unsqueeze(1)
    div = torch.pow(10000.0, torch.arange(0, d, 2, dtype=torch.float32) / d)
    pos[:, 0::2] = torch.sin(p / div)
    pos[:, 1::2] = torch.cos(p / div)
    return pos


class ULRTransformer(nn.Module):
    """The nmt suite's model (agents/nmt): pre-norm Transformer with final
    layer norms, GELU, dropout, target embedding tied to the output layer,
    and the universal lexical representation for source tokens:
    E_lang[x] + softmax(E_Q[x] A Keys^T / temp) U, computed once per
    distinct token (E_lang starts at zero, A at the identity; E_Q and the
    English keys are frozen)."""

    def __init__(self, c):
        super().__init__()
        d, e, vs, vt = c["d"], c["emb_dim"], c["src_vocab"], c["tgt_vocab"]
        self.d, self.temp = d, c["temp"]
        self.E = nn.Parameter(torch.zeros(vs, d))
        self.A = nn.Parameter(torch.eye(e))
        self.U = nn.Parameter(torch.randn(vt - 4, d) / math.sqrt(d))
        self.tgt = nn.Parameter(torch.randn(vt, d) / math.sqrt(d))
        self.register_buffer("EQ", torch.tensor(c["eq"], dtype=torch.float32).view(vs, e))
        self.register_buffer("keys", torch.tensor(c["keys"], dtype=torch.float32).view(vt - 4, e))
        self.register_buffer("pos", sinusoid(c["max_len"], d))
        self.core = nn.Transformer(d, c["heads"], c["layers"], c["layers"], c["ff"], dropout=c["dropout"],
                                   activation="gelu", batch_first=True, norm_first=True)

    def embed_source(self, ids):
        uniq, where = torch.unique(ids, return_inverse=True)
        p = torch.softmax((self.EQ[uniq] @ self.A) @ self.keys.t() / self.temp, dim=-1)
        return self.E[ids] + (p @ self.U)[where]

    def forward(self, src, src_pad, tgt_in, mask):
        s = self.embed_source(src) * math.sqrt(self.d) + self.pos[: src.shape[1]]
        t = F.embedding(tgt_in, self.tgt) * math.sqrt(self.d) + self.pos[: tgt_in.shape[1]]
        h = self.core(s, t, tgt_mask=mask, src_key_padding_mask=src_pad, memory_key_padding_mask=src_pad)
        return h @ self.tgt.t()


def nmt_batch(b):
    """Pads a batch as agents/nmt does: source + EOS, BOS + target as the
    decoder input, target + EOS as the output (padding ignored)."""
    src = [x + [EOS] for x in b["src"]]
    tin = [[BOS] + x for x in b["tgt"]]
    tout = [x + [EOS] for x in b["tgt"]]
    S, T = max(map(len, src)), max(map(len, tin))
    pad = lambda xs, n, v: torch.tensor([x + [v] * (n - len(x)) for x in xs])
    src_t = pad(src, S, PAD)
    mask = torch.triu(torch.full((T, T), float("-inf")), diagonal=1)
    return src_t, src_t == PAD, pad(tin, T, PAD), pad(tout, T, -1), mask


def nmt_loss(model, c, batch):
    src, src_pad, tin, tout, mask = batch
    logits = model(src, src_pad, tin, mask)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tout.reshape(-1), ignore_index=-1,
                           label_smoothing=c["label_smoothing"])


def warmup_inv_sqrt(warmup):
    return lambda step: min(max(step, 1) / warmup, math.sqrt(warmup / max(step, 1)))


def bench_nmt_ulr(data):
    """One multitask training step: loss, backward, clip at norm 1, Adam
    (0.9, 0.98, 1e-9) with the warm-up schedule."""
    c = data["nmt"]
    model = ULRTransformer(c).train()
    batch = nmt_batch(c["batches"][0])
    params = list(model.parameters())
    opt = torch.optim.Adam(params, lr=c["lr"], betas=(0.9, 0.98), eps=1e-9)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, warmup_inv_sqrt(c["warmup"]))

    def step():
        opt.zero_grad(set_to_none=True)
        nmt_loss(model, c, batch).backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
    return step


def bench_nmt_fomaml(data):
    """FOMAML's meta step as agents/nmt runs it: the fast weights start as
    a copy of the saved ones; a fresh Adam takes one step on the support
    batch over the embeddings and the encoder (not U); the gradient of the
    query batch at the adapted weights becomes the saved weights' gradient;
    the outer Adam (without E_lang) steps; E_lang is reset to zero."""
    c = data["nmt"]
    model, fast = ULRTransformer(c).train(), ULRTransformer(c).train()
    support, query = nmt_batch(c["batches"][0]), nmt_batch(c["batches"][1])
    names = [n for n, _ in model.named_parameters()]
    saved = dict(model.named_parameters())
    fastp = dict(fast.named_parameters())
    inner = [fastp[n] for n in names if n in ("E", "A") or n.startswith("core.encoder.")]
    shared = [saved[n] for n in names if n != "E"]
    opt = torch.optim.Adam(shared, lr=c["lr"], betas=(0.9, 0.98), eps=1e-9)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, warmup_inv_sqrt(c["warmup"]))

    def step():
        with torch.no_grad():
            for n in names:
                fastp[n].copy_(saved[n])
        fast.zero_grad(set_to_none=True)
        nmt_loss(fast, c, support).backward()
        torch.optim.Adam(inner, lr=c["inner_lr"], betas=(0.9, 0.98), eps=1e-9).step()
        fast.zero_grad(set_to_none=True)
        nmt_loss(fast, c, query).backward()
        for n in names:
            saved[n].grad = fastp[n].grad
        torch.nn.utils.clip_grad_norm_(shared, 1.0)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        with torch.no_grad():
            model.E.zero_()
        model.E.grad = None
    return step


POS_FEATURES = 14


def positions(h, w, y0, rows):
    """agents/density's position channels [14, rows*w]: x, y in [-1, 1] and
    sin, cos of pi*f*x and pi*f*y for f = 1, 2, 4."""
    fx = (2 * (torch.arange(w, dtype=torch.float64) + 0.5) / w - 1).expand(rows, w)
    fy = (2 * (torch.arange(y0, y0 + rows, dtype=torch.float64) + 0.5) / h - 1).unsqueeze(1).expand(rows, w)
    f = [fx, fy]
    for k in (1, 2, 4):
        f += [torch.sin(math.pi * k * fx), torch.cos(math.pi * k * fx),
              torch.sin(math.pi * k * fy), torch.cos(math.pi * k * fy)]
    return torch.stack(f).reshape(POS_FEATURES, rows * w).float()


class DensityPixelCNN(nn.Module):
    """agents/density's gated PixelCNN with vertical and horizontal stacks
    (no blind spot), conditioned on a support vector ("conditional") or
    attending over support positions in every layer but the first
    ("attention"); support encoder of two 3x3 convolutions with 2x2 average
    pooling between them."""

    def __init__(self, c):
        super().__init__()
        self.c = c
        Fc, E, k, cond = c["channels"], c["enc_channels"], c["first_kernel"], c["kind"] == "conditional"
        self.att = c["kind"] == "attention"
        self.v, self.h, self.link, self.out = (nn.ModuleList() for _ in range(4))
        self.condv, self.condh = nn.ModuleList(), nn.ModuleList()
        self.attq, self.attk, self.attv, self.atto = (nn.ModuleList() for _ in range(4))
        self.qpos = nn.ParameterList()
        for l in range(c["layers"]):
            cin, kk = (1, k) if l == 0 else (Fc, 3)
            self.v.append(nn.Conv2d(cin, 2 * Fc, (kk // 2 + 1, kk)))
            self.h.append(nn.Conv2d(cin, 2 * Fc, (1, kk // 2 if l == 0 else kk // 2 + 1)))
            self.link.append(nn.Conv2d(Fc, 2 * Fc, 1))
            self.out.append(nn.Conv2d(Fc, Fc, 1))
            if cond:
                self.condv.append(nn.Linear(c["cond_dim"], 2 * Fc, bias=False))
                self.condh.append(nn.Linear(c["cond_dim"], 2 * Fc, bias=False))
            if self.att and l > 0:
                self.attq.append(nn.Conv2d(Fc, c["key_dim"], 1))
                self.attk.append(nn.Conv2d(E + POS_FEATURES, c["key_dim"], 1))
                self.attv.append(nn.Conv2d(E + POS_FEATURES, Fc, 1))
                self.atto.append(nn.Conv2d(Fc, 2 * Fc, 1))
                self.qpos.append(nn.Parameter(torch.empty(c["key_dim"], POS_FEATURES).uniform_(-0.25, 0.25)))
        self.head1, self.head2 = nn.Conv2d(Fc, Fc, 1), nn.Conv2d(Fc, 1, 1)
        self.enc1 = nn.Conv2d(1, E, 3, padding=1, bias=not cond)
        self.enc2 = nn.Conv2d(E, E, 3, padding=1, bias=not cond)
        ph, pw = c["h"] // c["pool"], c["w"] // c["pool"]
        if cond:
            self.encfc = nn.Linear(E * ph * pw, c["cond_dim"], bias=False)
        self.register_buffer("spos", positions(ph, pw, 0, ph).reshape(1, POS_FEATURES, ph, pw))
        self.register_buffer("qposc", positions(c["h"], c["w"], 0, c["h"]))

    def encode(self, support, b, k):
        c = self.c
        e = F.relu(self.enc1(support.reshape(b * k, 1, c["h"], c["w"])))
        if c["pool"] == 2:
            e = F.avg_pool2d(e, 2)
        e = F.relu(self.enc2(e))
        if not self.att:
            v = self.encfc(e.flatten(1)).reshape(b, k, -1).mean(1)
            return F.layer_norm(v, (v.shape[1],), eps=1e-5), None, None
        p = e.shape[2] * e.shape[3]
        feat = torch.cat([e, self.spos.expand(b * k, -1, -1, -1)], 1)
        em = lambda t: t.reshape(b, k, t.shape[1], p).transpose(1, 2).reshape(b, t.shape[1], k * p)
        keys = [em(f(feat)) for f in self.attk]
        vals = [em(f(feat)) for f in self.attv]
        return None, keys, vals

    def forward(self, x, support, b, k):
        cond, keys, vals = self.encode(support, b, k)
        rows, w, d = x.shape[2], x.shape[3], self.c["key_dim"]
        vs, v = [], x
        for l, conv in enumerate(self.v):
            kk = conv.kernel_size[1]
            if l == 0:
                pre = conv(F.pad(v, (kk // 2, kk // 2, kk // 2 + 1, 0)))[:, :, :rows]
            else:
                pre = conv(F.pad(v, (kk // 2, kk // 2, kk // 2, 0)))
            if cond is not None:
                pre = pre + self.condv[l](cond)[:, :, None, None]
            a, g = pre.chunk(2, 1)
            v = torch.tanh(a) * torch.sigmoid(g)
            vs.append(v)
        h = x
        for l, conv in enumerate(self.h):
            kw = conv.kernel_size[1]
            if l == 0:
                pre = conv(F.pad(h, (kw, 0, 0, 0)))[..., :w]
            else:
                pre = conv(F.pad(h, (kw - 1, 0, 0, 0)))
            pre = pre + self.link[l](vs[l])
            if cond is not None:
                pre = pre + self.condh[l](cond)[:, :, None, None]
            if self.att and l > 0:
                q = self.attq[l - 1](h).reshape(b, d, rows * w) + self.qpos[l - 1] @ self.qposc
                wts = torch.softmax(q.transpose(1, 2) @ keys[l - 1] / math.sqrt(d), dim=2)
                read = vals[l - 1] @ wts.transpose(1, 2)
                pre = pre + self.atto[l - 1](read.reshape(b, -1, rows, w))
            a, g = pre.chunk(2, 1)
            o = self.out[l](torch.tanh(a) * torch.sigmoid(g))
            h = o + h if l > 0 else o
        return self.head2(F.relu(self.head1(F.relu(h))))


def bench_density(data, name):
    """One training step of the density suite's model on a batch of B
    episodes with k support images: mean BCE over the targets' pixels,
    clip at norm 1, Adam."""
    c = data["density"][name]
    cfg = c["config"]
    model = DensityPixelCNN(cfg)
    b, k = c["b"], c["k"]
    x = torch.tensor(c["targets"], dtype=torch.float32).reshape(b, 1, cfg["h"], cfg["w"])
    support = torch.tensor(c["support"], dtype=torch.float32)
    params = list(model.parameters())
    opt = torch.optim.Adam(params, lr=c["lr"])

    def step():
        opt.zero_grad(set_to_none=True)
        F.binary_cross_entropy_with_logits(model(x, support, b, k), x).backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
    return step



POS_DIM, ROBOT_DIM = 7, 4
FEAT_DIM = POS_DIM + ROBOT_DIM
NUM_QUERIES = 2


def log_scale(v):
    return torch.sign(v) * torch.log1p(v.abs() / 0.01) / 4


def block_features(obs, B):
    """agents/imitation's per-block features [rows, B, 11]: dx, dy, tilt,
    their signed log scales (dx, dy, dy+0.5, dy+1.5), robot state."""
    blocks = obs[:, : 3 * B].reshape(-1, B, 3)
    dx, dy = blocks[..., 0], blocks[..., 1]
    rob = obs[:, 3 * B: 3 * B + ROBOT_DIM].unsqueeze(1).expand(-1, B, -1)
    return torch.cat([blocks, torch.stack([log_scale(dx), log_scale(dy), log_scale(dy + 0.5),
                                           log_scale(dy + 1.5)], -1), rob], -1)


class Bahdanau(nn.Module):
    def __init__(self, q_in, c_in, att, heads):
        super().__init__()
        self.q, self.c = nn.Linear(q_in, att), nn.Linear(c_in, att, bias=False)
        self.v = nn.Parameter(torch.empty(att, heads).uniform_(-1 / math.sqrt(att), 1 / math.sqrt(att)))


class Neighbourhood(nn.Module):
    """Every block attends over the blocks of its frame (additive
    attention, memory = position and hidden state)."""

    def __init__(self, d_in, mem_in, att, heads, out):
        super().__init__()
        self.att, self.heads = Bahdanau(d_in, d_in, att, heads), heads
        self.out = nn.Linear(d_in + heads * (POS_DIM + mem_in) + FEAT_DIM, out)

    def forward(self, x, mem, feat, pos):
        N, B, _ = x.shape
        s = torch.tanh(self.att.q(x).unsqueeze(2) + self.att.c(x).unsqueeze(1))  # [N,B,B,A]
        alpha = torch.softmax((s @ self.att.v).permute(0, 3, 1, 2), -1)  # [N,H,B,B]
        m = torch.cat([pos, mem], 2)
        res = torch.bmm(alpha.reshape(N, self.heads * B, B), m)
        res = res.reshape(N, self.heads, B, -1).transpose(1, 2).reshape(N, B, -1)
        return self.out(torch.cat([x, res, feat], 2))


class OneShotImitation(nn.Module):
    """agents/imitation's network: demonstration network (neighbourhood
    attention and causal dilated temporal convolutions), context network
    (temporal and spatial attention, untied LSTM steps, fixed queries over
    the blocks) and the manipulation MLP with weight normalisation."""

    def __init__(self, a, n_logits):
        super().__init__()
        D, A, H = a["width"], a["att_dim"], a["heads"]
        self.a = a
        self.demo_in = nn.Linear(FEAT_DIM, D)
        self.demo_att = nn.ModuleList(Neighbourhood(D, D, A, H, D) for _ in a["dilations"])
        self.demo_conv = nn.ModuleList(nn.Linear(2 * (D + FEAT_DIM), D) for _ in a["dilations"])
        self.ctx_in = nn.Linear(FEAT_DIM, D)
        self.temp_att = nn.ModuleList(Bahdanau(D, D, A, H) for _ in range(a["ctx_steps"]))
        self.space_att = nn.ModuleList(Neighbourhood(D + H * D, D, A, H, D) for _ in range(a["ctx_steps"]))
        self.lstm = nn.ModuleList(nn.LSTMCell(H * D + D + FEAT_DIM, D) for _ in range(a["ctx_steps"]))
        self.final_key = nn.Linear(D, A)
        self.final_q = nn.Parameter(torch.empty(NUM_QUERIES, A).uniform_(-1, 1))
        self.final_v = nn.Parameter(torch.empty(A, H).uniform_(-1 / math.sqrt(A), 1 / math.sqrt(A)))
        n = ROBOT_DIM + NUM_QUERIES * H * POS_DIM + (NUM_QUERIES * H * D if a["read_hidden"] else 0)
        mlp = []
        for w in a["hidden"] + [n_logits]:
            lin = nn.Linear(n, w)
            mlp.append(torch.nn.utils.weight_norm(lin) if a["weight_norm"] else lin)
            n = w
        self.mlp = nn.ModuleList(mlp)

    def demo_embedding(self, frames, B):
        feat = block_features(frames, B)
        pos = feat[..., :POS_DIM]
        h = self.demo_in(feat)
        for att, conv, d in zip(self.demo_att, self.demo_conv, self.a["dilations"]):
            r = F.relu(h)
            x = torch.cat([att(r, r, feat, pos), feat], 2)
            T = x.shape[0]
            shifted = torch.cat([x.new_zeros((min(d, T),) + x.shape[1:]), x[: max(T - d, 0)]], 0)
            h = h + F.relu(conv(torch.cat([shifted, x], 2)))
        return h

    def logits(self, emb, obs, B):
        K, T = obs.shape[0], emb.shape[0]
        D, H = self.a["width"], self.a["heads"]
        feat = block_features(obs, B)
        pos, rob = feat[..., :POS_DIM], feat[:, 0, POS_DIM:]
        h, c = self.ctx_in(feat), None
        emb_flat = emb.reshape(T, B * D)
        for ta, sa, cell in zip(self.temp_att, self.space_att, self.lstm):
            sc = torch.tanh(ta.q(h).unsqueeze(1) + ta.c(emb).unsqueeze(0))  # [K,T,B,A]
            alpha = torch.softmax((sc @ ta.v).sum(2).transpose(1, 2), -1)  # [K,H,T]
            read = (alpha.reshape(K * H, T) @ emb_flat).reshape(K, H, B, D).transpose(1, 2).reshape(K, B, H * D)
            sp = sa(torch.cat([h, read], 2), h, feat, pos)
            inp = torch.cat([read, sp, feat], 2).reshape(K * B, -1)
            hc = (h.reshape(K * B, D), c if c is not None else h.new_zeros(K * B, D))
            hf, c = cell(inp, hc)
            h = hf.reshape(K, B, D)
        key = self.final_key(h)
        sc = torch.tanh(key.unsqueeze(1) + self.final_q.reshape(1, NUM_QUERIES, 1, -1))  # [K,Q,B,A]
        al = torch.softmax((sc @ self.final_v).transpose(2, 3), -1).reshape(K, NUM_QUERIES * H, B)
        parts = [rob, torch.bmm(al, pos).reshape(K, -1)]
        if self.a["read_hidden"]:
            parts.append(torch.bmm(al, h).reshape(K, -1))
        z = torch.cat(parts, 1)
        for i, lin in enumerate(self.mlp):
            z = lin(z)
            if i < len(self.mlp) - 1:
                z = F.relu(z)
        return z


def bench_imitation(data):
    """The BC step of imitation.Trainer: per step, 8 tasks; per task one
    demonstration conditions (temporal dropout keeps the last frame and a
    random subset, floor(n(1-p)) frames, at least 2) and 16 (observation,
    action) pairs come from another; mean cross-entropy over the joint
    action, clip at norm 10, Adamax. Batches are drawn from the same
    demonstrations with the same distribution (Python's generator)."""
    import random
    c = data["imitation"]
    a, nb = c["arch"], c["speed_bins"]
    model = OneShotImitation(a, c["num_logits"])
    tasks = []
    for t in c["tasks"]:
        demos = [(torch.tensor(o, dtype=torch.float32), torch.tensor([(x * nb + y) * 2 + g for x, y, g in l]))
                 for o, l in zip(t["obs"], t["labels"])]
        tasks.append((t["blocks"], demos))
    params = list(model.parameters())
    opt = torch.optim.Adamax(params, lr=c["lr"], betas=(0.9, 0.999), eps=1e-8)
    rng = random.Random(0)

    def step():
        opt.zero_grad(set_to_none=True)
        total = 0
        chosen = rng.sample(range(len(tasks)), min(c["tasks_per_batch"], len(tasks)))
        for ti in chosen:
            B, demos = tasks[ti]
            i, j = rng.sample(range(len(demos)), 2)
            obs, _ = demos[i]
            n = obs.shape[0]
            k = min(n, max(int(math.floor(n * (1 - a["drop_p"]))), 2))
            idx = sorted(rng.sample(range(n - 1), k - 1)) + [n - 1]
            emb = model.demo_embedding(obs[idx], B)
            iobs, ilab = demos[j]
            rows = [rng.randrange(ilab.shape[0]) for _ in range(c["pairs_per_task"])]
            total = total + F.cross_entropy(model.logits(emb, iobs[rows], B), ilab[rows])
        (total / len(chosen)).backward()
        torch.nn.utils.clip_grad_norm_(params, c["clip_norm"])
        opt.step()
    return step

REAL = {
    "nmt-ulr": bench_nmt_ulr,
    "nmt-fomaml": bench_nmt_fomaml,
    "density-gated": lambda d: bench_density(d, "density-gated"),
    "density-attention": lambda d: bench_density(d, "density-attention"),
    "imitation-bc": bench_imitation,
}

SYNTHETIC = {"mlp": bench_mlp, "attention": bench_attention, "pixelcnn": bench_pixelcnn,
             "lstm": bench_lstm, "transformer": bench_transformer}


def serve():
    """Timing server for `metabench bench nn --torch`, which alternates
    short timed runs of the engine and of PyTorch on the same model so that
    both meet the same load on a shared machine. It first prints
    {"torch_version", "threads", "openblas_num_threads"}; then for each
    request line {"bench": name, "seconds": s} it builds the benchmark on
    first use (seed 0) and warms it up (0.5 s, at least 3 steps), runs steps
    for at least s seconds (at least one step) and prints {"bench", "calls",
    "wall", "cpu"}: steps run, and wall and process CPU seconds they took."""
    data = None
    if ARGS.data:
        with open(ARGS.data) as f:
            data = json.load(f)
    print(json.dumps({"torch_version": torch.__version__, "threads": ARGS.threads,
                      "openblas_num_threads": int(os.environ["OPENBLAS_NUM_THREADS"])}), flush=True)
    steps = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        name = req["bench"]
        if name not in steps:
            torch.manual_seed(0)
            if name in SYNTHETIC:
                steps[name] = SYNTHETIC[name]()
            elif name in REAL:
                if data is None:
                    sys.exit("torch_ref.py: %s needs --data" % name)
                steps[name] = REAL[name](data)
            else:
                sys.exit("torch_ref.py: unknown benchmark %s" % name)
            n, t0 = 0, time.perf_counter()
            while n < 3 or time.perf_counter() - t0 < 0.5:
                steps[name]()
                n += 1
        step, calls = steps[name], 0
        t0, c0 = time.perf_counter(), time.process_time()
        while calls < 1 or time.perf_counter() - t0 < req["seconds"]:
            step()
            calls += 1
        print(json.dumps({"bench": name, "calls": calls, "wall": time.perf_counter() - t0,
                          "cpu": time.process_time() - c0}), flush=True)


def main():
    if ARGS.serve:
        serve()
        return
    torch.manual_seed(0)
    only = set(ARGS.only.split(","))
    unknown = only - {"mlp", "attention", "pixelcnn", "lstm", "transformer", "matmul"} - set(REAL)
    if unknown:
        sys.exit("torch_ref.py: unknown benchmark(s) %s" % ", ".join(sorted(unknown)))
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
            result[name + "_steps_per_s"] = measure(build(), ARGS.min_time, ARGS.repeats, name=name)
    real = [n for n in REAL if n in only]
    if real:
        if not ARGS.data:
            sys.exit("torch_ref.py: %s need --data" % ", ".join(real))
        with open(ARGS.data) as f:
            data = json.load(f)
        result["real_steps_per_s"] = {}
        for name in real:
            torch.manual_seed(0)
            result["real_steps_per_s"][name] = measure(REAL[name](data), ARGS.min_time, ARGS.repeats, name=name)
    if "matmul" in only:
        with torch.no_grad():
            result["matmul_gflops"] = bench_matmul()
    if CPU_RATES:
        result["cpu_steps_per_s"] = CPU_RATES

    if ARGS.json:
        print(json.dumps(result))
        return
    print("torch %s, torch threads %d, OPENBLAS_NUM_THREADS=%s" % (
        result["torch_version"], torch.get_num_threads(), os.environ["OPENBLAS_NUM_THREADS"]))
    for name in ["mlp", "attention", "pixelcnn", "lstm", "transformer"]:
        key = name + "_steps_per_s"
        if key in result:
            print("%-22s %10.1f steps/s" % (name, result[key]))
    for name, v in result.get("real_steps_per_s", {}).items():
        print("%-22s %10.1f steps/s" % (name, v))
    for key, v in result.get("matmul_gflops", {}).items():
        print("%-22s %10.1f GFLOPS" % ("matmul " + key, v))


if __name__ == "__main__":
    main()
