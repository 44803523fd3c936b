package bridge

import (
	"bytes"
	"encoding/json"
	"syscall"
	"testing"
	"time"

	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/sim"
)

// cpuTime is the process's user and system CPU time: on a shared machine
// it is inflated less by other processes' load than wall time is.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkStepOverhead compares one environment step through the
// server's request handling (decode, step, encode the reply, with the
// header caches Serve keeps) with the bare step: the Go share of the
// bridge's cost per step. "bridge" is a protocol 1 step, "bridge-vstep" a
// step as the Python client sends it since protocol 2: a vstep of one
// environment, whose reply is arrays only.
func BenchmarkStepOverhead(b *testing.B) {
	frame := func(op string, v int, action Array) []byte {
		var req bytes.Buffer
		if err := WriteMessage(&req, map[string]any{"op": op, "v": v}, action); err != nil {
			b.Fatal(err)
		}
		return req.Bytes()[4:]
	}
	act := []float32{0.5, -0.2, 0}
	through := func(frame []byte) func(b *testing.B) {
		return func(b *testing.B) {
			s := &Server{}
			mk, _ := json.Marshal(map[string]any{"op": "make", "task": "ab"})
			if _, err := s.makeEnv(mk, nil); err != nil {
				b.Fatal(err)
			}
			rs, _ := json.Marshal(map[string]any{"op": "reset", "seed": 1})
			var out bytes.Buffer
			var reqs headerCache
			var m Message
			var reps replyCache
			c0 := cpuTime(b)
			for b.Loop() {
				if s.envs[0].env.Verdict() != stack.Running || !s.envs[0].reset {
					if _, err := s.reset(rs, nil); err != nil {
						b.Fatal(err)
					}
				}
				if err := decodeInto(&m, frame, &reqs); err != nil {
					b.Fatal(err)
				}
				_, rep, err := s.Handle(&m)
				if err != nil {
					b.Fatal(err)
				}
				out.Reset()
				hdr, err := reps.header(nil, "", rep.fields, rep.arrays)
				if err != nil {
					b.Fatal(err)
				}
				if err := writeFrame(&out, hdr, rep.arrays); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime(b)-c0)/float64(b.N), "cpu-ns/op")
		}
	}
	b.Run("bridge", through(frame("step", 1, F32("action", act, 3))))
	b.Run("bridge-vstep", through(frame("vstep", 2, F32("action", act, 1, 3))))
	b.Run("in-process", func(b *testing.B) {
		cfg := sim.DefaultConfig()
		env, err := stack.New(stack.MustParse("ab"), stack.Options{Config: &cfg})
		if err != nil {
			b.Fatal(err)
		}
		var obs []float32
		c0 := cpuTime(b)
		for b.Loop() {
			if env.Verdict() != stack.Running || env.World() == nil {
				if err := env.Reset(1); err != nil {
					b.Fatal(err)
				}
			}
			env.Step(clip(act, cfg))
			obs = env.Observe(obs[:0])
		}
		b.ReportMetric(float64(cpuTime(b)-c0)/float64(b.N), "cpu-ns/op")
	})
}
