package bridge

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/sim"
)

// maxEnvs bounds vmake's num_envs: each environment holds a world, an
// expert and a renderer.
const maxEnvs = 1024

// vmake builds num_envs environments of one description (make's
// parameters), so that one request steps all of them (vstep): a vector
// environment pays one round trip per step of all its environments, and
// the server steps them on all cores.
func (s *Server) vmake(hdr json.RawMessage, _ *Message) (reply, error) {
	var p struct {
		makeParams
		NumEnvs int `json:"num_envs"`
	}
	if err := decode(hdr, &p); err != nil {
		return reply{}, err
	}
	if p.NumEnvs < 1 || p.NumEnvs > maxEnvs {
		return reply{}, fmt.Errorf("num_envs %d is out of range [1, %d]", p.NumEnvs, maxEnvs)
	}
	envs := make([]*session, p.NumEnvs)
	for i := range envs {
		ses, err := newSession(p.makeParams)
		if err != nil {
			return reply{}, err
		}
		envs[i] = ses
	}
	s.envs, s.batch = envs, nil
	fields := envs[0].describe()
	fields["num_envs"] = p.NumEnvs
	return ok(fields, envs[0].actionBounds()...), nil
}

// vreset starts an episode in every environment: array seed (num_envs,)
// <u8 gives each its reset seed.
func (s *Server) vreset(hdr json.RawMessage, m *Message) (reply, error) {
	if err := noParams(hdr, m); err != nil {
		return reply{}, err
	}
	if len(s.envs) == 0 {
		return reply{}, errors.New("no environment: send vmake first")
	}
	seeds, err := seedArray(m, len(s.envs))
	if err != nil {
		return reply{}, err
	}
	if seeds == nil {
		return reply{}, errors.New("give the array \"seed\"")
	}
	all := make([]bool, len(s.envs))
	for i := range all {
		all[i] = true
	}
	return s.advanceAll(nil, all, seeds)
}

// vstep steps every environment: array action (num_envs, 3) <f4 or <f8,
// and optionally arrays reset (num_envs,) |u1 and seed (num_envs,) <u8,
// which start a new episode of seed[i] in each environment i with a
// nonzero reset[i] instead of stepping it (its action row is ignored): the
// vector client's next-step autoreset in the same round trip.
func (s *Server) vstep(hdr json.RawMessage, m *Message) (reply, error) {
	if err := noParams(hdr, m); err != nil {
		return reply{}, err
	}
	n := len(s.envs)
	if n == 0 {
		return reply{}, errors.New("no environment: send make or vmake first")
	}
	a, found := m.Array("action")
	if !found {
		return reply{}, errors.New("give the array \"action\"")
	}
	if len(a.Shape) != 2 || a.Shape[0] != n || a.Shape[1] != stack.ActDim {
		return reply{}, fmt.Errorf("action has shape %v, want [%d %d]", a.Shape, n, stack.ActDim)
	}
	// The actions and reset flags go into buffers the server keeps: a
	// single environment's step allocates nothing here.
	acts, err := a.appendFloat32s(s.acts)
	if err != nil {
		return reply{}, err
	}
	s.acts = acts
	seeds, err := seedArray(m, n)
	if err != nil {
		return reply{}, err
	}
	resets := slices.Grow(s.resets[:0], n)[:n]
	clear(resets)
	s.resets = resets
	r, found := m.Array("reset")
	switch {
	case found != (seeds != nil):
		return reply{}, errors.New("give the arrays \"reset\" and \"seed\" together, or neither")
	case found:
		if r.DType != "|u1" || len(r.Shape) != 1 || r.Shape[0] != n {
			return reply{}, fmt.Errorf("reset has dtype %s and shape %v, want |u1 [%d]", r.DType, r.Shape, n)
		}
		for i, b := range r.Data {
			resets[i] = b != 0
		}
	}
	// Every request is checked before any environment moves, so that a bad
	// one leaves them all as they were.
	for i, ses := range s.envs {
		if resets[i] {
			continue
		}
		if err := ses.steppable(); err != nil {
			return reply{}, fmt.Errorf("environment %d: %w", i, err)
		}
		if err := finite(acts[i*stack.ActDim : (i+1)*stack.ActDim]); err != nil {
			return reply{}, fmt.Errorf("environment %d: %w", i, err)
		}
	}
	return s.advanceAll(acts, resets, seeds)
}

// seedArray reads the optional array seed: num_envs reset seeds, <u8.
func seedArray(m *Message, n int) ([]uint64, error) {
	a, found := m.Array("seed")
	if !found {
		return nil, nil
	}
	if a.DType != "<u8" || len(a.Shape) != 1 || a.Shape[0] != n {
		return nil, fmt.Errorf("seed has dtype %s and shape %v, want <u8 [%d]", a.DType, a.Shape, n)
	}
	out := make([]uint64, n)
	for i := range out {
		out[i] = binary.LittleEndian.Uint64(a.Data[8*i:])
	}
	return out, nil
}

