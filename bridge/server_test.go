package bridge

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"strings"
	"testing"
)

// request encodes one request frame.
func request(t *testing.T, header map[string]any, arrays ...Array) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteMessage(&b, header, arrays...); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// rawFrame wraps payload in a length prefix.
func rawFrame(payload []byte) []byte {
	out := binary.LittleEndian.AppendUint32(nil, uint32(len(payload)))
	return append(out, payload...)
}

func headerOnly(h string) []byte {
	p := binary.LittleEndian.AppendUint32(nil, uint32(len(h)))
	return append(p, h...)
}

// replies runs a server over the given input and decodes every reply.
func replies(t *testing.T, in []byte) []map[string]any {
	t.Helper()
	var out bytes.Buffer
	if err := Serve(context.Background(), bytes.NewReader(in), &out); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	var got []map[string]any
	for {
		m, err := ReadMessage(&out)
		if err == io.EOF {
			return got
		}
		if err != nil {
			t.Fatalf("reply: %v", err)
		}
		var h map[string]any
		if err := json.Unmarshal(m.Header, &h); err != nil {
			t.Fatal(err)
		}
		for _, a := range m.Arrays {
			h["array:"+a.Name] = a
		}
		got = append(got, h)
	}
}

func TestBadRequestsGetErrorsAndTheServerGoesOn(t *testing.T) {
	hello := request(t, map[string]any{"op": "hello"})
	huge := binary.LittleEndian.AppendUint32(nil, MaxFrame+1)
	huge = append(huge, make([]byte, MaxFrame+1)...)
	cases := []struct {
		name, frame []byte
		want        string
	}{
		{[]byte("not JSON"), rawFrame(headerOnly("{nope")), "not a JSON object"},
		{[]byte("short payload"), rawFrame([]byte{1, 2}), "no header length"},
		{[]byte("header past the payload"), rawFrame([]byte{200, 0, 0, 0, '{'}), "does not fit"},
		{[]byte("data after the header object"), rawFrame(headerOnly(`{"op":"hello"} {}`)), "not a JSON object"},
		{[]byte("parameter to an op without any"), request(t, map[string]any{"op": "step", "action": 1}), "unknown field"},
		{[]byte("unknown op"), request(t, map[string]any{"op": "fly"}), "unknown op"},
		{[]byte("other version"), request(t, map[string]any{"op": "hello", "v": 99}), "version 99"},
		{[]byte("misspelt parameter"), request(t, map[string]any{"op": "make", "task": "ab", "taks": 1}), "unknown field"},
		{[]byte("bad task"), request(t, map[string]any{"op": "make", "task": "a1"}), "task"},
		{[]byte("step before make"), request(t, map[string]any{"op": "step"}), "send make first"},
		{[]byte("unknown dtype"), rawFrame(headerOnly(`{"op":"step","arrays":[{"name":"action","dtype":"<c8","shape":[3]}]}`)), "unknown dtype"},
		{[]byte("array past the end"), rawFrame(headerOnly(`{"op":"step","arrays":[{"name":"action","dtype":"<f4","shape":[3]}]}`)), "0 are left"},
		{[]byte("trailing bytes"), rawFrame(append(headerOnly(`{"op":"hello"}`), 7)), "after the last array"},
		{[]byte("frame over the limit"), huge, "over the limit"},
		{[]byte("bad SMILES"), request(t, map[string]any{"op": "ecfp", "smiles": []string{"C(("}}), "smiles[0]"},
		{[]byte("unaligned references"), request(t, map[string]any{"op": "bleu", "hyps": []string{"a"}, "refs": [][]string{{}}}), "0 lines"},
	}
	for _, c := range cases {
		t.Run(string(c.name), func(t *testing.T) {
			got := replies(t, append(append([]byte{}, c.frame...), hello...))
			if len(got) != 2 {
				t.Fatalf("%d replies, want 2", len(got))
			}
			if got[0]["ok"] != false || !strings.Contains(got[0]["error"].(string), c.want) {
				t.Errorf("reply %v, want an error containing %q", got[0], c.want)
			}
			if got[1]["ok"] != true || got[1]["protocol"] != float64(Version) {
				t.Errorf("hello after the bad request: %v", got[1])
			}
		})
	}
}

