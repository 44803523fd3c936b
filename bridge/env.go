package bridge

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/metabench/metabench/agents/imitation"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/policies"
	"github.com/metabench/metabench/policies/collect"
	"github.com/metabench/metabench/policies/policyspec"
	"github.com/metabench/metabench/sim"
	"github.com/metabench/metabench/sim/render"
)

// Bounds of the make parameters.
const (
	minFrame, maxFrameSide = 64, 4096
	demoTries              = 16 // reset seeds tried for a successful demonstration
	maxBenchSteps          = 10_000_000
)

// session is the environment a client made, with what its options ask for
// besides the world: the expert that labels each state, the demonstration
// for one-shot conditioning, and a renderer.
type session struct {
	task     stack.Task
	cfg      sim.Config
	env      *stack.Env
	expert   *policies.Expert // nil unless asked for
	policy   policies.Policy  // a policy spec's, nil unless asked for
	demo     bool
	noise    float64
	renderer *render.Renderer
	reset    bool
	obs      []float32
}

type makeParams struct {
	base
	Task      string   `json:"task"`
	TimeLimit int      `json:"time_limit"`
	Noise     *float64 `json:"noise"`
	Demo      bool     `json:"demo"`
	Expert    bool     `json:"expert"`
	Width     int      `json:"width"`
	Height    int      `json:"height"`
	Policy    string   `json:"policy"`
}

// policyFactory builds the policies a client may ask to see acting beside
// its own: those `metabench view --policy` names, but replays, which bring
// episodes of their own.
func policyFactory() *policyspec.Factory {
	f := policyspec.Standard(nil)
	f.Register("model", "model:DIR", func(dir string, cfg sim.Config) (policies.Policy, error) {
		return imitation.LoadPolicy(dir, cfg)
	})
	return f
}

func (s *Server) makeEnv(hdr json.RawMessage, _ *Message) (reply, error) {
	var p makeParams
	if err := decode(hdr, &p); err != nil {
		return reply{}, err
	}
	ses, err := newSession(p)
	if err != nil {
		return reply{}, err
	}
	s.envs, s.batch = []*session{ses}, nil
	return ok(ses.describe(), ses.actionBounds()...), nil
}

// newSession builds the environment make describes, with the expert, policy
// and renderer it asks for.
func newSession(p makeParams) (*session, error) {
	t, err := stack.Parse(p.Task)
	if err != nil {
		return nil, fmt.Errorf("task %q: %w", p.Task, err)
	}
	noise := policies.DefaultNoise
	if p.Noise != nil {
		noise = *p.Noise
	}
	if math.IsNaN(noise) || noise < 0 || noise > collect.MaxNoise {
		return nil, fmt.Errorf("noise %v is out of range [0, %g]", noise, collect.MaxNoise)
	}
	if p.Width == 0 {
		p.Width = 320
	}
	if p.Height == 0 {
		p.Height = 200
	}
	if p.Width < minFrame || p.Width > maxFrameSide || p.Height < minFrame || p.Height > maxFrameSide {
		return nil, fmt.Errorf("frame %dx%d is out of range [%d, %d] per side", p.Width, p.Height, minFrame, maxFrameSide)
	}
	if p.TimeLimit < 0 {
		return nil, fmt.Errorf("negative time_limit %d", p.TimeLimit)
	}
	cfg := sim.DefaultConfig()
	env, err := stack.New(t, stack.Options{Config: &cfg, TimeLimit: p.TimeLimit})
	if err != nil {
		return nil, err
	}
	ses := &session{task: t, cfg: cfg, env: env, demo: p.Demo, noise: noise,
		renderer: render.New(cfg, render.Options{Width: p.Width, Height: p.Height})}
	if p.Expert {
		ses.expert = policies.NewExpert(cfg)
	}
	if p.Policy != "" {
		if ses.policy, err = policyFactory().New(p.Policy, cfg); err != nil {
			return nil, err
		}
	}
	return ses, nil
}

