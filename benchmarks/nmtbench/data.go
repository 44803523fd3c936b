package nmtbench

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/metabench/metabench/agents/nmt"
	nmtassets "github.com/metabench/metabench/assets/nmt"
	"github.com/metabench/metabench/envs/lang"
)

// langData is one source language ready for the model: its vocabulary,
// monolingual embeddings aligned to English, and parallel sets.
type langData struct {
	Code             string
	Vocab            *nmt.Vocab
	Emb              *nmt.Embeddings // aligned to the English space
	SeedPairs, Held  int             // dictionary sizes (seed, held out)
	P1               float64         // alignment precision@1 on held-out pairs
	Train, Dev, Test []nmt.Example
	// TrainTokens are the English tokens of Train.
	TrainTokens int
	Family      string
	bpe         *lang.BPE // real data: the language's subwords
}

// dataset is everything a run trains and tests on.
type dataset struct {
	Eng    *nmt.Vocab
	EngEmb *nmt.Embeddings
	High   []*langData // meta-training languages
	Low    []*langData // meta-test languages
	Valid  *langData   // validation language for early stopping
	engBPE *lang.BPE
	// MaxLen bounds sentence lengths (longer pairs are left out).
	MaxLen int
}

func (d *dataset) find(code string) *langData {
	for _, l := range append(append(append([]*langData{}, d.High...), d.Low...), d.Valid) {
		if l != nil && l.Code == code {
			return l
		}
	}
	return nil
}

func examples(src, eng *nmt.Vocab, pairs []lang.Pair, maxLen int) []nmt.Example {
	out := make([]nmt.Example, 0, len(pairs))
	for _, p := range pairs {
		if len(p.Src) == 0 || len(p.Tgt) == 0 || len(p.Src) >= maxLen || len(p.Tgt) >= maxLen {
			continue
		}
		out = append(out, nmt.Example{Src: src.IDs(p.Src), Tgt: eng.IDs(p.Tgt)})
	}
	return out
}

// synthetic builds the dataset of the synthetic world of p.
func synthetic(p Profile, seed uint64) (*dataset, error) {
	cfg := lang.DefaultConfig(seed)
	cfg.Families = p.Families
	w, err := lang.NewWorld(cfg)
	if err != nil {
		return nil, err
	}
	d := &dataset{MaxLen: p.Model.MaxLen}
	engMono := w.Monolingual(nil, p.MonoSentences)
	d.Eng = nmt.BuildVocab(engMono, 1, 0)
	if d.EngEmb, err = nmt.PPMISVD(engMono, d.Eng, p.EmbDim, p.Window); err != nil {
		return nil, fmt.Errorf("english embeddings: %w", err)
	}
	for fi, f := range w.Families {
		for li, l := range f.Langs {
			low := li == len(f.Langs)-1
			ld, err := synthLang(w, l, d, p, seed, low)
			if err != nil {
				return nil, fmt.Errorf("language %s: %w", l.Code, err)
			}
			switch {
			case low:
				d.Low = append(d.Low, ld)
			case fi == 0 && li == len(f.Langs)-2 && len(f.Langs) > 2 && p.ValidLanguage:
				d.Valid = ld
			default:
				d.High = append(d.High, ld)
			}
		}
	}
	return d, nil
}

func synthLang(w *lang.World, l *lang.Language, d *dataset, p Profile, seed uint64, low bool) (*langData, error) {
	n := p.MonoSentences
	if low && p.LowMonoSentences > 0 {
		n = p.LowMonoSentences // a low-resource language has less text of any kind
	}
	mono := w.Monolingual(l, n)
	v := nmt.BuildVocab(mono, 1, 0)
	emb, err := nmt.PPMISVD(mono, v, p.EmbDim, p.Window)
	if err != nil {
		return nil, err
	}
	// Seed dictionary: p.SeedPairs content words drawn at random (a small
	// bilingual dictionary, as for a real language without parallel
	// data), paired with their English base words; every other content
	// word measures the alignment.
	r := rand.New(rand.NewPCG(seed, uint64(len(l.Code))<<32|uint64(l.Code[0])<<8|uint64(l.Code[len(l.Code)-1])))
	var pairs [][2]int
	add := func(kind string, n int, eng func(int) string) {
		for i := range n {
			s, e := v.ID(l.Root(kind, i)), d.Eng.ID(eng(i))
			if s != nmt.UNK && e != nmt.UNK {
				pairs = append(pairs, [2]int{s, e})
			}
		}
	}
	nn, nv, na := lang.LexiconSizes()
	add("noun", nn, lang.EnglishNoun)
	add("verb", nv, lang.EnglishVerb)
	add("adj", na, lang.EnglishAdj)
	r.Shuffle(len(pairs), func(i, j int) { pairs[i], pairs[j] = pairs[j], pairs[i] })
	k := min(p.SeedPairs, len(pairs)-1)
	if k < 1 {
		return nil, fmt.Errorf("%d dictionary pairs for a seed dictionary of %d", len(pairs), p.SeedPairs)
	}
	seedPairs, held := pairs[:k], pairs[k:]
	wm, err := nmt.Procrustes(emb, d.EngEmb, seedPairs)
	if err != nil {
		return nil, err
	}
	aligned := emb.Map(wm)
	ld := &langData{Code: l.Code, Family: l.Family, Vocab: v, Emb: aligned, SeedPairs: len(seedPairs), Held: len(held),
		P1: nmt.PrecisionAt1(aligned, d.EngEmb, held)}
	ld.Train = examples(v, d.Eng, w.Parallel(l, "train", p.TrainSentences), d.MaxLen)
	ld.Dev = examples(v, d.Eng, w.Parallel(l, "dev", p.DevSentences), d.MaxLen)
	ld.Test = examples(v, d.Eng, w.Parallel(l, "test", p.TestSentences), d.MaxLen)
	for _, e := range ld.Train {
		ld.TrainTokens += len(e.Tgt)
	}
	return ld, nil
}

