package demos

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Episode is one demonstration: a rollout of a task from a seeded reset.
//
// With T steps, Obs holds T+1 rows of ObsDim values (the observation before
// each action plus the final one), Actions and ExpertActions T rows of ActDim
// values, all row-major.
type Episode struct {
	Task    string // task spec, e.g. "ab cde"
	Index   int    // attempt index within the task and source; with the dataset seed it determines Seed
	Seed    uint64 // reset seed actually used
	Source  string // who acted: SourceExpert, SourceHuman, ...
	Outcome string // episode verdict: OutcomeSuccess, OutcomeWrongMove, ...
	ObsDim  int    // length of one observation
	ActDim  int    // length of one action

	Obs           []float32     // (T+1)×ObsDim observations
	Actions       []float32     // T×ActDim executed actions (what replay needs)
	ExpertActions []float32     // T×ActDim clean expert actions (training labels); nil if there are none
	States        []StateRecord // simulator states at chosen steps, in increasing step order
}

// StateRecord is a full simulator state, already serialised by the
// simulator, taken before the action of step Step (Step = T: the final state).
type StateRecord struct {
	Step int
	Data []byte
}

// Steps returns the number of actions T of the episode.
func (e *Episode) Steps() int {
	if e.ActDim <= 0 {
		return 0
	}
	return len(e.Actions) / e.ActDim
}

// Sources of demonstrations.
const (
	SourceExpert = "expert" // the scripted expert, usually with injected action noise
	SourceHuman  = "human"  // keyboard tele-operation
)

// Episode outcomes. Other non-empty words are stored as they are.
const (
	OutcomeSuccess             = "success"
	OutcomeWrongMove           = "wrong-move"
	OutcomeManipulationFailure = "manipulation-failure"
	OutcomeTimeout             = "timeout"
)

// Limits that keep a corrupt or hostile file from making the decoder
// allocate unbounded memory; real episodes are far below them.
const (
	maxTaskLen    = 256
	maxWordLen    = 64 // sources and outcomes
	maxDim        = 1 << 12
	maxSteps      = 1 << 22
	maxStateBytes = 1 << 20
	maxRawPayload = 1 << 28
)

// validate checks that the episode is well formed and within the limits.
func (e *Episode) validate() error {
	if err := checkTask(e.Task); err != nil {
		return err
	}
	if err := checkWord("source", e.Source); err != nil {
		return err
	}
	if err := checkWord("outcome", e.Outcome); err != nil {
		return err
	}
	switch {
	case e.Index < 0:
		return fmt.Errorf("negative index %d", e.Index)
	case e.ObsDim < 1 || e.ObsDim > maxDim:
		return fmt.Errorf("observation size %d out of range 1..%d", e.ObsDim, maxDim)
	case e.ActDim < 1 || e.ActDim > maxDim:
		return fmt.Errorf("action size %d out of range 1..%d", e.ActDim, maxDim)
	case len(e.Actions)%e.ActDim != 0:
		return fmt.Errorf("%d action values are not a multiple of the action size %d", len(e.Actions), e.ActDim)
	}
	t := len(e.Actions) / e.ActDim
	switch {
	case t > maxSteps:
		return fmt.Errorf("%d steps exceed the limit %d", t, maxSteps)
	case len(e.Obs) != (t+1)*e.ObsDim:
		return fmt.Errorf("%d observation values, want (%d steps + 1) × %d = %d", len(e.Obs), t, e.ObsDim, (t+1)*e.ObsDim)
	case e.ExpertActions != nil && len(e.ExpertActions) != len(e.Actions):
		return fmt.Errorf("%d expert action values, want %d like the actions", len(e.ExpertActions), len(e.Actions))
	case len(e.States) > t+1:
		return fmt.Errorf("%d state records for %d steps", len(e.States), t)
	}
	prev := -1
	for i, s := range e.States {
		if s.Step <= prev || s.Step > t {
			return fmt.Errorf("state record %d: step %d not in increasing order within 0..%d", i, s.Step, t)
		}
		if len(s.Data) > maxStateBytes {
			return fmt.Errorf("state record %d: %d bytes exceed the limit %d", i, len(s.Data), maxStateBytes)
		}
		prev = s.Step
	}
	if 4*(len(e.Obs)+2*len(e.Actions)) > maxRawPayload/2 {
		return fmt.Errorf("episode too large (%d steps × %d values)", t, e.ObsDim+2*e.ActDim)
	}
	return nil
}

// checkTask accepts a printable UTF-8 task spec of at most maxTaskLen bytes.
func checkTask(s string) error {
	if s == "" || len(s) > maxTaskLen || !utf8.ValidString(s) {
		return fmt.Errorf("bad task spec %q: want 1..%d bytes of UTF-8", s, maxTaskLen)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("bad task spec %q: unprintable character %U", s, r)
		}
	}
	return nil
}

// checkWord accepts lower-case ASCII words with digits, '-' and '_', used for
// sources and outcomes (sources appear in file names).
func checkWord(what, s string) error {
	if s == "" || len(s) > maxWordLen {
		return fmt.Errorf("bad %s %q: want 1..%d characters", what, s, maxWordLen)
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("bad %s %q: only a-z, 0-9, '-' and '_' are allowed", what, s)
		}
	}
	return nil
}
