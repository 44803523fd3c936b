package imitation

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/sim"
)

// Cond names how the policy is conditioned on a demonstration.
type Cond string

// The conditioning variants of the paper's tables.
const (
	CondFull     Cond = "full"     // the whole demonstration, temporally dropped out / sub-sampled
	CondSnapshot Cond = "snapshot" // the frames at the end of each stage (gripper releases) and the last one
	CondFinal    Cond = "final"    // the final frame only
)

// ParseCond checks a conditioning name.
func ParseCond(s string) (Cond, error) {
	switch c := Cond(s); c {
	case CondFull, CondSnapshot, CondFinal:
		return c, nil
	}
	return "", fmt.Errorf("unknown conditioning %q (want full, snapshot or final)", s)
}

// ArchName identifies the network family in checkpoints.
const ArchName = "duan2017-oneshot-v1"

// The action heads of the manipulation network (Arch.Head).
const (
	// HeadJoint is one categorical distribution over the environment's
	// stack.NumDiscreteActions joint actions (vx bin × vy bin × grip).
	HeadJoint = "joint"
	// HeadFactored is three independent categorical distributions: vx bin,
	// vy bin and grip. Its greedy action can combine the modes of two
	// different behaviours (see the package doc), which stalls rollouts.
	HeadFactored = "factored"
)

// Arch is the architecture of a Model: everything that decides the shapes of
// its parameters and how a demonstration is read. It is stored as JSON beside
// every checkpoint, and loading refuses a checkpoint whose Arch differs from
// the one asked for.
type Arch struct {
	Name       string  `json:"name"`        // ArchName
	Cond       Cond    `json:"cond"`        // conditioning variant
	Width      int     `json:"width"`       // D: demonstration embedding and block hidden size (paper: 64)
	AttDim     int     `json:"att_dim"`     // hidden size of the additive attentions
	Heads      int     `json:"heads"`       // attention heads (paper: 2)
	Dilations  []int   `json:"dilations"`   // temporal convolution dilations (paper: 1, 2, 4, 8)
	CtxSteps   int     `json:"ctx_steps"`   // untied LSTM steps of the context network (paper: 4)
	Hidden     []int   `json:"hidden"`      // manipulation MLP widths (paper: 256, 256)
	Head       string  `json:"head"`        // action head: HeadJoint or HeadFactored
	WeightNorm bool    `json:"weight_norm"` // weight normalisation in the manipulation network (paper: yes)
	ReadHidden bool    `json:"read_hidden"` // the fixed queries also read the blocks' hidden states (see package doc)
	DropP      float64 `json:"drop_p"`      // temporal dropout probability (paper: 0.95)
	// DropLast lets temporal dropout drop the last frame too: the kept
	// frames are a uniform random subset. Without it the last frame is
	// always kept, and the model learns to read the task from that one
	// frame (docs/imitation.md). Omitted from the JSON when false, so that
	// the architectures of earlier checkpoints keep their hash.
	DropLast bool `json:"drop_last,omitempty"`
	// TimeFeature adds to every demonstration frame's block inputs its
	// position in the demonstration (time step / last step, in [0, 1]):
	// positional information the paper's network does not have (an
	// attention experiment; docs/imitation.md). Omitted from the JSON when
	// false.
	TimeFeature bool `json:"time_feature,omitempty"`
	// MatchQuery replaces the query of the context network's temporal
	// attention: instead of the additive attention from the blocks' hidden
	// states (which mix the current state with what earlier steps read),
	// every demonstration frame is scored by its distance to the current
	// observation, both embedded by the demonstration network (the current
	// observation as a demonstration of one frame) and projected per
	// context step and head. A state and a frame of the same stage look
	// alike, so this query can find the stage being executed by matching
	// (an attention experiment; docs/imitation.md). Omitted from the JSON
	// when false.
	MatchQuery bool `json:"match_query,omitempty"`
	// StageHead adds a classifier of the number of stages done in the
	// current observation (StagesDone) that sees only the temporal
	// attention's read-out. The read-out depends on the current state only
	// through the attention weights, so the classifier can succeed only if
	// the attention moves with the stage; TrainOptions.StageLoss weights
	// its cross-entropy (an attention experiment; docs/imitation.md).
	// Omitted from the JSON when false.
	StageHead bool `json:"stage_head,omitempty"`
}

// NumStageClasses is the number of classes of the stage head: a task has
// at most sim.MaxBlocks-1 stages, so 0 to sim.MaxBlocks-1 done.
const NumStageClasses = sim.MaxBlocks