// describe is make's reply header: what the client needs to build its
// spaces and to read verdict codes (vstep sends verdicts as indices into
// the list).
func (ses *session) describe() map[string]any {
	t := ses.task
	w, h := ses.renderer.Size()
	verdicts := make([]string, 0, 5)
	for v := stack.Running; v <= stack.Timeout; v++ {
		verdicts = append(verdicts, v.String())
	}
	return map[string]any{
		"task": t.String(), "num_blocks": t.NumBlocks, "num_stages": t.NumStages(),
		"obs_dim": stack.ObsDim(t.NumBlocks), "act_dim": stack.ActDim,
		"time_limit": ses.env.TimeLimit(), "control_hz": ses.cfg.ControlHz,
		"width": w, "height": h, "verdicts": verdicts,
	}
}

// actionBounds are make's reply arrays: the action space.
func (ses *session) actionBounds() []Array {
	v := float64(ses.cfg.GripperMaxSpeed)
	return []Array{F64("action_low", []float64{-v, -v, 0}, stack.ActDim), F64("action_high", []float64{v, v, 1}, stack.ActDim)}
}

// session returns the environment of the protocol 1 ops, which address
// one: that of make (or of a vmake of one).
func (s *Server) session() (*session, error) {
	switch len(s.envs) {
	case 0:
		return nil, errors.New("no environment: send make first")
	case 1:
		return s.envs[0], nil
	}
	return nil, fmt.Errorf("the server holds %d environments (vmake): use vreset, vstep and vrender", len(s.envs))
}

