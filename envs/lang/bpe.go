package lang

import (
	"fmt"
	"slices"
	"strings"
)

// BPE is a byte-pair-encoding subword vocabulary in subword-nmt's
// convention: a word is split into pieces, every piece but the last
// marked with a trailing "@@".
type BPE struct {
	Merges [][2]string
	rank   map[[2]string]int
}

// ContinuationMark ends every piece of a word but its last.
const ContinuationMark = "@@"

// TrainBPE learns up to merges merge operations from the words of lines
// (white-space separated). Ties between equally frequent pairs go to the
// lexicographically smallest, so training is deterministic. Pair counts
// are updated incrementally: a merge touches only the words that contain
// its pair.
func TrainBPE(lines []string, merges int) *BPE {
	freq := map[string]int{}
	for _, l := range lines {
		for _, w := range strings.Fields(l) {
			freq[w]++
		}
	}
	words := make([]string, 0, len(freq))
	for w := range freq {
		words = append(words, w)
	}
	slices.Sort(words) // a fixed order: map iteration is random
	syms := make([][]string, len(words))
	counts := make([]int, len(words))
	pairs := map[[2]string]int{}
	where := map[[2]string]map[int]bool{} // pair → words containing it
	addPairs := func(i, sign int) {
		s := syms[i]
		for j := 0; j+1 < len(s); j++ {
			p := [2]string{s[j], s[j+1]}
			pairs[p] += sign * counts[i]
			if sign > 0 {
				if where[p] == nil {
					where[p] = map[int]bool{}
				}
				where[p][i] = true
			}
		}
	}
	for i, w := range words {
		syms[i], counts[i] = splitChars(w), freq[w]
		addPairs(i, 1)
	}
	b := &BPE{rank: map[[2]string]int{}}
	for range merges {
		var best [2]string
		bestN := 0
		for p, n := range pairs {
			if n > bestN || (n == bestN && (p[0] < best[0] || (p[0] == best[0] && p[1] < best[1]))) {
				best, bestN = p, n
			}
		}
		if bestN < 2 {
			break
		}
		b.rank[best] = len(b.Merges)
		b.Merges = append(b.Merges, best)
		ids := make([]int, 0, len(where[best]))
		for i := range where[best] {
			ids = append(ids, i)
		}
		slices.Sort(ids)
		for _, i := range ids {
			addPairs(i, -1)
			syms[i] = mergePair(syms[i], best)
			addPairs(i, 1)
		}
		delete(where, best)
		for p, n := range pairs {
			if n == 0 {
				delete(pairs, p)
			}
		}
	}
	return b
}

// endOfWord marks the last symbol of a word during merging, so that word
// endings are learned apart from word-internal sequences.
const endOfWord = "</w>"

func splitChars(w string) []string {
	var out []string
	for _, c := range w {
		out = append(out, string(c))
	}
	out[len(out)-1] += endOfWord
	return out
}

func mergePair(syms []string, p [2]string) []string {
	out := syms[:0:0]
	for i := 0; i < len(syms); i++ {
		if i+1 < len(syms) && syms[i] == p[0] && syms[i+1] == p[1] {
			out = append(out, syms[i]+syms[i+1])
			i++
			continue
		}
		out = append(out, syms[i])
	}
	return out
}

// NewBPE rebuilds a vocabulary from its merges (as saved with a model).
func NewBPE(merges [][2]string) *BPE {
	b := &BPE{Merges: merges, rank: map[[2]string]int{}}
	for i, m := range merges {
		b.rank[m] = i
	}
	return b
}

// Encode splits a line into pieces, applying merges in the order learned.
func (b *BPE) Encode(line string) []string {
	var out []string
	for _, w := range strings.Fields(line) {
		syms := splitChars(w)
		for len(syms) > 1 {
			best, bestRank := -1, len(b.Merges)
			for j := 0; j+1 < len(syms); j++ {
				if r, ok := b.rank[[2]string{syms[j], syms[j+1]}]; ok && r < bestRank {
					best, bestRank = j, r
				}
			}
			if best < 0 {
				break
			}
			syms = mergePair(syms, b.Merges[bestRank])
		}
		for j, s := range syms {
			if j < len(syms)-1 {
				out = append(out, s+ContinuationMark)
			} else {
				out = append(out, strings.TrimSuffix(s, endOfWord))
			}
		}
	}
	return out
}

// Decode joins pieces back into words.
func Decode(pieces []string) string {
	return strings.ReplaceAll(strings.Join(pieces, " "), ContinuationMark+" ", "")
}

// String summarises the vocabulary.
func (b *BPE) String() string { return fmt.Sprintf("BPE(%d merges)", len(b.Merges)) }