// advanceAll resets environment i with seeds[i] where resets[i], else
// steps it with its row of acts (checked), all environments at once, and
// returns the batched reply.
func (s *Server) advanceAll(acts []float32, resets []bool, seeds []uint64) (reply, error) {
	if s.batch == nil {
		s.batch = newBatch(s.envs)
	}
	b := s.batch
	b.demos = nil
	var err error
	if len(s.envs) == 1 {
		// One environment (a StackEnv's step) on this goroutine: a closure
		// that forEach hands to other goroutines would be allocated anew
		// every step, this one is not.
		if err = guarded(0, func(i int) error { return s.advanceEnv(i, acts, resets, seeds) }); err != nil {
			err = fmt.Errorf("environment 0: %w", err)
		}
	} else {
		err = forEach(len(s.envs), func(i int) error { return s.advanceEnv(i, acts, resets, seeds) })
	}
	if err != nil {
		return reply{}, err
	}
	return ok(nil, b.arrays()...), nil
}

// advanceEnv resets or steps environment i as advanceAll describes and
// fills its row of the batch; it touches nothing of the other environments.
func (s *Server) advanceEnv(i int, acts []float32, resets []bool, seeds []uint64) error {
	ses, b := s.envs[i], s.batch
	reward := 0.0
	if resets[i] {
		demo, err := ses.start(seeds[i])
		if err != nil {
			return err
		}
		if demo != nil {
			b.setDemo(i, demo)
		}
	} else {
		reward = ses.advance(acts[i*stack.ActDim : (i+1)*stack.ActDim])
	}
	b.fill(i, ses, reward)
	return nil
}

// batch is a vreset or vstep reply under construction: row i of each
// array is environment i's, written by the goroutine that stepped it. The
// arrays are views of one buffer, the bytes the reply sends, which every
// request rewrites whole (each row is filled in full): the server keeps one
// batch for its environments.
type batch struct {
	n, obsDim            int
	obs, reward          []byte  // <f4 (n, obsDim), <f8 (n)
	term, trunc, verdict []byte  // |u1 (n)
	steps, progress      []byte  // <i8 (n)
	seed                 []byte  // <u8 (n)
	expert, policy       []byte  // <f4 (n, 3); nil unless the environments were made with them
	fixed                []Array // the arrays above, as the reply lists them
	mu                   sync.Mutex
	demos                [][]Array // per environment, nil unless one reset with a demonstration
}

func newBatch(envs []*session) *batch {
	n, ses := len(envs), envs[0]
	b := &batch{n: n, obsDim: stack.ObsDim(ses.task.NumBlocks)}
	act := 0
	if ses.expert != nil {
		act += n * stack.ActDim * 4
	}
	if ses.policy != nil {
		act += n * stack.ActDim * 4
	}
	buf := make([]byte, n*(4*b.obsDim+8+3+8+8+8)+act)
	take := func(size int) []byte {
		s := buf[:size:size]
		buf = buf[size:]
		return s
	}
	b.obs, b.reward = take(4*n*b.obsDim), take(8*n)
	b.term, b.trunc, b.verdict = take(n), take(n), take(n)
	b.steps, b.progress, b.seed = take(8*n), take(8*n), take(8*n)
	if ses.expert != nil {
		b.expert = take(4 * n * stack.ActDim)
	}
	if ses.policy != nil {
		b.policy = take(4 * n * stack.ActDim)
	}
	b.fixed = []Array{
		{Name: "obs", DType: "<f4", Shape: []int{n, b.obsDim}, Data: b.obs},
		{Name: "reward", DType: "<f8", Shape: []int{n}, Data: b.reward},
		U8("terminated", b.term, n),
		U8("truncated", b.trunc, n),
		U8("verdict", b.verdict, n),
		{Name: "steps", DType: "<i8", Shape: []int{n}, Data: b.steps},
		{Name: "progress", DType: "<i8", Shape: []int{n}, Data: b.progress},
		{Name: "seed", DType: "<u8", Shape: []int{n}, Data: b.seed},
	}
	if b.expert != nil {
		b.fixed = append(b.fixed, Array{Name: "expert_action", DType: "<f4", Shape: []int{n, stack.ActDim}, Data: b.expert})
	}
	if b.policy != nil {
		b.fixed = append(b.fixed, Array{Name: "policy_action", DType: "<f4", Shape: []int{n, stack.ActDim}, Data: b.policy})
	}
	return b
}

