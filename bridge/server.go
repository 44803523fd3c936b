package bridge

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strings"
	"time"
)

// base holds the header fields every request may carry.
type base struct {
	Op     string          `json:"op"`
	ID     json.RawMessage `json:"id,omitempty"`
	V      *int            `json:"v,omitempty"`
	Arrays []Array         `json:"arrays,omitempty"`
}

// reply is what a handler returns: header fields besides ok and id, and
// arrays.
type reply struct {
	fields any // a struct or map encoded as the header's other fields
	arrays []Array
	close  bool // the server ends after sending it
}

func ok(fields any, arrays ...Array) reply {
	return reply{fields: fields, arrays: arrays}
}

// handler answers one op; params is the request header, m the whole
// request.
type handler func(s *Server, hdr json.RawMessage, m *Message) (reply, error)

// opNames lists the requests the server answers, in sorted order.
func opNames() []string {
	return []string{"bench", "bleu", "close", "demos", "ecfp", "hello", "make", "render", "reset", "step", "vmake", "vrender", "vreset", "vstep"}
}

// opVersion is the protocol version that introduced op: a request that
// names an older version cannot use it.
func opVersion(op string) int {
	switch op {
	case "vmake", "vreset", "vstep", "vrender":
		return 2
	}
	return 1
}

// lookup returns the handler of op.
func lookup(op string) (handler, bool) {
	switch op {
	case "hello":
		return (*Server).hello, true
	case "make":
		return (*Server).makeEnv, true
	case "reset":
		return (*Server).reset, true
	case "step":
		return (*Server).step, true
	case "render":
		return (*Server).render, true
	case "close":
		return (*Server).closeOp, true
	case "bench":
		return (*Server).bench, true
	case "demos":
		return (*Server).demos, true
	case "ecfp":
		return (*Server).ecfp, true
	case "bleu":
		return (*Server).bleu, true
	case "vmake":
		return (*Server).vmake, true
	case "vreset":
		return (*Server).vreset, true
	case "vstep":
		return (*Server).vstep, true
	case "vrender":
		return (*Server).vrender, true
	}
	return nil, false
}

// Server holds one connection's state: the environments made by the last
// make (one) or vmake (several).
type Server struct {
	envs []*session
	// batch is the vreset and vstep reply of envs, reused from request to
	// request: a step of the vector then allocates nothing for its reply,
	// which matters because the garbage collector's cycles are a good part
	// of a step's cost. Serve sends a reply before it reads the next
	// request, so a reply's arrays are valid until the next Handle.
	batch *batch
	// acts and resets hold vstep's decoded request from request to
	// request, so that a step allocates nothing for them.
	acts   []float32
	resets []bool
}

// yieldEvery is how often Serve passes through the scheduler. A stepping
// client keeps the serving goroutine going in and out of system calls (a
// read per request, a write per reply) without ever rescheduling it, which
// the runtime's monitor (sysmon) takes for a goroutine running too long:
// every 10 ms it takes the P from the read or sends a preemption signal,
// and each time it goes back to waking every 20 µs. On the 2-core KVM
// guest those wake-ups cost about 1 µs of CPU per step (of 13); a yield
// well within the 10 ms lets the monitor sleep, as it does beside a Go
// loop that makes no system calls.
const yieldEvery = 2 * time.Millisecond

// Serve answers requests from r on w until r ends (the client closed its
// end or died), a "close" request, or a broken stream. A request that
// cannot be decoded or fails gets an error reply; the server goes on.
func Serve(ctx context.Context, r io.Reader, w io.Writer) error {
	br := bufio.NewReaderSize(r, 1<<16)
	bw := bufio.NewWriterSize(w, 1<<16)
	s := &Server{}
	var reqs requestReader
	var reps replyCache
	lastYield := time.Now()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if now := time.Now(); now.Sub(lastYield) >= yieldEvery {
			runtime.Gosched()
			lastYield = now
		}
		m, err := reqs.read(br)
		if errors.Is(err, io.EOF) {
			return nil
		}
		var id json.RawMessage
		var rep reply
		var fe *FrameError
		switch {
		case errors.As(err, &fe):
			err = fe
		case err != nil:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("serve: %w", err)
		default:
			id, rep, err = s.Handle(m)
		}
		errMsg := ""
		if err != nil {
			errMsg, rep = oneLine(err.Error()), reply{}
		}
		hdr, err := reps.header(id, errMsg, rep.fields, rep.arrays)
		if err != nil {
			// A result JSON cannot hold (a NaN, say) is the request's
			// failure, not the server's.
			rep = reply{close: rep.close}
			if hdr, err = replyHeader(id, oneLine("reply: "+err.Error()), nil, nil); err != nil {
				return fmt.Errorf("serve: %w", err)
			}
		}
		if n := frameSize(hdr, rep.arrays); n > math.MaxUint32 {
			rep = reply{close: rep.close}
			if hdr, err = replyHeader(id, fmt.Sprintf("reply of %d bytes is over the frame limit of 4 GiB: ask for less at a time", n), nil, nil); err != nil {
				return fmt.Errorf("serve: %w", err)
			}
		}
		if err := writeFrame(bw, hdr, rep.arrays); err != nil {
			return fmt.Errorf("serve: write reply: %w", err)
		}
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("serve: write reply: %w", err)
		}
		if rep.close {
			return nil
		}
	}
}

