package demos

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
)

// synthConfig describes a synthetic demonstration. The generator imitates what
// the block-stacking simulator and its scripted expert produce, so that the
// compression measured on it is representative: a gripper driven by
// saturated proportional velocity commands (piecewise-constant actions with
// smooth approaches), seeded Gaussian action noise, blocks that rest exactly
// still once asleep and jitter at 1e-7 while awake, a carried block that swings
// a little, and observations relative to the gripper.
type synthConfig struct {
	Blocks    int     // number of blocks, 2..10
	Stages    int     // pick-and-place stages
	Noise     float64 // standard deviation of the action noise, in units of the maximum speed
	Human     bool    // no expert labels
	StateK    int     // a state record every StateK steps
	MaxSteps  int     // time limit
	ObsExtras int     // gripper part of the observation (4 in the stack world)
}

func defaultSynth(blocks, stages int) synthConfig {
	return synthConfig{Blocks: blocks, Stages: stages, Noise: 0.2, StateK: 40, MaxSteps: 800, ObsExtras: 4}
}

type synthBlock struct {
	x, y, a    float64
	vx, vy, w  float64
	awake      int // steps left before sleeping
	swing, dsw float64
}

// synthEpisode generates one episode deterministically from seed.
func synthEpisode(task string, index int, seed uint64, cfg synthConfig) *Episode {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	const (
		dt     = 0.1  // control period, s
		vmax   = 3.0  // gripper speed, units/s
		gain   = 3.0  // proportional gain, 1/s
		travel = 6.0  // travel height
		tableW = 10.0 // half width of the table
	)
	b := cfg.Blocks
	blocks := make([]synthBlock, b)
	// Non-overlapping random placement on the table.
	for i := range blocks {
	again:
		x := (rng.Float64()*2 - 1) * (tableW - 0.6)
		for j := 0; j < i; j++ {
			if math.Abs(blocks[j].x-x) < 1.1 {
				goto again
			}
		}
		blocks[i] = synthBlock{x: x, y: 0.5, a: (rng.Float64() - 0.5) * 1e-3, awake: 8}
	}
	gx, gy := 0.0, travel
	open := true
	held := -1
	height := make([]int, b) // blocks stacked on top of i (for the target height)
	_ = height

	obsDim, actDim := 3*b+cfg.ObsExtras, 3
	ep := &Episode{Task: task, Index: index, Seed: seed, Source: SourceExpert, Outcome: OutcomeSuccess, ObsDim: obsDim, ActDim: actDim}
	if cfg.Human {
		ep.Source = SourceHuman
	}
	observe := func() {
		for i := range blocks {
			ep.Obs = append(ep.Obs, float32(blocks[i].x-gx), float32(blocks[i].y-gy), float32(blocks[i].a))
		}
		ep.Obs = append(ep.Obs, float32(gx), float32(gy))
		if open {
			ep.Obs = append(ep.Obs, 1, 0)
		} else {
			ep.Obs = append(ep.Obs, 0, 1)
		}
		for len(ep.Obs)%obsDim != 0 {
			ep.Obs = append(ep.Obs, 0)
		}
	}
	step := 0
	state := func() {
		buf := make([]byte, 0, 8*(6*b+5))
		for _, v := range []float64{gx, gy, boolf(open), float64(held), float64(step)} {
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
		}
		for _, bl := range blocks {
			for _, v := range []float64{bl.x, bl.y, bl.a, bl.vx, bl.vy, bl.w} {
				buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
			}
		}
		ep.States = append(ep.States, StateRecord{Step: step, Data: buf})
	}
	observe()
	state()

	// One control step toward (tx, ty) with the given grip command; reports
	// whether the target is reached.
	act := func(tx, ty float64, grip float32) bool {
		ex, ey := tx-gx, ty-gy
		cx := math.Max(-1, math.Min(1, gain*ex/vmax))
		cy := math.Max(-1, math.Min(1, gain*ey/vmax))
		clean := []float32{float32(cx), float32(cy), grip}
		exec := clean
		if cfg.Noise > 0 {
			exec = []float32{
				clean[0] + float32(rng.NormFloat64()*cfg.Noise),
				clean[1] + float32(rng.NormFloat64()*cfg.Noise),
				grip,
			}
		}
		ep.Actions = append(ep.Actions, exec...)
		if !cfg.Human {
			ep.ExpertActions = append(ep.ExpertActions, clean...)
		}
		// Physics with 4 substeps.
		ax, ay := float64(exec[0])*vmax, float64(exec[1])*vmax
		for range 4 {
			h := dt / 4
			gx += ax * h
			gy += ay * h
			for i := range blocks {
				bl := &blocks[i]
				if i == held {
					// The carried block hangs under the gripper and swings.
					bl.dsw += (-40*bl.swing - 2*bl.dsw - 0.5*ax) * h
					bl.swing += bl.dsw * h
					bl.x, bl.y, bl.a = gx+0.5*math.Sin(bl.swing), gy-0.5-0.5*(1-math.Cos(bl.swing)), bl.swing*0.05
					bl.vx, bl.vy, bl.w = ax, ay, bl.dsw*0.05
					continue
				}
				if bl.awake > 0 {
					bl.y += rng.NormFloat64() * 1e-7
					bl.a += rng.NormFloat64() * 1e-7
					bl.vy, bl.w = rng.NormFloat64()*1e-6, rng.NormFloat64()*1e-6
				} else {
					bl.vx, bl.vy, bl.w = 0, 0, 0
				}
			}
		}
		for i := range blocks {
			if blocks[i].awake > 0 {
				blocks[i].awake--
			}
		}
		open = grip <= 0
		step++
		observe()
		if step%cfg.StateK == 0 {
			state()
		}
		return math.Abs(ex) < 0.03 && math.Abs(ey) < 0.03
	}
	top := func(i int) float64 { // height of the top surface of the tower containing block i
		h := 1.0
		for j := range blocks {
			if j != i && j != held && math.Abs(blocks[j].x-blocks[i].x) < 0.3 && blocks[j].y > blocks[i].y {
				h = math.Max(h, blocks[j].y+0.5)
			}
		}
		return math.Max(h, blocks[i].y+0.5)
	}
	for s := 0; s < cfg.Stages && step < cfg.MaxSteps; s++ {
		src := s % b
		dst := (s + 1 + rng.IntN(b-1)) % b
		if dst == src {
			dst = (src + 1) % b
		}
		phases := []struct {
			tx, ty func() float64
			grip   float32
			hold   int
		}{
			{func() float64 { return blocks[src].x }, func() float64 { return travel }, -1, 0},
			{func() float64 { return blocks[src].x }, func() float64 { return blocks[src].y + 0.5 }, -1, 0},
			{func() float64 { return gx }, func() float64 { return gy }, 1, 3},
			{func() float64 { return gx }, func() float64 { return travel }, 1, 0},
			{func() float64 { return blocks[dst].x }, func() float64 { return travel }, 1, 0},
			{func() float64 { return blocks[dst].x }, func() float64 { return top(dst) + 1 }, 1, 0},
			{func() float64 { return gx }, func() float64 { return gy }, -1, 3},
			{func() float64 { return gx }, func() float64 { return travel }, -1, 0},
		}
		for pi, ph := range phases {
			if pi == 2 {
				held = src
			}
			if pi == 6 && held >= 0 {
				bl := &blocks[held]
				bl.x, bl.y, bl.a, bl.swing, bl.dsw = blocks[dst].x+(rng.Float64()-0.5)*0.02, top(dst)+0.5, 0, 0, 0
				bl.awake = 8
				held = -1
			}
			n := 0
			for step < cfg.MaxSteps {
				reached := act(ph.tx(), ph.ty(), ph.grip)
				n++
				if ph.hold > 0 && n >= ph.hold || ph.hold == 0 && reached {
					break
				}
			}
		}
	}
	if step >= cfg.MaxSteps {
		ep.Outcome = OutcomeTimeout
	}
	if step%cfg.StateK != 0 {
		state()
	}
	return ep
}

func boolf(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
