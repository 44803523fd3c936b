package bridge

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/metabench/metabench/benchmarks/bleu"
	"github.com/metabench/metabench/envs/molecules"
)

// ecfp folds Morgan fingerprints of SMILES strings into a bit matrix, as
// `metabench drug featurize` does.
func (s *Server) ecfp(hdr json.RawMessage, _ *Message) (reply, error) {
	var p struct {
		base
		SMILES []string `json:"smiles"`
		Radius *int     `json:"radius"`
		Bits   *int     `json:"bits"`
	}
	if err := decode(hdr, &p); err != nil {
		return reply{}, err
	}
	e := molecules.DefaultECFP
	if p.Radius != nil {
		e.Radius = *p.Radius
	}
	if p.Bits != nil {
		e.Bits = *p.Bits
	}
	// The same bounds as `drug featurize`.
	if e.Radius < 0 || e.Radius > 8 {
		return reply{}, fmt.Errorf("radius %d is out of range [0, 8]", e.Radius)
	}
	if e.Bits < 8 || e.Bits > 1<<20 {
		return reply{}, fmt.Errorf("bits %d is out of range [8, %d]", e.Bits, 1<<20)
	}
	if len(p.SMILES)*e.Bits > 1<<28 {
		return reply{}, fmt.Errorf("%d molecules × %d bits is over the reply limit: send fewer at a time", len(p.SMILES), e.Bits)
	}
	out := make([]byte, len(p.SMILES)*e.Bits)
	for i, smi := range p.SMILES {
		m, err := molecules.Parse(smi)
		if err != nil {
			return reply{}, fmt.Errorf("smiles[%d] %q: %v", i, smi, err)
		}
		row := out[i*e.Bits : (i+1)*e.Bits]
		for _, b := range e.OnBits(m) {
			row[b] = 1
		}
	}
	return ok(nil, U8("bits", out, len(p.SMILES), e.Bits)), nil
}

// bleu scores hypotheses against reference streams (refs[k][i] is the k-th
// reference of hypothesis i) as `metabench bleu` does: sacreBLEU's 13a
// tokenisation and exp smoothing, or multi-bleu on whitespace tokens.
func (s *Server) bleu(hdr json.RawMessage, _ *Message) (reply, error) {
	var p struct {
		base
		Hyps     []string   `json:"hyps"`
		Refs     [][]string `json:"refs"`
		Tokenize string     `json:"tokenize"`
	}
	if err := decode(hdr, &p); err != nil {
		return reply{}, err
	}
	var tok bleu.Tokenizer
	switch p.Tokenize {
	case "", "13a":
		p.Tokenize, tok = "13a", bleu.Tokenize13a
	case "none":
		tok = bleu.None
	default:
		return reply{}, fmt.Errorf("unknown tokenize %q (want 13a or none)", p.Tokenize)
	}
	if len(p.Refs) == 0 {
		return reply{}, errors.New("give at least one reference stream")
	}
	for k, r := range p.Refs {
		if len(r) != len(p.Hyps) {
			return reply{}, fmt.Errorf("reference stream %d has %d lines, the hypotheses %d", k, len(r), len(p.Hyps))
		}
	}
	var st bleu.Stats
	var chrf bleu.ChrFStats
	rs := make([][]string, len(p.Refs))
	for i, h := range p.Hyps {
		if !utf8.ValidString(h) {
			return reply{}, fmt.Errorf("hypothesis %d is not valid UTF-8", i)
		}
		for k := range p.Refs {
			rs[k] = tok(p.Refs[k][i])
		}
		st.Add(tok(h), rs)
		chrf.Add(h, p.Refs[0][i])
	}
	var r bleu.Result
	if p.Tokenize == "13a" {
		r = st.Sacre()
	} else {
		r = st.MultiBLEU()
	}
	return ok(map[string]any{"score": r.Score, "precisions": r.Precisions, "bp": r.BP,
		"hyp_len": r.HypLen, "ref_len": r.RefLen, "chrf": chrf.Score(), "tokenize": p.Tokenize}), nil
}
