package bridge

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// call sends one request to s and returns its reply (header fields decoded
// into a map, arrays by name) or the error reply's message.
func call(t *testing.T, s *Server, header map[string]any, arrays ...Array) (map[string]any, map[string]Array, error) {
	t.Helper()
	var b bytes.Buffer
	if err := WriteMessage(&b, header, arrays...); err != nil {
		t.Fatal(err)
	}
	m, err := DecodePayload(b.Bytes()[4:])
	if err != nil {
		t.Fatal(err)
	}
	_, rep, err := s.Handle(m)
	if err != nil {
		return nil, nil, err
	}
	hdr, err := replyHeader(nil, "", rep.fields, rep.arrays)
	if err != nil {
		t.Fatal(err)
	}
	h := map[string]any{}
	if err := json.Unmarshal(hdr, &h); err != nil {
		t.Fatal(err)
	}
	out := map[string]Array{}
	for _, a := range rep.arrays {
		out[a.Name] = a
	}
	return h, out, nil
}

func mustCall(t *testing.T, s *Server, header map[string]any, arrays ...Array) (map[string]any, map[string]Array) {
	t.Helper()
	h, a, err := call(t, s, header, arrays...)
	if err != nil {
		t.Fatalf("%v: %v", header["op"], err)
	}
	return h, a
}

// row returns the bytes of row i of a batched array.
func row(a Array, i int) []byte {
	n := len(a.Data) / a.Shape[0]
	return a.Data[i*n : (i+1)*n]
}

// TestVectorMatchesSingleEnvironments steps environments through vmake,
// vreset and vstep (with autoresets mid-run) and each alone through make,
// reset and step in servers of their own, with the same seeds and actions:
// every observation, reward, flag, counter, expert action and
// demonstration must be the same bits, although the vector's environments
// step on several goroutines.
func TestVectorMatchesSingleEnvironments(t *testing.T) {
	const n, steps = 5, 40
	mk := map[string]any{"task": "abc", "expert": true, "demo": true, "time_limit": 12}
	vec := &Server{}
	vm := map[string]any{"op": "vmake", "num_envs": n}
	for k, v := range mk {
		vm[k] = v
	}
	h, _ := mustCall(t, vec, vm)
	if h["num_envs"] != float64(n) || len(h["verdicts"].([]any)) != 5 {
		t.Fatalf("vmake: %v", h)
	}
	singles := make([]*Server, n)
	for i := range singles {
		singles[i] = &Server{}
		m := map[string]any{"op": "make"}
		for k, v := range mk {
			m[k] = v
		}
		mustCall(t, singles[i], m)
	}
	verdicts := []string{"running", "success", "wrong-move", "manipulation-failure", "timeout"}
	seeds := make([]uint64, n)
	for i := range seeds {
		seeds[i] = uint64(100 + 7*i)
	}
	_, got := mustCall(t, vec, map[string]any{"op": "vreset"}, U64("seed", seeds, n))
	rng := rand.New(rand.NewPCG(1, 2))
	resets := make([]byte, n)
	for i := range n {
		resets[i] = 1
	}
	autoresets := 0
	var lastActs []float32
	for step := 0; ; step++ {
		// Compare the vector's rows with each single environment's reply.
		for i, s := range singles {
			var h map[string]any
			var want map[string]Array
			if resets[i] != 0 {
				h, want = mustCall(t, s, map[string]any{"op": "reset", "seed": seeds[i]})
				for _, k := range []string{"demo_obs", "demo_actions", "demo_expert_actions"} {
					if g := got[fmt.Sprintf("%s_%d", k, i)]; !bytes.Equal(g.Data, want[k].Data) || len(g.Data) == 0 {
						t.Fatalf("step %d env %d: %s differs", step, i, k)
					}
				}
			} else if step > 0 {
				h, want = mustCall(t, s, map[string]any{"op": "step"}, F32("action", lastActs[i*3:i*3+3], 3))
			}
			if !bytes.Equal(row(got["obs"], i), want["obs"].Data) {
				t.Fatalf("step %d env %d: obs differs", step, i)
			}
			ea, has := want["expert_action"]
			if gotEA := row(got["expert_action"], i); has != (h["verdict"] == "running") || (has && !bytes.Equal(gotEA, ea.Data)) {
				t.Fatalf("step %d env %d: expert action %v, want %v", step, i, gotEA, ea.Data)
			}
			v := verdicts[got["verdict"].Data[i]]
			rw := F64("", []float64{h["reward"].(float64)}).Data
			if v != h["verdict"] || !bytes.Equal(row(got["reward"], i), rw) ||
				(got["terminated"].Data[i] == 1) != h["terminated"] || (got["truncated"].Data[i] == 1) != h["truncated"] ||
				!bytes.Equal(row(got["steps"], i), I64("", []int64{int64(h["steps"].(float64))}).Data) ||
				!bytes.Equal(row(got["seed"], i), U64("", []uint64{seeds[i]}).Data) {
				t.Fatalf("step %d env %d: %s %v, want %v", step, i, v, got, h)
			}
		}
		if step == steps {
			break
		}
		// Next: environments whose episode ended reset (next seed), the
		// others step with random actions.
		for i := range n {
			resets[i] = got["terminated"].Data[i] | got["truncated"].Data[i]
			if resets[i] != 0 {
				seeds[i]++
				autoresets++
			}
		}
		lastActs = make([]float32, 3*n)
		for k := range lastActs {
			lastActs[k] = float32(8*rng.Float64() - 4)
		}
		_, got = mustCall(t, vec, map[string]any{"op": "vstep"}, F32("action", lastActs, n, 3), U8("reset", append([]byte{}, resets...), n), U64("seed", seeds, n))
	}
	if autoresets == 0 {
		t.Error("no environment reset mid-run: the test did not cover autoresets")
	}
}

