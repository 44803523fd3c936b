// Package windowcli reads the command lines of the window commands, view and
// record. It has no window: the headless metabench uses it to print their
// flags and to reject a bad command line on a machine without a display or
// without the window binary, and metabench-gui reads the same flags with it
// before it opens a window.
package windowcli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/metabench/metabench/agents/imitation"
	"github.com/metabench/metabench/envs/demos"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/internal/cli"
	"github.com/metabench/metabench/policies"
	"github.com/metabench/metabench/policies/policyspec"
	"github.com/metabench/metabench/policies/replay"
	"github.com/metabench/metabench/sim"
)

// UsageError is cli.UsageError: both binaries report a bad command line
// with the same error type (exit status 2).
type UsageError = cli.UsageError

func usagef(format string, a ...any) error { return cli.Usagef(format, a...) }

// maxFrames bounds --frames: a day at 60 frames a second.
const maxFrames = 60 * 60 * 60 * 24

// maxReplay caps the episodes a replay loads: a viewer shows a few, and a
// paper-scale dataset holds a hundred thousand.
const maxReplay = 1000

// Policies returns the policies the window can show: the built-in ones,
// replays of datasets, and learned models ("model:DIR").
func Policies() *policyspec.Factory {
	f := policyspec.Standard(func(dir string) ([]*demos.Episode, error) {
		return replay.Load(dir, maxReplay)
	})
	f.Register("model", "model:DIR", func(dir string, cfg sim.Config) (policies.Policy, error) {
		// Conditioned on demonstrations as noisy as the model's training data.
		return imitation.LoadPolicy(dir, cfg)
	})
	return f
}

// View is the command line of `view`.
type View struct {
	Tasks      []stack.Task // the tasks n cycles through
	Seed       uint64       // reset seed of the first episode
	Policy     string       // a spec for Policies
	Speed      float64      // playback speed, a multiple of real time
	Width      int          // frame size in pixels
	Height     int
	Frames     int    // quit after this many frames; 0 runs until Esc
	Screenshot string // with Frames: save the last frame as a PNG here
}

// ParseView parses the arguments of `view`. With -h it prints the flags to
// stdout and returns flag.ErrHelp.
func ParseView(args []string, stdout io.Writer) (*View, error) {
	fs := newFlags("view")
	var v View
	var tasks stringList
	fs.Var(&tasks, "task", "task spec, e.g. \"ab cde\" (repeatable: n cycles through them; with one, n goes on through --split)")
	split := fs.String("split", "train", "the tasks n goes through when fewer than two --task are given (train or test)")
	cli.SeedVar(fs, &v.Seed, cli.DefaultSeed, "the first episode's reset (r draws new ones from it)")
	fs.StringVar(&v.Policy, "policy", "expert", "policy: "+Policies().Usage())
	fs.Float64Var(&v.Speed, "speed", 1, "playback speed, a multiple of real time (0.25 to 32)")
	fs.IntVar(&v.Width, "width", 960, "frame width in pixels")
	fs.IntVar(&v.Height, "height", 600, "frame height in pixels")
	fs.IntVar(&v.Frames, "frames", 0, "quit after this many frames (0: run until Esc)")
	fs.StringVar(&v.Screenshot, "screenshot", "", "with --frames: save the last frame as a PNG here")
	if err := parse(fs, stdout, args); err != nil {
		return nil, err
	}
	if err := checkSize("view", v.Width, v.Height); err != nil {
		return nil, err
	}
	if !(v.Speed >= 0.25 && v.Speed <= 32) { // NaN too
		return nil, usagef("view: --speed %g out of range 0.25..32", v.Speed)
	}
	if err := cli.NewCheck("view").Int("frames", v.Frames, 0, maxFrames).Err(); err != nil {
		return nil, err
	}
	if v.Screenshot != "" && v.Frames == 0 {
		return nil, usagef("view: --screenshot needs --frames N > 0")
	}
	seen := map[string]string{}
	for _, spec := range tasks {
		t, err := stack.Parse(spec)
		if err != nil {
			return nil, usagef("view: %v", err)
		}
		// Refused as by every command with a repeatable --task.
		if first, dup := seen[t.String()]; dup {
			return nil, usagef("view: --task %q is given twice (as %q and %q)", t.String(), first, spec)
		}
		seen[t.String()] = spec
		v.Tasks = append(v.Tasks, t)
	}
	if len(v.Tasks) <= 1 {
		// No task, or one: n goes on through the split's tasks.
		s, err := stack.ParseSplit(*split)
		if err != nil {
			return nil, usagef("view: %v", err)
		}
		for _, t := range stack.Tasks(s) {
			if len(v.Tasks) == 0 || t.String() != v.Tasks[0].String() {
				v.Tasks = append(v.Tasks, t)
			}
		}
	}
	return &v, nil
}

// Record is the command line of `record`.
type Record struct {
	Task         stack.Task
	Dir          string // the dataset the episodes are appended to
	Seed         uint64 // base reset seed; 0 asks for one from the clock
	SaveFailures bool   // also save episodes that did not succeed
	Width        int    // frame size in pixels
	Height       int
}

// ParseRecord parses the arguments of `record`. With -h it prints the flags
// to stdout and returns flag.ErrHelp.
func ParseRecord(args []string, stdout io.Writer) (*Record, error) {
	fs := newFlags("record")
	var r Record
	spec := fs.String("task", "", "task spec, e.g. \"ab\" (required)")
	fs.StringVar(&r.Dir, "dir", "", "dataset directory to append the episodes to, created if missing (required)")
	cli.SeedVar(fs, &r.Seed, 0, "the resets of the session's episodes, their base (0: from the clock)")
	fs.BoolVar(&r.SaveFailures, "save-failures", false, "also save episodes that did not succeed")
	fs.IntVar(&r.Width, "width", 960, "frame width in pixels")
	fs.IntVar(&r.Height, "height", 600, "frame height in pixels")
	if err := parse(fs, stdout, args); err != nil {
		return nil, err
	}
	switch {
	case *spec == "":
		return nil, usagef("record: --task is required")
	case r.Dir == "":
		return nil, usagef("record: --dir is required (the dataset to append to)")
	}
	if err := checkSize("record", r.Width, r.Height); err != nil {
		return nil, err
	}
	t, err := stack.Parse(*spec)
	if err != nil {
		return nil, usagef("record: %v", err)
	}
	r.Task = t
	return &r, nil
}

// newFlags returns a flag set that reports errors instead of printing them.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses args, turning flag errors into one-line usage errors,
// printing the flag list for -h and rejecting positional arguments.
func parse(fs *flag.FlagSet, stdout io.Writer, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stdout, "Usage of metabench %s:\n", fs.Name())
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return flag.ErrHelp
		}
		return usagef("%s: %v", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// checkSize validates a window size.
func checkSize(cmd string, w, h int) error {
	if w < 160 || h < 100 || w > 4096 || h > 4096 {
		return usagef("%s: window size %dx%d out of range 160x100..4096x4096", cmd, w, h)
	}
	return nil
}