// replyCache remembers the last header of a reply made of arrays alone (a
// vstep's): the next step's has the same arrays, so its header is the same
// bytes, compared instead of encoded.
type replyCache struct {
	specs []Array // names, dtypes and shapes; no data
	hdr   []byte
}

// header is replyHeader, from the cache when it can be.
func (c *replyCache) header(id json.RawMessage, errMsg string, fields any, arrays []Array) ([]byte, error) {
	if errMsg != "" || fields != nil || len(id) > 0 {
		return replyHeader(id, errMsg, fields, arrays)
	}
	if c.hdr != nil && sameSpecs(c.specs, arrays) {
		return c.hdr, nil
	}
	hdr, err := replyHeader(nil, "", nil, arrays)
	if err != nil {
		return nil, err
	}
	c.specs = c.specs[:0]
	for _, a := range arrays {
		c.specs = append(c.specs, Array{Name: a.Name, DType: a.DType, Shape: append([]int(nil), a.Shape...)})
	}
	c.hdr = hdr
	return hdr, nil
}

func sameSpecs(specs, arrays []Array) bool {
	if len(specs) != len(arrays) {
		return false
	}
	for i, a := range arrays {
		s := specs[i]
		if s.Name != a.Name || s.DType != a.DType || !slices.Equal(s.Shape, a.Shape) {
			return false
		}
	}
	return true
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }

// Handle answers one decoded request: it returns the request's id (to
// echo), the reply, or the error to send instead. The reply's arrays may
// be reused by the next request: send or copy them first.
func (s *Server) Handle(m *Message) (id json.RawMessage, rep reply, err error) {
	b := m.base
	if b.V != nil && (*b.V < MinVersion || *b.V > Version) {
		return b.ID, reply{}, fmt.Errorf("protocol version %d is not served (this server speaks versions %d to %d)", *b.V, MinVersion, Version)
	}
	h, found := lookup(b.Op)
	if !found {
		return b.ID, reply{}, fmt.Errorf("unknown op %q (want one of %s)", b.Op, strings.Join(opNames(), ", "))
	}
	if need := opVersion(b.Op); b.V != nil && *b.V < need {
		return b.ID, reply{}, fmt.Errorf("op %s is protocol version %d; the request says version %d", b.Op, need, *b.V)
	}
	// A bug in a handler is answered like a bad request: the client learns
	// of it and the other environments of its vector keep running.
	defer func() {
		if p := recover(); p != nil {
			rep, err = reply{}, fmt.Errorf("%s: internal error: %v", b.Op, p)
		}
	}()
	rep, err = h(s, m.Header, m)
	if err != nil {
		return b.ID, reply{}, fmt.Errorf("%s: %w", b.Op, err)
	}
	return b.ID, rep, nil
}

// decode reads a request header into p (which embeds base), refusing
// unknown fields so that a misspelt parameter is an error, not a default.
func decode(hdr json.RawMessage, p any) error {
	dec := json.NewDecoder(bytes.NewReader(hdr))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p); err != nil {
		return fmt.Errorf("parameters: %v", err)
	}
	return nil
}

// noParams checks that a request without parameters has none: a header
// found plain when the frame was decoded needs no second reading.
func noParams(hdr json.RawMessage, m *Message) error {
	if m.plain {
		return nil
	}
	var p struct{ base }
	return decode(hdr, &p)
}

func (s *Server) hello(hdr json.RawMessage, m *Message) (reply, error) {
	if err := noParams(hdr, m); err != nil {
		return reply{}, err
	}
	// A client that names its version hears that version back, so one
	// written for version 1 that checks the number goes on working.
	v := Version
	if m.base.V != nil {
		v = *m.base.V
	}
	return ok(map[string]any{"protocol": v, "protocols": []int{MinVersion, Version}, "server": "metabench", "ops": opNames()}), nil
}

func (s *Server) closeOp(hdr json.RawMessage, m *Message) (reply, error) {
	if err := noParams(hdr, m); err != nil {
		return reply{}, err
	}
	s.envs, s.batch = nil, nil
	r := ok(nil)
	r.close = true
	return r, nil
}
