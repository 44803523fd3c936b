package nmtbench

import (
	"slices"
	"time"

	"github.com/metabench/metabench/agents/nmt"
	"github.com/metabench/metabench/benchmarks/suite"
)

// Profile is the scale of a run. Behaviour follows these fields only.
type Profile struct {
	// Synthetic world: languages per family (the last of each is
	// low-resource); sentences per corpus.
	Families      []int
	MonoSentences int
	// LowMonoSentences is the monolingual text of a low-resource language
	// (0: MonoSentences), whose embeddings are then poorer, as for a real
	// low-resource language.
	LowMonoSentences                            int
	TrainSentences, DevSentences, TestSentences int
	// Embeddings and alignment.
	EmbDim int
	Window int // co-occurrence window of the embeddings
	// SeedPairs is the size of each synthetic language's seed dictionary
	// for the alignment (random content words; the rest measure it).
	SeedPairs int
	// AlignRefine is the number of self-learning iterations of the
	// alignment (nmt.RefinedProcrustes; 0: Procrustes on the seed only).
	AlignRefine int
	// ValidLanguage holds one high-resource language out of training, for
	// early stopping of (meta-)training.
	ValidLanguage bool
	BPEMerges     int // real data: merges per language
	MaxVocab      int // real data: tokens per vocabulary
	Model         nmt.Config
	// Train is the shared models' training; Method and Seed are set per
	// model, InnerMode and InnerLR from FineTune (trainConfig).
	Train nmt.TrainConfig
	// TokenLangEmb adds the ablation with the authors' multitask language
	// embedding (one table shared by token id, never reset) beside ours,
	// in the main table (bench nmt --lang-emb both).
	TokenLangEmb bool
	// MultitaskDouble adds multitask trained for twice the steps (equal
	// compute: a meta step costs two multitask steps) to the main table.
	MultitaskDouble bool
	// Fine-tuning: sizes in target tokens, support sets per size, the
	// mode of the main table.
	Sizes       []int
	SupportSets int
	FineTune    nmt.FineTuneConfig
	// FixedK is the fixed-K protocol: test BLEU (greedy) after each K
	// fine-tuning steps with no dev selection, at the sizes FixedKSizes,
	// for meta and multitask (empty: skip).
	FixedK      []int
	FixedKSizes []int
	// Modes compares the fine-tuning modes at this size (0: skip).
	ModesSize int
	// ZeroShot tests the shared models without fine-tuning; ZeroShotPlain
	// adds a model with plain embeddings instead of ULR.
	ZeroShot, ZeroShotPlain bool
	// LangCounts meta-trains on the first n high-resource languages (by
	// family, round robin) and fine-tunes at LangCountSize (empty: skip).
	LangCounts    []int
	LangCountSize int
	// Supervised trains a model on each low-resource language's full
	// training set (the upper bound) for SupervisedSteps steps (0: skip).
	SupervisedSteps int
	// DevEval and TestEval bound the sentences decoded for model selection
	// and for the reported score; Beam is the test beam width (1: greedy).
	DevEval, TestEval int
	Beam              int
	LenPenalty        float64
	// Real data (--data) replaces Sizes, the model's MaxLen and EmbDim:
	// news sentences in subwords are longer than synthetic ones, and the
	// embeddings come from the training side of a small corpus, not from
	// a large monolingual one.
	RealSizes  []int
	RealMaxLen int
	RealEmbDim int
	// Tatoeba's sentences are short (5-7 words) and its low-resource
	// languages have 1,775-6,000 pairs: TatoebaSizes replace RealSizes.
	TatoebaSizes []int
	// SupervisedHigh adds the supervised upper bound (SupervisedSteps) on
	// these high-resource languages of real data: a check that the model
	// and data translate at all before any meta-learning.
	SupervisedHigh []string
}

// forData returns p adjusted for real data when data is set.
func (p Profile) forData(data string) Profile {
	if data == "" {
		return p
	}
	if len(p.RealSizes) > 0 {
		p.Sizes = p.RealSizes
	}
	if data == "tatoeba" && len(p.TatoebaSizes) > 0 {
		p.Sizes = p.TatoebaSizes
		p.FixedKSizes = slices.DeleteFunc(slices.Clone(p.FixedKSizes), func(s int) bool { return !slices.Contains(p.Sizes, s) })
	}
	if data == "" {
		p.SupervisedHigh = nil
	}
	if p.RealMaxLen > 0 {
		p.Model.MaxLen = p.RealMaxLen
	}
	if p.RealEmbDim > 0 {
		p.EmbDim = p.RealEmbDim
	}
	return p
}