// fill writes environment i's row: what result puts in step's reply, with
// the verdict as its index into make's "verdicts" and the expert's and
// policy's actions NaN once the episode is over (step's reply leaves them
// out then).
func (b *batch) fill(i int, ses *session, reward float64) {
	env := ses.env
	le := binary.LittleEndian
	ses.obs = env.Observe(ses.obs[:0])
	putF32s(b.obs[4*i*b.obsDim:], ses.obs)
	v := env.Verdict()
	truncated := v == stack.Timeout || v == stack.WrongMove
	le.PutUint64(b.reward[8*i:], math.Float64bits(reward))
	b.term[i] = boolByte(v != stack.Running && !truncated)
	b.trunc[i] = boolByte(truncated)
	b.verdict[i] = byte(v)
	le.PutUint64(b.steps[8*i:], uint64(env.Steps()))
	le.PutUint64(b.progress[8*i:], uint64(env.Progress()))
	le.PutUint64(b.seed[8*i:], env.Seed())
	row := func(dst []byte, p interface{ Act(*sim.State) sim.Control }) {
		r := dst[4*i*stack.ActDim : 4*(i+1)*stack.ActDim]
		if v != stack.Running {
			nan := float32(math.NaN())
			putF32s(r, []float32{nan, nan, nan})
			return
		}
		a := stack.ActionVector(p.Act(env.State()))
		putF32s(r, a[:])
	}
	if b.expert != nil {
		row(b.expert, ses.expert)
	}
	if b.policy != nil {
		row(b.policy, ses.policy)
	}
}

func putF32s(dst []byte, v []float32) {
	for k, x := range v {
		binary.LittleEndian.PutUint32(dst[4*k:], math.Float32bits(x))
	}
}

// setDemo records environment i's demonstration; environments reset on
// their own goroutines, hence the lock.
func (b *batch) setDemo(i int, demo []Array) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.demos == nil {
		b.demos = make([][]Array, b.n)
	}
	b.demos[i] = demo
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// arrays lays the batch out in the reply's fixed order: obs, reward,
// terminated, truncated, verdict, steps, progress, seed, expert_action and
// policy_action if made, then each reset environment i's demonstration as
// demo_obs_i, demo_actions_i, demo_expert_actions_i. Between resets the
// header is the same bytes every step, so a client can parse it once.
func (b *batch) arrays() []Array {
	if b.demos == nil {
		return b.fixed
	}
	out := append([]Array(nil), b.fixed...)
	for i, d := range b.demos {
		for _, a := range d {
			a.Name = fmt.Sprintf("%s_%d", a.Name, i)
			out = append(out, a)
		}
	}
	return out
}

// vrender renders every environment: array rgb (num_envs, height, width,
// 3) |u1.
func (s *Server) vrender(hdr json.RawMessage, m *Message) (reply, error) {
	if err := noParams(hdr, m); err != nil {
		return reply{}, err
	}
	if len(s.envs) == 0 {
		return reply{}, errors.New("no environment: send vmake first")
	}
	for i, ses := range s.envs {
		if !ses.reset {
			return reply{}, fmt.Errorf("environment %d: no episode: send vreset first", i)
		}
	}
	w, h := s.envs[0].renderer.Size()
	size := w * h * 3
	rgb := make([]byte, len(s.envs)*size)
	err := forEach(len(s.envs), func(i int) error {
		s.envs[i].frame(rgb[i*size : i*size : (i+1)*size])
		return nil
	})
	if err != nil {
		return reply{}, err
	}
	return ok(nil, U8("rgb", rgb, len(s.envs), h, w, 3)), nil
}

// forEach runs fn(i) for every i in [0, n) on up to GOMAXPROCS goroutines,
// each over a contiguous run of indices. fn(i) must touch only
// environment i and row i of its outputs: the environments share no state,
// so the results are those of a loop in index order, bit for bit. It
// returns the error of the lowest index; a panic in fn is that index's
// error, so that a bug is answered like a bad request instead of ending the
// server (Handle's recover does not reach other goroutines).
func forEach(n int, fn func(i int) error) error {
	if n == 1 {
		// One environment (a StackEnv's step): no goroutine, no slice.
		if err := guarded(0, fn); err != nil {
			return fmt.Errorf("environment 0: %w", err)
		}
		return nil
	}
	errs := make([]error, n)
	run := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			errs[i] = guarded(i, fn)
		}
	}
	workers := min(n, runtime.GOMAXPROCS(0))
	if workers <= 1 {
		run(0, n)
	} else {
		var wg sync.WaitGroup
		for w := 1; w < workers; w++ {
			lo, hi := w*n/workers, (w+1)*n/workers
			wg.Go(func() { run(lo, hi) })
		}
		run(0, n/workers)
		wg.Wait()
	}
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("environment %d: %w", i, err)
		}
	}
	return nil
}

func guarded(i int, fn func(int) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error: %v", p)
		}
	}()
	return fn(i)
}
