package collect

import (
	"testing"

	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/policies"
	"github.com/metabench/metabench/sim"
)

func TestRecordedExpertEpisodesReplayExactly(t *testing.T) {
	cfg := sim.DefaultConfig()
	for _, spec := range []string{"ab", "abc de"} {
		task := stack.MustParse(spec)
		ep, err := Expert(task, cfg, stack.EpisodeSeed(1, task, 0), 0, policies.DefaultNoise)
		if err != nil {
			t.Fatal(err)
		}
		if ep.Outcome != "success" || len(ep.ExpertActions) != len(ep.Actions) || len(ep.States) < 3 {
			t.Fatalf("%q: outcome %s, %d labels for %d actions, %d states", spec, ep.Outcome, len(ep.ExpertActions), len(ep.Actions), len(ep.States))
		}
		v, err := Replay(ep, cfg)
		if err != nil || v != stack.Success {
			t.Fatalf("%q: replay gave %v, %v", spec, v, err)
		}
		ep.Actions[3*5] += 0.5 // nudge one action: the replay must notice
		if _, err := Replay(ep, cfg); err == nil {
			t.Fatalf("%q: replay of a tampered episode passed", spec)
		}
	}
}
