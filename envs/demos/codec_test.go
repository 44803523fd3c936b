package demos

import (
	"bytes"
	"fmt"
	"math"
	"testing"
)

func TestPayloadRoundTrip(t *testing.T) {
	special := synthEpisode("abc", 3, 42, defaultSynth(3, 2))
	special.Obs[5] = float32(math.NaN())
	special.Obs[special.ObsDim+5] = float32(math.Inf(1))
	special.Obs[2*special.ObsDim+5] = float32(math.Inf(-1))
	special.Obs[3*special.ObsDim+4] = float32(math.Copysign(0, -1))
	special.Obs[4*special.ObsDim+4] = math.Float32frombits(0x7fc01234) // NaN payload
	special.Obs[5*special.ObsDim+4] = math.Float32frombits(1)          // denormal

	human := synthEpisode("ab cd", 0, 9, defaultSynth(4, 3))
	human.Source, human.ExpertActions = SourceHuman, nil

	tests := []struct {
		name string
		ep   *Episode
	}{
		{"two blocks", synthEpisode("ab", 0, 1, defaultSynth(2, 1))},
		{"ten blocks", synthEpisode("abcdefghij", 17, 2, defaultSynth(10, 9))},
		{"special values", special},
		{"human, no labels", human},
		{"no steps", &Episode{Task: "ab", Seed: 5, Source: SourceExpert, Outcome: OutcomeTimeout, ObsDim: 10, ActDim: 3,
			Obs: make([]float32, 10), Actions: []float32{}, States: []StateRecord{{Step: 0, Data: []byte{1, 2}}}}},
		{"no states", &Episode{Task: "ab", Index: 1 << 20, Seed: math.MaxUint64, Source: SourceExpert, Outcome: OutcomeSuccess, ObsDim: 1, ActDim: 1,
			Obs: []float32{1, 2, 3}, Actions: []float32{-1, 1}, ExpertActions: []float32{0, 0}}},
		{"empty state data", &Episode{Task: "ab", Source: SourceExpert, Outcome: OutcomeSuccess, ObsDim: 2, ActDim: 1,
			Obs: []float32{1, 2, 3, 4}, Actions: []float32{0.5}, States: []StateRecord{{0, nil}, {1, []byte{}}}}},
	}
	dec, err := newDecoder()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	enc, err := newEncoder()
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.ep.validate(); err != nil {
				t.Fatal(err)
			}
			raw := encodePayload(nil, tc.ep, false)
			got, discarded, err := decodePayload(raw)
			if err != nil || discarded {
				t.Fatalf("decode: %v (discarded %v)", err, discarded)
			}
			got.Task, got.Source = tc.ep.Task, tc.ep.Source
			sameEpisode(t, tc.ep, got)

			// Through a whole shard, twice: encoding is deterministic.
			var shard []byte
			shard = appendShardHeader(shard, shardHeader{Task: tc.ep.Task, Source: tc.ep.Source, Count: 1})
			shard = append(shard, encodeRecord(enc, tc.ep, false)...)
			again := appendShardHeader(nil, shardHeader{Task: tc.ep.Task, Source: tc.ep.Source, Count: 1})
			again = append(again, encodeRecord(enc, tc.ep, false)...)
			if !bytes.Equal(shard, again) {
				t.Fatal("encoding is not deterministic")
			}
			_, eps, err := decodeShardBytes(dec, shard)
			if err != nil || len(eps) != 1 {
				t.Fatalf("shard: %v, %d episodes", err, len(eps))
			}
		})
	}
}

func TestDiscardedRecord(t *testing.T) {
	ep := synthEpisode("ab", 4, 8, defaultSynth(2, 1))
	ep.Outcome = OutcomeTimeout
	got, discarded, err := decodePayload(encodePayload(nil, ep, true))
	if err != nil || !discarded || got.Index != 4 || got.Seed != 8 || got.Outcome != OutcomeTimeout || got.Obs != nil {
		t.Fatalf("got %+v, discarded %v, err %v", got, discarded, err)
	}
}

func TestValidate(t *testing.T) {
	good := func() *Episode { return synthEpisode("ab", 0, 1, defaultSynth(2, 1)) }
	tests := []struct {
		name   string
		change func(*Episode)
		want   string
	}{
		{"empty task", func(e *Episode) { e.Task = "" }, "bad task spec"},
		{"bad source", func(e *Episode) { e.Source = "Human!" }, "bad source"},
		{"no outcome", func(e *Episode) { e.Outcome = "" }, "bad outcome"},
		{"negative index", func(e *Episode) { e.Index = -1 }, "negative index"},
		{"zero obs dim", func(e *Episode) { e.ObsDim = 0 }, "observation size"},
		{"ragged actions", func(e *Episode) { e.Actions = e.Actions[:len(e.Actions)-1] }, "multiple of the action size"},
		{"missing final obs", func(e *Episode) { e.Obs = e.Obs[:len(e.Obs)-e.ObsDim] }, "observation values"},
		{"short labels", func(e *Episode) { e.ExpertActions = e.ExpertActions[1:] }, "expert action values"},
		{"states out of order", func(e *Episode) { e.States[1].Step = 0 }, "increasing order"},
		{"state beyond end", func(e *Episode) { e.States[len(e.States)-1].Step = e.Steps() + 1 }, "increasing order"},
	}
	if err := good().validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := good()
			tc.change(e)
			err := e.validate()
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestCompression measures the stored size on synthetic demonstrations and
// guards against regressions.
func TestCompression(t *testing.T) {
	enc, err := newEncoder()
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	for _, tc := range []struct {
		blocks int
		max    float64 // bytes per step
	}{{2, 40}, {5, 45}, {10, 60}} {
		var raw, stored, steps int
		for i := range 10 {
			ep := synthEpisode("x", i, uint64(1000*tc.blocks+i), defaultSynth(tc.blocks, tc.blocks-1))
			steps += ep.Steps()
			raw += 4 * (len(ep.Obs) + len(ep.Actions) + len(ep.ExpertActions))
			for _, s := range ep.States {
				raw += len(s.Data)
			}
			stored += len(encodeRecord(enc, ep, false))
		}
		bps := float64(stored) / float64(steps)
		t.Logf("%2d blocks: %5.1f bytes/step stored, %6.1f raw (%.1fx), %d steps/episode",
			tc.blocks, bps, float64(raw)/float64(steps), float64(raw)/float64(stored), steps/10)
		if bps > tc.max {
			t.Errorf("%d blocks: %.1f bytes/step, want at most %.0f", tc.blocks, bps, tc.max)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	enc, _ := newEncoder()
	ep := synthEpisode("abcdefghij", 0, 1, defaultSynth(10, 6))
	b.SetBytes(int64(4 * (len(ep.Obs) + 2*len(ep.Actions))))
	for b.Loop() {
		encodeRecord(enc, ep, false)
	}
}

func BenchmarkDecode(b *testing.B) {
	enc, _ := newEncoder()
	dec, _ := newDecoder()
	ep := synthEpisode("abcdefghij", 0, 1, defaultSynth(10, 6))
	shard := appendShardHeader(nil, shardHeader{Task: "abcdefghij", Source: SourceExpert, Count: 1})
	shard = append(shard, encodeRecord(enc, ep, false)...)
	b.SetBytes(int64(4 * (len(ep.Obs) + 2*len(ep.Actions))))
	for b.Loop() {
		if _, _, err := decodeShardBytes(dec, shard); err != nil {
			b.Fatal(fmt.Sprint(err))
		}
	}
}