func TestEpisodeOverTheProtocol(t *testing.T) {
	var in []byte
	in = append(in, request(t, map[string]any{"op": "make", "task": "ab", "expert": true, "id": 7})...)
	in = append(in, request(t, map[string]any{"op": "reset", "seed": 3})...)
	in = append(in, request(t, map[string]any{"op": "step"}, F32("action", []float32{1, 0, 0}, 3))...)
	in = append(in, request(t, map[string]any{"op": "step"}, F32("action", []float32{1, 0}, 2))...)
	in = append(in, request(t, map[string]any{"op": "render"})...)
	in = append(in, request(t, map[string]any{"op": "close"})...)
	in = append(in, request(t, map[string]any{"op": "hello"})...) // after close: never answered
	got := replies(t, in)
	if len(got) != 6 {
		t.Fatalf("%d replies, want 6 (the server ends at close)", len(got))
	}
	if got[0]["id"] != float64(7) || got[0]["obs_dim"] != float64(10) {
		t.Errorf("make: %v", got[0])
	}
	if _, ok := got[1]["array:expert_action"]; !ok || got[1]["verdict"] != "running" {
		t.Errorf("reset: %v", got[1])
	}
	if obs := got[2]["array:obs"].(Array); got[2]["steps"] != float64(1) || len(obs.Shape) != 1 || obs.Shape[0] != 10 {
		t.Errorf("step: %v", got[2])
	}
	if got[3]["ok"] != false || !strings.Contains(got[3]["error"].(string), "2 values") {
		t.Errorf("short action: %v", got[3])
	}
	if rgb := got[4]["array:rgb"].(Array); len(rgb.Data) != 320*200*3 {
		t.Errorf("render: %d bytes", len(rgb.Data))
	}
}

func TestEveryOpHasAHandler(t *testing.T) {
	for _, op := range opNames() {
		if _, ok := lookup(op); !ok {
			t.Errorf("op %q is listed but has no handler", op)
		}
	}
}

func FuzzDecodePayload(f *testing.F) {
	f.Add(headerOnly(`{"op":"hello"}`))
	f.Add(append(headerOnly(`{"arrays":[{"name":"a","dtype":"<f4","shape":[1]}]}`), 0, 0, 0, 0))
	f.Fuzz(func(t *testing.T, p []byte) {
		m, err := DecodePayload(p)
		if err != nil {
			if _, ok := err.(*FrameError); !ok {
				t.Fatalf("error %v is not a *FrameError", err)
			}
			return
		}
		// The arrays tile the payload after the header exactly.
		n := 4 + len(m.Header)
		for _, a := range m.Arrays {
			size, err := a.byteSize()
			if err != nil || int(size) != len(a.Data) {
				t.Fatalf("array %q: %d bytes for size %d (%v)", a.Name, len(a.Data), size, err)
			}
			n += len(a.Data)
		}
		if n != len(p) {
			t.Fatalf("decoded %d of %d bytes", n, len(p))
		}
	})
}

// TestRequestReaderReusesItsBuffer checks the reused request buffer: each
// request decodes to its own content whatever the sizes before it, a large
// request's buffer is not kept, and a request's arrays view the buffer
// until the next read.
func TestRequestReaderReusesItsBuffer(t *testing.T) {
	big := make([]byte, maxReusedPayload+1)
	for i := range big {
		big[i] = byte(i)
	}
	steps := []Array{
		F32("action", []float32{1, 2, 3}, 1, 3),
		U8("blob", big, len(big)),
		F32("action", []float32{4, 5, 6}, 1, 3),
		F32("action", []float32{7, 8, 9}, 1, 3),
	}
	var in bytes.Buffer
	for _, a := range steps {
		in.Write(request(t, map[string]any{"op": "vstep", "v": 2}, a))
	}
	var rr requestReader
	for i, want := range steps {
		m, err := rr.read(&in)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		a, found := m.Array(want.Name)
		if !found || !bytes.Equal(a.Data, want.Data) || m.base.Op != "vstep" {
			t.Fatalf("request %d decoded as %+v", i, m.base)
		}
		if cap(rr.payload) > maxReusedPayload {
			t.Fatalf("request %d: a %d-byte buffer kept", i, cap(rr.payload))
		}
	}
	if _, err := rr.read(&in); err != io.EOF {
		t.Fatalf("after the last request: %v, want io.EOF", err)
	}
}
