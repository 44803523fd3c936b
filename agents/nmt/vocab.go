package nmt

import (
	"fmt"
	"slices"
)

// Special token ids, the same in every vocabulary.
const (
	PAD = iota
	BOS
	EOS
	UNK
	numSpecial
)

var specials = []string{"<pad>", "<s>", "</s>", "<unk>"}

// Vocab maps tokens to ids.
type Vocab struct {
	Tokens []string
	index  map[string]int
}

// NewVocab returns a vocabulary of the special tokens and then tokens.
func NewVocab(tokens []string) *Vocab {
	v := &Vocab{Tokens: append(slices.Clone(specials), tokens...), index: map[string]int{}}
	for i, t := range v.Tokens {
		if _, dup := v.index[t]; !dup {
			v.index[t] = i
		}
	}
	return v
}

// BuildVocab returns the tokens of sents that occur at least minCount
// times, most frequent first (ties in lexical order), at most maxSize.
func BuildVocab(sents [][]string, minCount, maxSize int) *Vocab {
	freq := map[string]int{}
	for _, s := range sents {
		for _, t := range s {
			freq[t]++
		}
	}
	var toks []string
	for t, n := range freq {
		if n >= minCount {
			toks = append(toks, t)
		}
	}
	slices.SortFunc(toks, func(a, b string) int {
		if freq[a] != freq[b] {
			return freq[b] - freq[a]
		}
		if a < b {
			return -1
		}
		return 1
	})
	if maxSize > 0 && len(toks) > maxSize {
		toks = toks[:maxSize]
	}
	return NewVocab(toks)
}

// Size is the number of ids.
func (v *Vocab) Size() int { return len(v.Tokens) }

// ID returns the id of tok, UNK if unknown.
func (v *Vocab) ID(tok string) int {
	if i, ok := v.index[tok]; ok {
		return i
	}
	return UNK
}

// Has reports whether tok is in the vocabulary.
func (v *Vocab) Has(tok string) bool { _, ok := v.index[tok]; return ok }

// IDs maps tokens to ids.
func (v *Vocab) IDs(toks []string) []int {
	out := make([]int, len(toks))
	for i, t := range toks {
		out[i] = v.ID(t)
	}
	return out
}

// Words maps ids to tokens, stopping at EOS and skipping specials.
func (v *Vocab) Words(ids []int) []string {
	var out []string
	for _, id := range ids {
		if id == EOS {
			break
		}
		if id < numSpecial || id >= len(v.Tokens) {
			continue
		}
		out = append(out, v.Tokens[id])
	}
	return out
}

func (v *Vocab) String() string { return fmt.Sprintf("Vocab(%d)", len(v.Tokens)) }
