package stack

import "testing"

func TestOutcomes(t *testing.T) {
	var a, b Outcomes
	for _, v := range []Verdict{Success, WrongMove, Success, ManipulationFailure} {
		a.Add(v)
	}
	for _, v := range []Verdict{Timeout, Running} {
		b.Add(v)
	}
	if want := (Outcomes{Episodes: 4, Successes: 2, WrongMoves: 1, ManipulationFailures: 1, SuccessRate: 0.5}); a != want {
		t.Errorf("after adding: %+v, want %+v", a, want)
	}
	a.Merge(b)
	if want := (Outcomes{Episodes: 6, Successes: 2, WrongMoves: 1, ManipulationFailures: 1, Timeouts: 2, SuccessRate: 2.0 / 6}); a != want {
		t.Errorf("after merging: %+v, want %+v", a, want)
	}
}
