package keyboard

import (
	"errors"
	"fmt"

	"github.com/metabench/metabench/envs/demos"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/policies/collect"
)

// Saver stores a finished human demonstration, e.g. by appending it to a
// dataset directory. It returns a short description of where it went.
type Saver interface {
	Save(ep *demos.Episode) (string, error)
}

// Phase is where a recording session is in its episode.
type Phase int

// The phases of an episode. The clock does not run until the operator
// first moves or grips, so an episode starts when the human is ready.
const (
	Waiting   Phase = iota // reset; waiting for the first key
	Recording              // the clock runs; every control step is recorded
	Ended                  // the environment gave a verdict; Enter saves, Backspace discards
)

func (p Phase) String() string {
	switch p {
	case Waiting:
		return "waiting"
	case Recording:
		return "recording"
	case Ended:
		return "ended"
	}
	return fmt.Sprintf("Phase(%d)", int(p))
}

// SessionOptions configure a Session.
type SessionOptions struct {
	// Seed is the base seed: episode k of the session starts from the reset
	// state of stack.EpisodeSeed(Seed, task, k).
	Seed uint64
	// SaveFailures allows saving episodes that did not succeed. By default
	// only successful ones are saved.
	SaveFailures bool
	// TicksPerStep is the number of input ticks per control step: the
	// window's tick rate over the control rate (60 Hz / 10 Hz = 6). Zero
	// means 1.
	TicksPerStep int
}

// Session is one `metabench record` session: a sequence of tele-operated
// episodes of one task, each recorded step by step and, on Enter, handed to
// a Saver. Keys, once per tick:
//
//	arrows/WASD  move (Shift: slowly)   Space  toggle the grip
//	Enter        save the ended episode (refused, with the reason, if it
//	             did not succeed and failures are not saved)
//	Backspace    discard the episode and retry from the same start
//	R            discard the episode and start a new one (new seed)
//
// After a save the next episode starts with a new seed.
type Session struct {
	env   *stack.Env
	tele  *Teleop
	saver Saver
	opt   SessionOptions

	phase   Phase
	attempt int // episode number in the session; drives the seed
	ticks   int // ticks since the last control step
	rec     *collect.Recorder
	message string

	Saved, Discarded, Refused int // counts over the session
}

// NewSession starts a session on env (whose task is recorded) and resets
// it to the first episode.
func NewSession(env *stack.Env, saver Saver, opt SessionOptions) (*Session, error) {
	if saver == nil {
		return nil, errors.New("new session: no saver")
	}
	if opt.TicksPerStep <= 0 {
		opt.TicksPerStep = 1
	}
	s := &Session{env: env, tele: NewTeleop(), saver: saver, opt: opt}
	if err := s.reset(); err != nil {
		return nil, err
	}
	s.message = "move with the arrows or WASD to start"
	return s, nil
}

// Env returns the environment being recorded.
func (s *Session) Env() *stack.Env { return s.env }

// Teleop returns the key-to-control policy.
func (s *Session) Teleop() *Teleop { return s.tele }

// Phase returns the phase of the current episode.
func (s *Session) Phase() Phase { return s.phase }

// Attempt returns the number of the current episode in the session.
func (s *Session) Attempt() int { return s.attempt }

// Message returns the last event worth telling the operator: a save, a
// refusal and its reason, a discard.
func (s *Session) Message() string { return s.message }

// reset restarts the current attempt from its reset state.
func (s *Session) reset() error {
	task := s.env.Task()
	seed := stack.EpisodeSeed(s.opt.Seed, task, s.attempt)
	if err := s.env.Reset(seed); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	s.tele.Reset(task, seed)
	rec, err := collect.NewRecorder(s.env, demos.SourceHuman, s.Saved)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	s.rec, s.phase, s.ticks = rec, Waiting, 0
	return nil
}

// Tick processes one tick of input and, when a control step is due, steps
// the environment. The returned error is a failure to save or reset, not
// a refused save (that is a Message).
func (s *Session) Tick(in Input) error {
	switch {
	case in.Reset:
		if s.phase != Waiting || s.env.Steps() > 0 {
			s.Discarded++
		}
		s.attempt++
		s.message = "new episode"
		return s.reset()
	case in.Discard:
		if s.phase == Waiting {
			s.message = "nothing to discard yet"
			return nil
		}
		s.Discarded++
		s.message = "discarded; same start again"
		return s.reset()
	case in.Save:
		return s.save()
	}
	if s.phase == Ended {
		return nil
	}
	s.tele.Press(in)
	if s.phase == Waiting {
		if !in.Moving() && !in.Grip {
			return nil
		}
		s.phase, s.message = Recording, "recording: build the goal, then Enter saves"
		s.ticks = s.opt.TicksPerStep - 1 // the first key acts at once
	}
	s.ticks++
	if s.ticks < s.opt.TicksPerStep {
		return nil
	}
	s.ticks = 0
	return s.step()
}

func (s *Session) step() error {
	// The action goes through its stored form, so that the world runs
	// exactly what the dataset will replay.
	a := stack.ActionVector(s.tele.Act(s.env.State()))
	c := stack.ControlFromVector(a[:])
	v := s.env.Step(c)
	if err := s.rec.Step(s.env, c, nil); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	if v == stack.Running {
		return nil
	}
	s.phase = Ended
	if v == stack.Success || s.opt.SaveFailures {
		s.message = v.String() + ": Enter saves, Backspace discards"
	} else {
		s.message = v.String() + ": not savable (only successful episodes are saved; --save-failures keeps failures); Backspace retries, R starts a new one"
	}
	return nil
}

func (s *Session) save() error {
	switch {
	case s.phase == Waiting:
		s.Refused++
		s.message = "not saved: nothing recorded yet"
		return nil
	case s.phase == Recording:
		s.Refused++
		s.message = fmt.Sprintf("not saved: the episode is still running (stage %d/%d); finish it first", s.env.Progress(), s.env.Task().NumStages())
		return nil
	case s.env.Verdict() != stack.Success && !s.opt.SaveFailures:
		s.Refused++
		s.message = fmt.Sprintf("not saved: %s; only successful episodes are saved (run with --save-failures to keep failures)", s.env.Verdict())
		return nil
	}
	ep, err := s.rec.Finish(s.env)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	where, err := s.saver.Save(ep)
	if err != nil {
		return fmt.Errorf("record: save: %w", err)
	}
	s.Saved++
	s.attempt++
	if err := s.reset(); err != nil {
		return err
	}
	s.message = fmt.Sprintf("saved %s (%d steps, %s) to %s; next episode", ep.Task, len(ep.Actions)/stack.ActDim, ep.Outcome, where)
	return nil
}