// demoSeed derives the reset seed of the demonstration from the episode's,
// so that the demonstration shows the same task from another start.
func demoSeed(seed uint64, try int) uint64 {
	z := seed + 0x9e3779b97f4a7c15*uint64(try+1)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (s *Server) reset(hdr json.RawMessage, _ *Message) (reply, error) {
	var p struct {
		base
		Seed *uint64 `json:"seed"`
	}
	if err := decode(hdr, &p); err != nil {
		return reply{}, err
	}
	ses, err := s.session()
	if err != nil {
		return reply{}, err
	}
	if p.Seed == nil {
		return reply{}, errors.New("give a seed (an integer in [0, 2^64))")
	}
	demo, err := ses.start(*p.Seed)
	if err != nil {
		return reply{}, err
	}
	return ses.result(0, append([]Array{ses.observe()}, demo...)), nil
}

// start begins the episode of reset seed seed, with the expert and policy
// following it, and returns the demonstration's arrays if the session
// shows one.
func (ses *session) start(seed uint64) ([]Array, error) {
	if err := ses.env.Reset(seed); err != nil {
		return nil, err
	}
	ses.reset = true
	if ses.expert != nil {
		ses.expert.Reset(ses.task, seed)
	}
	if ses.policy != nil {
		ses.policy.Reset(ses.task, seed)
	}
	if !ses.demo {
		return nil, nil
	}
	return ses.demonstration(seed)
}

// demonstration records the expert, with the session's noise, from a reset
// state other than the episode's; failed attempts are dropped as `demos gen`
// drops them.
func (ses *session) demonstration(seed uint64) ([]Array, error) {
	for try := range demoTries {
		ep, err := collect.Expert(ses.task, ses.cfg, demoSeed(seed, try), 0, ses.noise)
		if err != nil {
			return nil, fmt.Errorf("demonstration: %w", err)
		}
		if ep.Outcome != stack.Success.String() {
			continue
		}
		n := ep.Steps()
		return []Array{
			F32("demo_obs", ep.Obs, n+1, ep.ObsDim),
			F32("demo_actions", ep.Actions, n, ep.ActDim),
			F32("demo_expert_actions", ep.ExpertActions, n, ep.ActDim),
		}, nil
	}
	return nil, fmt.Errorf("demonstration: the expert failed %d attempts at %q with noise %g", demoTries, ses.task, ses.noise)
}

func (ses *session) observe() Array {
	ses.obs = ses.env.Observe(ses.obs[:0])
	return F32("obs", ses.obs, len(ses.obs))
}

// result is the reply to reset and step: the observation, the reward, the
// episode's end split into terminated (the task's own end: success or a
// block lost) and truncated (the time limit), and the info fields.
func (ses *session) result(reward float64, arrays []Array) reply {
	env := ses.env
	v := env.Verdict()
	truncated := v == stack.Timeout || v == stack.WrongMove
	terminated := v != stack.Running && !truncated
	if ses.expert != nil && v == stack.Running {
		a := stack.ActionVector(ses.expert.Act(env.State()))
		arrays = append(arrays, F32("expert_action", a[:], stack.ActDim))
	}
	if ses.policy != nil && v == stack.Running {
		a := stack.ActionVector(ses.policy.Act(env.State()))
		arrays = append(arrays, F32("policy_action", a[:], stack.ActDim))
	}
	return ok(&stepResult{Reward: reward, Terminated: terminated, Truncated: truncated,
		Verdict: v.String(), Steps: env.Steps(), Progress: env.Progress(), Seed: env.Seed()}, arrays...)
}

// stepResult is the header of reset's and step's replies; a struct encodes
// faster than a map, and step is the hot path.
type stepResult struct {
	Reward     float64 `json:"reward"`
	Terminated bool    `json:"terminated"`
	Truncated  bool    `json:"truncated"`
	Verdict    string  `json:"verdict"`
	Steps      int     `json:"steps"`
	Progress   int     `json:"progress"`
	Seed       uint64  `json:"seed"`
}

func (s *Server) step(hdr json.RawMessage, m *Message) (reply, error) {
	if err := noParams(hdr, m); err != nil {
		return reply{}, err
	}
	ses, err := s.session()
	if err != nil {
		return reply{}, err
	}
	if err := ses.steppable(); err != nil {
		return reply{}, err
	}
	a, found := m.Array("action")
	if !found {
		return reply{}, errors.New("give the array \"action\"")
	}
	if a.Len() != stack.ActDim {
		return reply{}, fmt.Errorf("action has %d values, want %d", a.Len(), stack.ActDim)
	}
	act, err := a.Float32s()
	if err != nil {
		return reply{}, err
	}
	if err := finite(act); err != nil {
		return reply{}, err
	}
	reward := ses.advance(act)
	return ses.result(reward, []Array{ses.observe()}), nil
}

// steppable says why the session's episode cannot take a step, if it
// cannot.
func (ses *session) steppable() error {
	if !ses.reset {
		return errors.New("no episode: send reset first")
	}
	if ses.env.Verdict() != stack.Running {
		return fmt.Errorf("the episode is over (%s): send reset", ses.env.Verdict())
	}
	return nil
}

// finite checks an action's values: a NaN or an infinity is the client's
// bug, which clipping would hide.
func finite(act []float32) error {
	for i, x := range act {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("action[%d] is %v", i, x)
		}
	}
	return nil
}

// advance steps the episode with a checked action and returns the reward.
func (ses *session) advance(act []float32) float64 {
	if ses.env.Step(clip(act, ses.cfg)) == stack.Success {
		return 1
	}
	return 0
}

// clip turns an action vector into a control within the action space: the
// gripper's speed limit, and the grip threshold at 0.5.
func clip(a []float32, cfg sim.Config) sim.Control {
	c := stack.ControlFromVector(a)
	v := cfg.GripperMaxSpeed
	c.VX, c.VY = min(v, max(-v, c.VX)), min(v, max(-v, c.VY))
	return c
}

func (s *Server) render(hdr json.RawMessage, m *Message) (reply, error) {
	if err := noParams(hdr, m); err != nil {
		return reply{}, err
	}
	ses, err := s.session()
	if err != nil {
		return reply{}, err
	}
	if !ses.reset {
		return reply{}, errors.New("no episode: send reset first")
	}
	w, h := ses.renderer.Size()
	return ok(nil, U8("rgb", ses.frame(make([]byte, 0, w*h*3)), h, w, 3)), nil
}