func TestVectorBadRequestsGetErrorsAndChangeNothing(t *testing.T) {
	s := &Server{}
	if _, _, err := call(t, s, map[string]any{"op": "vstep"}, F32("action", make([]float32, 6), 2, 3)); err == nil || !strings.Contains(err.Error(), "make") {
		t.Errorf("vstep before vmake: %v", err)
	}
	if _, _, err := call(t, s, map[string]any{"op": "vmake", "task": "ab", "num_envs": 0}); err == nil || !strings.Contains(err.Error(), "num_envs 0") {
		t.Errorf("vmake of 0: %v", err)
	}
	if _, _, err := call(t, s, map[string]any{"op": "vmake", "v": 1, "task": "ab", "num_envs": 2}); err == nil || !strings.Contains(err.Error(), "protocol version 2") {
		t.Errorf("vmake under version 1: %v", err)
	}
	mustCall(t, s, map[string]any{"op": "vmake", "v": 2, "task": "ab", "num_envs": 2})
	if _, _, err := call(t, s, map[string]any{"op": "vrender"}); err == nil || !strings.Contains(err.Error(), "vreset first") {
		t.Errorf("vrender before vreset: %v", err)
	}
	if _, _, err := call(t, s, map[string]any{"op": "vstep"}, F32("action", make([]float32, 6), 2, 3)); err == nil || !strings.Contains(err.Error(), "environment 0: no episode") {
		t.Errorf("vstep before vreset: %v", err)
	}
	for name, c := range map[string]struct {
		hdr    map[string]any
		arrays []Array
		want   string
	}{
		"reset without seed":     {map[string]any{"op": "vreset"}, nil, `give the array "seed"`},
		"seed of the wrong type": {map[string]any{"op": "vreset"}, []Array{F64("seed", []float64{1, 2}, 2)}, "want <u8 [2]"},
		"too few seeds":          {map[string]any{"op": "vreset"}, []Array{U64("seed", []uint64{1}, 1)}, "want <u8 [2]"},
		"parameter":              {map[string]any{"op": "vreset", "seeds": []int{1, 2}}, []Array{U64("seed", []uint64{1, 2}, 2)}, "unknown field"},
		"protocol 1 step":        {map[string]any{"op": "step"}, []Array{F32("action", make([]float32, 3), 3)}, "holds 2 environments"},
	} {
		if _, _, err := call(t, s, c.hdr, c.arrays...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", name, err, c.want)
		}
	}
	mustCall(t, s, map[string]any{"op": "vreset"}, U64("seed", []uint64{3, 4}, 2))
	bad := []float32{1, 0, 0, 0, float32(math.NaN()), 0}
	for name, c := range map[string]struct {
		arrays []Array
		want   string
	}{
		"NaN action":          {[]Array{F32("action", bad, 2, 3)}, "environment 1: action[1] is NaN"},
		"flat action":         {[]Array{F32("action", make([]float32, 6), 6)}, "want [2 3]"},
		"integer action":      {[]Array{I64("action", make([]int64, 6), 2, 3)}, "want <f4 or <f8"},
		"reset without seed":  {[]Array{F32("action", make([]float32, 6), 2, 3), U8("reset", []byte{1, 0}, 2)}, "together"},
		"reset of bad length": {[]Array{F32("action", make([]float32, 6), 2, 3), U8("reset", []byte{1}, 1), U64("seed", []uint64{1, 2}, 2)}, "want |u1 [2]"},
	} {
		if _, _, err := call(t, s, map[string]any{"op": "vstep"}, c.arrays...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", name, err, c.want)
		}
	}
	// The failed requests moved nothing: the episode is still at its start.
	_, now := mustCall(t, s, map[string]any{"op": "vstep"}, F32("action", []float32{1, 0, 0, 1, 0, 0}, 2, 3))
	if !bytes.Equal(now["steps"].Data, I64("", []int64{1, 1}).Data) {
		t.Errorf("steps after the bad requests and one good one: %v, want 1 each", now["steps"].Data)
	}
	// A NaN in the row of an environment that resets is ignored, as
	// Gymnasium ignores the action of an autoreset step.
	if _, _, err := call(t, s, map[string]any{"op": "vstep"}, F32("action", bad, 2, 3), U8("reset", []byte{0, 1}, 2), U64("seed", []uint64{0, 9}, 2)); err != nil {
		t.Errorf("NaN in a resetting row: %v", err)
	}
	_, r := mustCall(t, s, map[string]any{"op": "vrender"})
	if sh := r["rgb"].Shape; len(sh) != 4 || sh[0] != 2 || sh[1] != 200 || sh[2] != 320 || sh[3] != 3 {
		t.Errorf("vrender shape %v", sh)
	}
}

