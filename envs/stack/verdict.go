package stack

// Verdict is the outcome of an episode.
type Verdict int

// Episode outcomes, after the paper (Duan et al. 2017, docs/imitation.md), made precise:
//
//   - Success: every block rests where the goal puts it (on its goal block,
//     or upright on the table), nothing is held, and everything has been
//     still for the success hold time.
//   - ManipulationFailure: a block fell off the table. The gripper cannot
//     reach below the table top, so this cannot be undone; the episode ends
//     at once.
//   - WrongMove: at the time limit, some block rests on a block it does not
//     stand on in the goal: the layout is incompatible with the goal.
//   - Timeout: at the time limit, with no block lost and no wrong stacking
//     (blocks may be on the table, tilted or still in the gripper): a
//     recoverable failure.
const (
	Running Verdict = iota
	Success
	WrongMove
	ManipulationFailure
	Timeout
)

var verdictNames = [...]string{"running", "success", "wrong-move", "manipulation-failure", "timeout"}

// String returns the verdict's name as used in tables and datasets.
func (v Verdict) String() string {
	if v < 0 || int(v) >= len(verdictNames) {
		return "unknown"
	}
	return verdictNames[v]
}

// Failures lists the failure verdicts in table order.
var Failures = []Verdict{WrongMove, ManipulationFailure, Timeout}

// Outcomes counts the verdicts of finished episodes; the benchmarks' result
// rows embed it. A verdict other than Success, WrongMove and
// ManipulationFailure counts as a timeout.
type Outcomes struct {
	Episodes             int     `json:"episodes"`
	Successes            int     `json:"successes"`
	WrongMoves           int     `json:"wrong_moves"`
	ManipulationFailures int     `json:"manipulation_failures"`
	Timeouts             int     `json:"timeouts"`
	SuccessRate          float64 `json:"success_rate"` // Successes / Episodes
}

// Add counts one episode's verdict.
func (o *Outcomes) Add(v Verdict) {
	switch v {
	case Success:
		o.Successes++
	case WrongMove:
		o.WrongMoves++
	case ManipulationFailure:
		o.ManipulationFailures++
	default:
		o.Timeouts++
	}
	o.Episodes++
	o.SuccessRate = float64(o.Successes) / float64(o.Episodes)
}

// Merge adds the counts of p.
func (o *Outcomes) Merge(p Outcomes) {
	o.Episodes += p.Episodes
	o.Successes += p.Successes
	o.WrongMoves += p.WrongMoves
	o.ManipulationFailures += p.ManipulationFailures
	o.Timeouts += p.Timeouts
	if o.Episodes > 0 {
		o.SuccessRate = float64(o.Successes) / float64(o.Episodes)
	}
}
