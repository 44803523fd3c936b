package imitation

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

const killChildEnv = "METABENCH_IMITATION_KILL_CHILD"

// killLogEvery puts a loss-curve point every few steps, so that kills land
// in loss.csv and loss.png writes and between curve points.
const killLogEvery = 3

// TestKillChild is the trainer that TestKillDuringCheckpointResumes kills:
// it checkpoints after every step, so a kill lands mid-checkpoint often.
func TestKillChild(t *testing.T) {
	dir := os.Getenv(killChildEnv)
	if dir == "" {
		t.Skip("run by TestKillDuringCheckpointResumes")
	}
	tr := newKillTrainer(t, 1_000_000)
	if _, err := Train(context.Background(), tr, RunOptions{Dir: dir, Resume: true, CheckpointEvery: 1, Workers: 1, LogEvery: killLogEvery}); err != nil {
		t.Fatal(err)
	}
}

func newKillTrainer(t *testing.T, steps int) *Trainer {
	t.Helper()
	o := DefaultTrainOptions(AlgoDAgger)
	o.Steps, o.TasksPerBatch, o.PairsPerTask, o.DAggerStart, o.DAggerRounds, o.DAggerEpisodes = steps, 2, 4, 0.99, 1, 1
	return newTestTrainer(t, o)
}

// TestKillDuringCheckpointResumes kills a trainer that checkpoints every
// step with SIGKILL at 20 random moments (a seeded schedule); after each
// kill the model directory must pass the --out check, load and resume, and
// the final weights, loss.csv (but for its wall-time column), loss.png and
// the weights' trace must equal those of an uninterrupted run.
func TestKillDuringCheckpointResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 20 processes")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(7, 7))
	last := 0
	for kill := range 20 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$")
		cmd.Env = append(os.Environ(), killChildEnv+"="+dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if kill == 0 {
			// On a loaded machine the first checkpoint may take a while:
			// wait for it, so that every kill can land in a later one.
			for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				if ck, _ := LatestCheckpoint(dir); ck != "" {
					break
				}
			}
		}
		time.Sleep(time.Duration(150+rng.IntN(400)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		if err := CheckOutDir(dir); err != nil {
			t.Fatalf("after kill %d: %v", kill+1, err)
		}
		cc, err := ReadConfig(dir)
		if err != nil {
			t.Fatalf("after kill %d: %v", kill+1, err)
		}
		if _, _, err := Load(dir, nil); err != nil {
			t.Fatalf("after kill %d at step %d: %v", kill+1, cc.Step, err)
		}
		if cc.Step < last {
			t.Fatalf("after kill %d: checkpoint went back from step %d to %d", kill+1, last, cc.Step)
		}
		last = cc.Step
	}
	if last == 0 {
		t.Fatal("no checkpoint survived: the trainer never got going")
	}
	// Resume to two steps past the last checkpoint, and compare with an
	// uninterrupted run to the same step.
	end := last + 2
	resumed := newKillTrainer(t, 1_000_000)
	if _, err := Train(context.Background(), resumed, RunOptions{Dir: dir, Resume: true, Until: end, Workers: 1, LogEvery: killLogEvery}); err != nil {
		t.Fatalf("resume after 20 kills: %v", err)
	}
	straight := newKillTrainer(t, 1_000_000)
	straightDir := t.TempDir()
	if _, err := Train(context.Background(), straight, RunOptions{Dir: straightDir, Until: end, Workers: 1, LogEvery: killLogEvery}); err != nil {
		t.Fatal(err)
	}
	if a, b := stepLoss(t, straightDir), stepLoss(t, dir); a != b {
		t.Errorf("loss.csv after 20 kills:\n%s\nuninterrupted:\n%s", b, a)
	}
	if a, b := checkpointTrace(t, straightDir), checkpointTrace(t, dir); a != b {
		t.Errorf("%s after 20 kills:\n%s\nuninterrupted:\n%s", TraceFile, b, a)
	}
	a, _ := os.ReadFile(filepath.Join(straightDir, LossPNG))
	b, _ := os.ReadFile(filepath.Join(dir, LossPNG))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Error("loss.png after 20 kills differs from an uninterrupted run's")
	}
	for i, p := range straight.M.Params() {
		if !slices.Equal(p.Value, resumed.M.Params()[i].Value) {
			t.Fatalf("after 20 kills and a resume to step %d, %s differs from an uninterrupted run", end, p.Name)
		}
	}
	t.Logf("20 kills, last checkpoint at step %d", last)
}