// primaryOnly is p with only what the claims' first two endpoints need:
// meta and multitask fine-tuned at p's smallest and largest size, on the
// same world with the same shared models. A unit's result depends only on
// the world, the shared models, the run's seed and the unit, so the cells
// of primaryOnly(p) are the cells of p of the same seed
// (TestPrimaryOnlyCellsArePCells), at a fraction of the cost: the many
// seeds the power rule asks for.
func primaryOnly(p Profile) Profile {
	p.Sizes = []int{p.Sizes[0], p.Sizes[len(p.Sizes)-1]}
	p.FixedK, p.FixedKSizes = nil, nil
	p.ModesSize = 0
	p.ZeroShot, p.ZeroShotPlain = false, false
	p.LangCounts = nil // LangCountSize stays: validation's support size follows it
	p.SupervisedSteps = 0
	p.SupervisedHigh = nil
	return p
}

// quickMemoryLimit is the quick profile's soft memory limit (2.5 GiB at 2
// workers; suite.Profile scales it with more). On Tatoeba the two shared
// models that train at once each hold one pass of their largest batch
// (1,000 target tokens of sentences up to 63 subwords: up to 0.94 GB),
// steadily, 1.5-2.2 GB in all; without a limit the heap grew to twice what
// was live before each collection (4.2 GB resident four minutes into
// training), with it collections come sooner (every 15-20 s, under 1% of
// the CPU time) and the run stayed at 2.6 GB.
const quickMemoryLimit = 5 << 29

var baseModel = nmt.Config{D: 64, Heads: 4, FF: 128, EncLayers: 2, DecLayers: 2, Dropout: 0.1, ULR: true, Temp: 0.05, LabelSmoothing: 0.1, MaxLen: 40}