// frame appends the current state's picture to rgb as height x width x 3
// bytes.
func (ses *session) frame(rgb []byte) []byte {
	img := ses.renderer.Frame(*ses.env.State(), nil)
	w, h := ses.renderer.Size()
	for y := range h {
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for x := 0; x < 4*w; x += 4 {
			rgb = append(rgb, row[x], row[x+1], row[x+2])
		}
	}
	return rgb
}

// bench steps a copy of each of the server's environments in this process,
// resetting when an episode ends, as a client's loop over the bridge does:
// the in-process rate to compare the bridge's with. Actions are uniformly
// random, or the expert's ("expert", whose steps move blocks). Several
// environments run at once, on as many goroutines as vstep uses, each
// without waiting for the others: the in-process ceiling of the cores.
func (s *Server) bench(hdr json.RawMessage, _ *Message) (reply, error) {
	var p struct {
		base
		Steps   int    `json:"steps"`
		Seed    uint64 `json:"seed"`
		Actions string `json:"actions"`
	}
	if err := decode(hdr, &p); err != nil {
		return reply{}, err
	}
	if len(s.envs) == 0 {
		return reply{}, errors.New("no environment: send make or vmake first")
	}
	if p.Steps < 1 || p.Steps > maxBenchSteps {
		return reply{}, fmt.Errorf("steps %d is out of range [1, %d]", p.Steps, maxBenchSteps)
	}
	if p.Actions == "" {
		p.Actions = "random"
	}
	if p.Actions != "random" && p.Actions != "expert" {
		return reply{}, fmt.Errorf("actions %q: want random or expert", p.Actions)
	}
	resets := make([]int, len(s.envs))
	start := time.Now()
	err := forEach(len(s.envs), func(i int) error {
		var err error
		resets[i], err = s.envs[i].bench(p.Steps, p.Seed+uint64(i), p.Actions == "expert")
		return err
	})
	secs := time.Since(start).Seconds()
	if err != nil {
		return reply{}, err
	}
	total := 0
	for _, r := range resets {
		total += r
	}
	return ok(map[string]any{"steps": p.Steps * len(s.envs), "seconds": secs, "resets": total, "envs": len(s.envs)}), nil
}

// bench steps a fresh environment of the session's task steps times from
// reset seed seed (then seed+1, ... at each episode's end), with random or
// expert actions, observing after every step, and returns the resets.
func (ses *session) bench(steps int, seed uint64, expert bool) (int, error) {
	env, err := stack.New(ses.task, stack.Options{Config: &ses.cfg, TimeLimit: ses.env.TimeLimit()})
	if err != nil {
		return 0, err
	}
	var pol *policies.Expert
	if expert {
		pol = policies.NewExpert(ses.cfg)
	}
	rng := rand.New(rand.NewPCG(seed, 0x627269646765))
	v := float32(ses.cfg.GripperMaxSpeed)
	var obs []float32
	act := make([]float32, stack.ActDim)
	episode, resets := seed, 0
	begin := func() error {
		if err := env.Reset(episode); err != nil {
			return err
		}
		if pol != nil {
			pol.Reset(ses.task, episode)
		}
		return nil
	}
	if err := begin(); err != nil {
		return 0, err
	}
	obs = env.Observe(obs[:0])
	for range steps {
		if pol != nil {
			// As a client acting on info["expert_action"] does: the
			// expert's control as the action vector the bridge sends.
			a := stack.ActionVector(pol.Act(env.State()))
			copy(act, a[:])
		} else {
			act[0] = (2*rng.Float32() - 1) * v
			act[1] = (2*rng.Float32() - 1) * v
			act[2] = rng.Float32()
		}
		if env.Step(clip(act, ses.cfg)) != stack.Running {
			episode++
			resets++
			if err := begin(); err != nil {
				return resets, err
			}
		}
		obs = env.Observe(obs[:0])
	}
	return resets, nil
}
