package safetensors

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzRead feeds arbitrary bytes to the readers. They must never panic, Parse
// and Read must agree, and whatever they accept must survive a write/read
// round trip unchanged; a file already in canonical form (the one Write
// produces) must be reproduced byte for byte.
func FuzzRead(f *testing.F) {
	seeds := [][]Tensor{
		nil,
		{FromFloat32("w", []int{2, 2}, []float32{1, 2, 3, 4})},
		{FromUint8("a", []int{0}, nil), FromFloat64("s", nil, []float64{1})},
		sampleTensors(),
	}
	for _, ts := range seeds {
		f.Add(marshal(f, ts, nil))
		f.Add(marshal(f, ts, map[string]string{"format": "pt", "k": "v\n"}))
	}
	f.Add(file(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"F32","shape":[1],"data_offsets":[1,5]}}`, make([]byte, 5)))
	f.Add(file(`{"__metadata__":null,"x":{"dtype":"F4","shape":[2,1],"data_offsets":[0,1]}}`, []byte{7}))
	f.Add(file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)))

	f.Fuzz(func(t *testing.T, data []byte) {
		pf, perr := Parse(data)
		rf, rerr := Read(bytes.NewReader(data), int64(len(data)))
		if (perr == nil) != (rerr == nil) {
			t.Fatalf("Parse error %v, Read error %v", perr, rerr)
		}
		if perr != nil {
			if perr.Error() != rerr.Error() {
				t.Fatalf("Parse error %q, Read error %q", perr, rerr)
			}
			return
		}
		if !reflect.DeepEqual(pf.Metadata, rf.Metadata) || len(pf.Tensors) != len(rf.Tensors) {
			t.Fatalf("Parse and Read disagree")
		}
		var buf bytes.Buffer
		if err := Write(&buf, pf.Tensors, pf.Metadata); err != nil {
			t.Fatalf("Write of a parsed file: %v", err)
		}
		out := buf.Bytes()
		g, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse of rewritten file: %v", err)
		}
		if len(g.Tensors) != len(pf.Tensors) || len(g.Metadata) != len(pf.Metadata) {
			t.Fatalf("round trip changed the file")
		}
		for k, v := range pf.Metadata {
			if g.Metadata[k] != v {
				t.Fatalf("round trip changed metadata %q", k)
			}
		}
		for _, want := range pf.Tensors {
			got, ok := g.Tensor(want.Name)
			if !ok || got.DType != want.DType || !reflect.DeepEqual(got.Shape, want.Shape) || !bytes.Equal(got.Data, want.Data) {
				t.Fatalf("round trip changed tensor %q", want.Name)
			}
		}
		if err := g.Expect(specsOf(pf.Tensors)); err != nil {
			t.Fatalf("Expect after round trip: %v", err)
		}
		var again bytes.Buffer
		if err := Write(&again, g.Tensors, g.Metadata); err != nil || !bytes.Equal(again.Bytes(), out) {
			t.Fatalf("writing is not idempotent: %v", err)
		}
	})
}