// profiles are the suite's scales, in order. Behaviour follows the fields
// only.
func profiles() []suite.Profile[Profile] {
	smoke := Profile{
		Families: []int{2, 2}, MonoSentences: 2000, TrainSentences: 600, DevSentences: 10, TestSentences: 20,
		EmbDim: 16, Window: 5, SeedPairs: 30, AlignRefine: 5, BPEMerges: 200, MaxVocab: 400,
		Model: nmt.Config{D: 16, Heads: 2, FF: 32, EncLayers: 1, DecLayers: 1, Dropout: 0.1, ULR: true, Temp: 0.05, LabelSmoothing: 0.1, MaxLen: 32},
		Train: nmt.TrainConfig{Steps: 30, BatchSize: 8, LR: 3e-3, Warmup: 10, InnerTokens: 60},
		Sizes: []int{200}, SupportSets: 2,
		FineTune: nmt.FineTuneConfig{Mode: nmt.FineTuneEmbEnc, Epochs: 1, BatchSize: 8, LR: 1e-3},
		FixedK:   []int{0, 2}, FixedKSizes: []int{200},
		ModesSize: 200, ZeroShot: true, ZeroShotPlain: true,
		DevEval: 10, TestEval: 20, Beam: 2, LenPenalty: 1,
	}
	def := Profile{
		Families: []int{3, 3}, MonoSentences: 60000, LowMonoSentences: 30000, TrainSentences: 4000, DevSentences: 60, TestSentences: 120,
		EmbDim: 64, Window: 5, SeedPairs: 30, AlignRefine: 5, BPEMerges: 1000, MaxVocab: 1200,
		Model: nmt.Config{D: 48, Heads: 4, FF: 96, EncLayers: 2, DecLayers: 2, Dropout: 0.1, ULR: true, Temp: 0.05, LabelSmoothing: 0.1, MaxLen: 40},
		Train: nmt.TrainConfig{Steps: 400, BatchSize: 24, LR: 3e-3, Warmup: 100, InnerTokens: 500},
		Sizes: []int{1000}, SupportSets: 2,
		FineTune: nmt.FineTuneConfig{Mode: nmt.FineTuneEmbEnc, Epochs: 3, BatchSize: 24, LR: 1e-3},
		ZeroShot: true,
		DevEval:  30, TestEval: 100, Beam: 1, LenPenalty: 1,
		RealSizes: []int{4000, 16000}, RealMaxLen: 64, RealEmbDim: 32, TatoebaSizes: []int{1000},
	}
	// quick: 9 high-resource languages in 3 families, a low-resource
	// language in each and a fourth low-resource language alone in a
	// family of its own (SVO, agglutinative, adjectives first: a typology
	// no meta-training family has, as Turkish and Korean in the paper).
	// Both shared models train for the same number of steps, with no
	// early stopping on a validation language.
	quick := Profile{
		Families: []int{4, 4, 4, 1}, MonoSentences: 100000, LowMonoSentences: 40000, TrainSentences: 12000, DevSentences: 100, TestSentences: 200,
		EmbDim: 64, Window: 5, SeedPairs: 30, AlignRefine: 5, BPEMerges: 2000, MaxVocab: 2500,
		Model: baseModel,
		Train: nmt.TrainConfig{Steps: 1000, BatchSize: 32, LR: 3e-3, Warmup: 200, InnerTokens: 1000},
		Sizes: []int{250, 500, 1000, 4000}, SupportSets: 5,
		FineTune: nmt.FineTuneConfig{Mode: nmt.FineTuneEmbEnc, Epochs: 16, Patience: 3, BatchSize: 32, LR: 1e-3},
		FixedK:   []int{0, 1, 4, 16, 64}, FixedKSizes: []int{250, 1000},
		ModesSize: 1000, ZeroShot: true, ZeroShotPlain: true, LangCounts: []int{3}, LangCountSize: 250,
		SupervisedSteps: 3000,
		DevEval:         100, TestEval: 200, Beam: 4, LenPenalty: 1,
		RealSizes: []int{4000, 16000}, RealMaxLen: 64, RealEmbDim: 32,
		TatoebaSizes: []int{250, 1000, 4000}, SupervisedHigh: []string{"spa"},
	}
	power := primaryOnly(quick)
	full := quick
	full.Families = []int{6, 6, 6, 6, 1}
	full.MonoSentences, full.LowMonoSentences, full.TrainSentences = 100000, 40000, 100000
	full.Model = nmt.Config{D: 512, Heads: 8, FF: 512, EncLayers: 6, DecLayers: 6, Dropout: 0.1, ULR: true, Temp: 0.05, LabelSmoothing: 0.1, MaxLen: 64}
	full.EmbDim, full.RealEmbDim = 300, 300
	full.Train = nmt.TrainConfig{Steps: 40000, BatchSize: 128, LR: 5e-4, Warmup: 16000, InnerTokens: 2000}
	full.Sizes = []int{250, 500, 1000, 4000, 16000, 40000, 160000}
	full.FixedKSizes = []int{250, 1000, 4000}
	full.SupportSets = 5
	full.MultitaskDouble = true
	full.FineTune.Epochs = 16
	full.LangCounts = []int{5, 10, 15, 18}
	full.SupervisedSteps = 40000
	full.DevEval, full.TestEval = 500, 1000
	return []suite.Profile[Profile]{
		{Name: "smoke", Summary: "tests: 4 tiny languages, a 16-wide 1+1-layer model, 30 training steps", Expected: 10 * time.Second, Scale: smoke},
		{Name: "default", Summary: "FOMAML vs multitask on 2 synthetic low-resource languages at 1k target tokens, zero-shot with ULR", Expected: 30 * time.Second, Scale: def},
		{Name: "quick", Summary: "13 synthetic languages, 4 low-resource (one of a typology no training family has): 250-4k tokens, fixed-K and converged protocols, modes, zero-shot with/without ULR, 3 vs 9 languages, upper bound, design gates", Expected: 15 * time.Minute,
			MemoryLimit: quickMemoryLimit, Scale: quick},
		{Name: "power", Summary: "quick's world, models and fine-tuning, only meta and multitask at 250 and 4k tokens: one seed of the primary endpoint's power run", Expected: 7 * time.Minute,
			MemoryLimit: quickMemoryLimit, Scale: power},
		{Name: "full", Summary: "paper scale: 25 languages, Transformer 512×6, 5 support sets, sizes 0-160k", Expected: 48 * time.Hour, Scale: full},
	}
}