func TestHelloAnswersTheClientsVersion(t *testing.T) {
	s := &Server{}
	for _, c := range []struct {
		v    any
		want float64
	}{{nil, Version}, {1, 1}, {2, 2}} {
		hdr := map[string]any{"op": "hello"}
		if c.v != nil {
			hdr["v"] = c.v
		}
		h, _ := mustCall(t, s, hdr)
		if h["protocol"] != c.want {
			t.Errorf("hello v %v: protocol %v, want %v", c.v, h["protocol"], c.want)
		}
	}
	if _, _, err := call(t, s, map[string]any{"op": "hello", "v": 3}); err == nil || !strings.Contains(err.Error(), "versions 1 to 2") {
		t.Errorf("hello v 3: %v", err)
	}
}

func TestVectorBenchRunsEveryEnvironment(t *testing.T) {
	s := &Server{}
	mustCall(t, s, map[string]any{"op": "vmake", "task": "ab", "num_envs": 3})
	for _, actions := range []string{"random", "expert"} {
		h, _ := mustCall(t, s, map[string]any{"op": "bench", "steps": 50, "seed": 1, "actions": actions})
		if h["steps"] != float64(150) || h["envs"] != float64(3) {
			t.Errorf("bench %s: %v", actions, h)
		}
	}
	if _, _, err := call(t, s, map[string]any{"op": "bench", "steps": 5, "actions": "dance"}); err == nil || !strings.Contains(err.Error(), "random or expert") {
		t.Errorf("bench dance: %v", err)
	}
}

// TestServeCachesRepeatedHeaders runs vsteps through Serve, whose request
// and reply header caches must answer a repeated step exactly as a fresh
// decoding would, and forget nothing when a different request comes
// between.
func TestServeCachesRepeatedHeaders(t *testing.T) {
	act := F32("action", []float32{1, 0, 0, -1, 0, 1}, 2, 3)
	var in []byte
	in = append(in, request(t, map[string]any{"op": "vmake", "task": "ab", "num_envs": 2, "expert": true})...)
	in = append(in, request(t, map[string]any{"op": "vreset"}, U64("seed", []uint64{1, 2}, 2))...)
	in = append(in, request(t, map[string]any{"op": "vstep"}, act)...)
	in = append(in, request(t, map[string]any{"op": "vstep"}, act)...)
	in = append(in, request(t, map[string]any{"op": "vstep", "bad": 1}, act)...)
	in = append(in, request(t, map[string]any{"op": "vstep"}, F32("action", make([]float32, 3), 1, 3))...)
	in = append(in, request(t, map[string]any{"op": "vstep"}, act)...)
	var out bytes.Buffer
	if err := Serve(context.Background(), bytes.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	var hdrs []string
	var steps [][]byte
	for {
		m, err := ReadMessage(&out)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		hdrs = append(hdrs, string(m.Header))
		if a, ok := m.Array("steps"); ok {
			steps = append(steps, a.Data)
		}
	}
	if len(hdrs) != 7 {
		t.Fatalf("%d replies, want 7", len(hdrs))
	}
	if hdrs[2] != hdrs[3] || hdrs[3] != hdrs[6] || !strings.Contains(hdrs[2], `"name":"expert_action"`) {
		t.Errorf("vstep reply headers differ:\n%s\n%s\n%s", hdrs[2], hdrs[3], hdrs[6])
	}
	if !strings.Contains(hdrs[4], "unknown field") || !strings.Contains(hdrs[5], "want [2 3]") {
		t.Errorf("bad vsteps: %s, %s", hdrs[4], hdrs[5])
	}
	for k, want := range []int64{0, 1, 2, 3} {
		if !bytes.Equal(steps[k], I64("", []int64{want, want}).Data) {
			t.Errorf("reply %d: steps %v, want %d each", k, steps[k], want)
		}
	}
}