// real builds the dataset of a real corpus directory ("ntrex": the
// embedded NTREX-128 languages): BPE subwords per language, embeddings
// from the training side, aligned on identical subwords (numbers, names,
// punctuation) as the seed dictionary.
func real(p Profile, seed uint64, data string) (*dataset, error) {
	var c *lang.Corpus
	var err error
	if data == "ntrex" {
		c, err = lang.ReadCorpus(nmtassets.FS, ".")
	} else {
		c, err = lang.ReadCorpus(nil, data)
	}
	if err != nil {
		return nil, err
	}
	train, dev, test := c.Split(5)
	pick := func(lines []string, idx []int) []string {
		out := make([]string, len(idx))
		for i, j := range idx {
			out[i] = lines[j]
		}
		return out
	}
	d := &dataset{MaxLen: p.Model.MaxLen}
	engTrain := pick(c.English, train)
	d.engBPE = lang.TrainBPE(engTrain, p.BPEMerges)
	engTok := tokenizeAll(d.engBPE, engTrain)
	d.Eng = nmt.BuildVocab(engTok, 2, p.MaxVocab)
	if d.EngEmb, err = nmt.PPMISVD(engTok, d.Eng, p.EmbDim, p.Window); err != nil {
		return nil, fmt.Errorf("english embeddings: %w", err)
	}
	mk := func(code string) (*langData, error) {
		src := c.Source[code]
		bpe := lang.TrainBPE(pick(src, train), p.BPEMerges)
		tok := tokenizeAll(bpe, pick(src, train))
		v := nmt.BuildVocab(tok, 2, p.MaxVocab)
		emb, err := nmt.PPMISVD(tok, v, p.EmbDim, p.Window)
		if err != nil {
			return nil, fmt.Errorf("%s embeddings: %w", code, err)
		}
		var pairs [][2]int
		for i, t := range v.Tokens {
			if i >= 4 && d.Eng.Has(t) {
				pairs = append(pairs, [2]int{i, d.Eng.ID(t)})
			}
		}
		wm, err := nmt.Procrustes(emb, d.EngEmb, pairs)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", code, err)
		}
		ld := &langData{Code: code, Vocab: v, Emb: emb.Map(wm), SeedPairs: len(pairs), bpe: bpe}
		set := func(idx []int) []nmt.Example {
			var ps []lang.Pair
			for _, j := range idx {
				ps = append(ps, lang.Pair{Src: bpe.Encode(src[j]), Tgt: d.engBPE.Encode(c.English[j])})
			}
			return examples(v, d.Eng, ps, d.MaxLen)
		}
		ld.Train, ld.Dev, ld.Test = set(train), set(dev), set(test)
		for _, e := range ld.Train {
			ld.TrainTokens += len(e.Tgt)
		}
		return ld, nil
	}
	for _, code := range c.High {
		ld, err := mk(code)
		if err != nil {
			return nil, err
		}
		d.High = append(d.High, ld)
	}
	for _, code := range c.Low {
		ld, err := mk(code)
		if err != nil {
			return nil, err
		}
		d.Low = append(d.Low, ld)
	}
	if p.ValidLanguage && len(c.Valid) > 0 {
		if d.Valid, err = mk(c.Valid[0]); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func tokenizeAll(b *lang.BPE, lines []string) [][]string {
	out := make([][]string, len(lines))
	for i, l := range lines {
		out[i] = b.Encode(l)
	}
	return out
}

// text turns English ids into the tokens BLEU compares: words for
// synthetic data, BPE pieces joined into words for real data.
func (d *dataset) text(ids []int) []string {
	w := d.Eng.Words(ids)
	if d.engBPE == nil {
		return w
	}
	return strings.Fields(lang.Decode(w))
}
