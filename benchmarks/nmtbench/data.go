package nmtbench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/metabench/metabench/agents/nmt"
	nmtassets "github.com/metabench/metabench/assets/nmt"
	"github.com/metabench/metabench/envs/lang"
)

// alignTop bounds the words (by frequency) among which the alignment's
// self-learning pairs mutual nearest neighbours.
const alignTop = 2000

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
	// DevRef and TestRef are the English references of Dev and Test as
	// written (real data only), for sacreBLEU.
	DevRef, TestRef []string
	bpe             *lang.BPE // real data: the language's subwords
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
// synthetic stops between languages, returning ctx's error, once ctx is
// cancelled (a language's embeddings take about a second).
func synthetic(ctx context.Context, p Profile, seed uint64) (*dataset, error) {
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
			if err := ctx.Err(); err != nil {
				return nil, err
			}
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
	wm, err := nmt.RefinedProcrustes(emb, d.EngEmb, seedPairs, p.AlignRefine, alignTop)
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

// realLang is one real language's pairs, split: English and source
// sentences of train, dev and test.
type realLang struct {
	code             string
	train, dev, test [][2]string // (english, source)
}

// readReal reads real data: "ntrex" (the embedded NTREX-128, one English
// side for all languages, split by document), "tatoeba" (the embedded
// Tatoeba pairs, each language with its own English side, split by the
// English sentence) or a directory of either layout (CODE.tsv pairs, or
// eng.txt with line-aligned CODE.txt).
func readReal(data string) (high, low, valid []realLang, err error) {
	var pc *lang.PairCorpus
	switch {
	case data == "tatoeba":
		pc, err = lang.ReadPairs(nmtassets.Tatoeba, "tatoeba")
	case data != "ntrex" && isPairDir(data):
		pc, err = lang.ReadPairs(nil, data)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if pc != nil {
		mk := func(codes []string) []realLang {
			var out []realLang
			for _, code := range codes {
				eng, src := pc.English[code], pc.Source[code]
				tr, dv, te := lang.SplitByEnglish(eng, 10)
				pick := func(idx []int) [][2]string {
					ps := make([][2]string, len(idx))
					for i, j := range idx {
						ps[i] = [2]string{eng[j], src[j]}
					}
					return ps
				}
				out = append(out, realLang{code: code, train: pick(tr), dev: pick(dv), test: pick(te)})
			}
			return out
		}
		return mk(pc.High), mk(pc.Low), mk(pc.Valid), nil
	}
	var c *lang.Corpus
	if data == "ntrex" {
		c, err = lang.ReadCorpus(nmtassets.FS, ".")
	} else {
		c, err = lang.ReadCorpus(nil, data)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	train, dev, test := c.Split(5)
	mk := func(codes []string) []realLang {
		var out []realLang
		for _, code := range codes {
			pick := func(idx []int) [][2]string {
				ps := make([][2]string, len(idx))
				for i, j := range idx {
					ps[i] = [2]string{c.English[j], c.Source[code][j]}
				}
				return ps
			}
			out = append(out, realLang{code: code, train: pick(train), dev: pick(dev), test: pick(test)})
		}
		return out
	}
	return mk(c.High), mk(c.Low), mk(c.Valid), nil
}

// isPairDir reports whether dir holds pairs (CODE.tsv[.gz]) rather than a
// line-aligned corpus (eng.txt[.gz]).
func isPairDir(dir string) bool {
	for _, n := range []string{"eng.txt", "eng.txt.gz"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			return false
		}
	}
	m, _ := filepath.Glob(filepath.Join(dir, "*.tsv*"))
	return len(m) > 1 // languages.tsv and at least one CODE.tsv
}

// real builds the dataset of real data (readReal): BPE subwords per
// language, embeddings from the training side, aligned on identical
// subwords (numbers, names, punctuation) as the seed dictionary.
func real(p Profile, seed uint64, data string) (*dataset, error) {
	high, low, valid, err := readReal(data)
	if err != nil {
		return nil, err
	}
	d := &dataset{MaxLen: p.Model.MaxLen}
	// The English side: every training sentence once (with Tatoeba an
	// English sentence recurs across languages), in a fixed order.
	var engTrain []string
	seen := map[string]bool{}
	for _, l := range slices.Concat(high, low, valid) {
		for _, pr := range l.train {
			if !seen[pr[0]] {
				seen[pr[0]] = true
				engTrain = append(engTrain, pr[0])
			}
		}
	}
	d.engBPE = lang.TrainBPE(engTrain, p.BPEMerges)
	engTok := tokenizeAll(d.engBPE, engTrain)
	d.Eng = nmt.BuildVocab(engTok, 2, p.MaxVocab)
	if d.EngEmb, err = nmt.PPMISVD(engTok, d.Eng, p.EmbDim, p.Window); err != nil {
		return nil, fmt.Errorf("english embeddings: %w", err)
	}
	mk := func(rl realLang) (*langData, error) {
		code := rl.code
		var srcTrain []string
		for _, pr := range rl.train {
			srcTrain = append(srcTrain, pr[1])
		}
		bpe := lang.TrainBPE(srcTrain, p.BPEMerges)
		tok := tokenizeAll(bpe, srcTrain)
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
		// set keeps the English text of what it keeps: real data are
		// scored by sacreBLEU against the reference as written.
		set := func(prs [][2]string) ([]nmt.Example, []string) {
			var ex []nmt.Example
			var refs []string
			for _, pr := range prs {
				e := examples(v, d.Eng, []lang.Pair{{Src: bpe.Encode(pr[1]), Tgt: d.engBPE.Encode(pr[0])}}, d.MaxLen)
				if len(e) == 1 {
					ex = append(ex, e[0])
					refs = append(refs, pr[0])
				}
			}
			return ex, refs
		}
		ld.Train, _ = set(rl.train)
		ld.Dev, ld.DevRef = set(rl.dev)
		ld.Test, ld.TestRef = set(rl.test)
		for _, e := range ld.Train {
			ld.TrainTokens += len(e.Tgt)
		}
		return ld, nil
	}
	for _, rl := range high {
		ld, err := mk(rl)
		if err != nil {
			return nil, err
		}
		d.High = append(d.High, ld)
	}
	for _, rl := range low {
		ld, err := mk(rl)
		if err != nil {
			return nil, err
		}
		d.Low = append(d.Low, ld)
	}
	if p.ValidLanguage && len(valid) > 0 {
		if d.Valid, err = mk(valid[0]); err != nil {
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
