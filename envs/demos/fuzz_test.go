package demos

import (
	"bytes"
	"testing"
)

// seedShards returns valid shard files and damaged versions of them.
func seedShards(t testing.TB) [][]byte {
	enc, err := newEncoder()
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	var out [][]byte
	for i, task := range []string{"ab", "abc de"} {
		data := appendShardHeader(nil, shardHeader{Task: task, Source: SourceExpert, Count: 2})
		for j := range 2 {
			ep := synthEpisode(task, j, uint64(i*10+j), defaultSynth(blocksOf(task), 1))
			ep.Obs, ep.Actions, ep.ExpertActions = ep.Obs[:9*ep.ObsDim], ep.Actions[:8*3], ep.ExpertActions[:8*3]
			ep.States = ep.States[:1]
			data = append(data, encodeRecord(enc, ep, false)...)
		}
		out = append(out, data, data[:len(data)/2], data[:fixedHeader])
	}
	return out
}

// FuzzDecodeShard feeds arbitrary bytes to the shard reader: it must return
// episodes or an error, never panic or allocate without bound.
func FuzzDecodeShard(f *testing.F) {
	for _, s := range seedShards(f) {
		f.Add(s)
	}
	f.Add([]byte(fileMagic))
	dec, err := newDecoder()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, eps, err := decodeShardBytes(dec, data)
		if err == nil {
			for _, ep := range eps {
				if verr := ep.validate(); verr != nil {
					t.Fatalf("decoded an invalid episode: %v", verr)
				}
			}
		}
	})
}

// FuzzDecodeRecord feeds arbitrary compressed bytes to the record decoder
// (decompression and episode decoding), as a record whose CRC matched.
func FuzzDecodeRecord(f *testing.F) {
	enc, err := newEncoder()
	if err != nil {
		f.Fatal(err)
	}
	ep := synthEpisode("ab", 1, 2, defaultSynth(2, 1))
	ep.Obs, ep.Actions, ep.ExpertActions, ep.States = ep.Obs[:4*ep.ObsDim], ep.Actions[:3*3], ep.ExpertActions[:3*3], ep.States[:1]
	raw := encodePayload(nil, ep, false)
	f.Add(enc.EncodeAll(raw, nil), uint16(len(raw)))
	f.Add(enc.EncodeAll(encodePayload(nil, ep, true), nil), uint16(40))
	enc.Close()
	dec, err := newDecoder()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, comp []byte, rawLen uint16) {
		decodeRecord(dec, comp, int(rawLen))
	})
}

// FuzzDecodePayload feeds arbitrary bytes to the episode decoder directly
// (past the CRC a fuzzer can hardly forge); whatever decodes must encode
// back to the same bytes.
func FuzzDecodePayload(f *testing.F) {
	for i, task := range []string{"ab", "abcd"} {
		ep := synthEpisode(task, i, uint64(i), defaultSynth(blocksOf(task), 1))
		ep.Obs, ep.Actions, ep.ExpertActions = ep.Obs[:6*ep.ObsDim], ep.Actions[:5*3], ep.ExpertActions[:5*3]
		ep.States = ep.States[:1]
		f.Add(encodePayload(nil, ep, false))
		f.Add(encodePayload(nil, ep, true))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ep, discarded, err := decodePayload(data)
		if err != nil || discarded {
			return
		}
		ep.Task, ep.Source = "x", SourceExpert
		if err := ep.validate(); err != nil {
			t.Fatalf("decoded an invalid episode: %v", err)
		}
		again, _, err := decodePayload(encodePayload(nil, ep, false))
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		again.Task, again.Source = ep.Task, ep.Source
		sameEpisode(t, ep, again)
	})
}

// FuzzParseManifest feeds arbitrary bytes to the manifest parser; whatever
// parses must marshal and parse again to the same manifest.
func FuzzParseManifest(f *testing.F) {
	dir := f.TempDir()
	cfg := testPlan()
	cfg.Tasks = cfg.Tasks[:2]
	generate(f, dir, cfg, 1, false)
	if _, err := Append(dir, func() *Episode {
		ep := runAttempt("ab", 0)
		ep.Source, ep.ExpertActions = SourceHuman, nil
		return ep
	}()); err != nil {
		f.Fatal(err)
	}
	m, err := readManifest(dir)
	if err != nil {
		f.Fatal(err)
	}
	good, _ := m.marshal()
	f.Add(good)
	f.Add([]byte(`{"format":"metabench-demos","version":1,"kind":"stack","source":"expert","tasks":[]}`))
	f.Add([]byte(`{"format":"metabench-demos","version":2}`))
	f.Add([]byte(`[1,2,3]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseManifest(data)
		if err != nil {
			return
		}
		out, err := m.marshal()
		if err != nil {
			t.Fatal(err)
		}
		m2, err := parseManifest(out)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		out2, _ := m2.marshal()
		if !bytes.Equal(out, out2) {
			t.Fatalf("marshal is not stable:\n%s\n%s", out, out2)
		}
	})
}