// DefaultArch returns the architecture of the smoke and quick benchmarks for
// a conditioning variant: the paper's structure scaled down for 2 CPU cores
// (width 32 instead of 64, 2 context steps instead of 4, manipulation MLP
// 128-128 instead of 256-256), about 5× faster to train and 3× faster to
// act. See PaperArch.
func DefaultArch(c Cond) Arch {
	return Arch{
		Name: ArchName, Cond: c, Width: 32, AttDim: 32, Heads: 2,
		Dilations: []int{1, 2, 4, 8}, CtxSteps: 2, Hidden: []int{128, 128}, Head: HeadJoint,
		WeightNorm: true, ReadHidden: true, DropP: 0.95,
	}
}

// PaperArch returns the paper's sizes (appendix B): width 64, 2 heads,
// dilations 1, 2, 4, 8, 4 untied context steps, manipulation MLP 256-256 with
// weight normalisation. The full benchmark profile uses it.
func PaperArch(c Cond) Arch {
	a := DefaultArch(c)
	a.Width, a.AttDim, a.CtxSteps, a.Hidden = 64, 64, 4, []int{256, 256}
	return a
}

// MaxSize bounds every width of an architecture: a checkpoint's
// config.json is checked against it before any weight is allocated (the
// paper's widths are 64 and 256).
const MaxSize = 4096

// Validate checks the architecture.
func (a Arch) Validate() error {
	switch {
	case a.Name != ArchName:
		return fmt.Errorf("architecture %q, want %q", a.Name, ArchName)
	case a.Width <= 0 || a.AttDim <= 0 || a.Heads <= 0 || a.CtxSteps <= 0:
		return fmt.Errorf("architecture: width, att_dim, heads and ctx_steps must be positive")
	case len(a.Dilations) == 0 || slices.ContainsFunc(a.Dilations, func(d int) bool { return d <= 0 }):
		return fmt.Errorf("architecture: dilations must be positive")
	case slices.ContainsFunc(a.Hidden, func(d int) bool { return d <= 0 }):
		return fmt.Errorf("architecture: hidden widths must be positive")
	case a.Width > MaxSize || a.AttDim > MaxSize || a.Heads > 64 || a.CtxSteps > 64 || len(a.Dilations) > 64 || len(a.Hidden) > 64:
		return fmt.Errorf("architecture: width %d, att_dim %d, heads %d, ctx_steps %d, %d dilations, %d hidden layers: beyond the bounds (sizes %d, counts 64)",
			a.Width, a.AttDim, a.Heads, a.CtxSteps, len(a.Dilations), len(a.Hidden), MaxSize)
	case slices.ContainsFunc(a.Hidden, func(d int) bool { return d > MaxSize }) || slices.ContainsFunc(a.Dilations, func(d int) bool { return d > MaxSize }):
		return fmt.Errorf("architecture: hidden widths %v or dilations %v beyond %d", a.Hidden, a.Dilations, MaxSize)
	case !(a.DropP >= 0 && a.DropP < 1):
		return fmt.Errorf("architecture: drop_p %g not in [0, 1)", a.DropP)
	case a.Head != HeadJoint && a.Head != HeadFactored:
		return fmt.Errorf("architecture: head %q, want %q or %q", a.Head, HeadJoint, HeadFactored)
	}
	_, err := ParseCond(string(a.Cond))
	return err
}

// ContextSize is the size of the context vector fed to the manipulation
// network: the robot state, then for each fixed query and head the
// attention-weighted block position (dx, dy, tilt), and with ReadHidden the
// attention-weighted block hidden state. It does not depend on the number of
// blocks.
func (a Arch) ContextSize() int {
	n := robotDim + NumQueries*a.Heads*posDim
	if a.ReadHidden {
		n += NumQueries * a.Heads * a.Width
	}
	return n
}

// NumLogits is the number of outputs of the action head.
func (a Arch) NumLogits() int {
	if a.Head == HeadFactored {
		return 2*stack.NumSpeedBins + 2
	}
	return stack.NumDiscreteActions
}

// Hash is a short digest of the architecture's JSON, stored in checkpoints.
func (a Arch) Hash() string {
	b, _ := json.Marshal(a)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

// Equal reports whether two architectures are the same.
func (a Arch) Equal(b Arch) bool { return a.Hash() == b.Hash() }

// keep returns the number of frames temporal dropout keeps from n frames:
// ⌊n(1-p)⌋, at least 1 (and at least 2 when there are 2 frames).
func (a Arch) keep(n int) int {
	k := int(math.Floor(float64(n) * (1 - a.DropP)))
	return min(n, max(k, 2))
}

func sqrt(x float64) float64 { return math.Sqrt(x) }
