// Package nmtbench is the nmt suite: meta-learning for low-resource
// translation after Gu et al. 2018 (docs/nmt.md). It meta-trains
// (first-order MAML) and multitask-trains a Transformer with the universal
// lexical representation on high-resource languages, fine-tunes it on
// small support sets of low-resource languages and reports BLEU: by
// support-set size, by fine-tuning mode, by number of meta-training
// languages, zero-shot with and without ULR, and a fully supervised upper
// bound. Languages are synthetic (envs/lang) or real (--data ntrex|DIR).
package nmtbench

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/metabench/metabench/benchmarks/bleu"
	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/internal/cli"
)

// New returns the nmt suite.
func New() *suite.Suite { return suite.New(spec()) }

// spec declares the nmt suite.
func spec() suite.Spec[Profile, configuration, Rows] {
	return suite.Spec[Profile, configuration, Rows]{
		Name:        "nmt",
		Summary:     "meta-learning for low-resource translation (Gu et al. 2018): FOMAML vs multitask, ULR, BLEU",
		Profiles:    profiles(),
		Default:     "default",
		Config:      config,
		Run:         run,
		Merge:       merge,
		Tables:      tables,
		Across:      across,
		AcrossPlots: acrossPlots,
		Plots:       plots,
		Prepare:     true,
		Claims:      paperClaims,
		Measure:     measure,
		Flags: []suite.Flag{{Name: "lang-emb", Default: "ours",
			Usage: "ours: one E_lang per language, zero at the start; both: also multitask with the authors' embedding shared by token id, never reset"}},
		Commands: []cli.Command{trainCommand(), evalCommand(), translateCommand(), bleu.Command()},
	}
}

// configuration is what determines a run's results.
type configuration struct {
	Profile Profile
	Seed    uint64
	Data    string
	Version int
}

// version changes when the code changes results, so that cached models
// of older code are not reused.
const version = 6

// config makes the configuration of o at scale p: the scale as --lang-emb
// and the data adjust it, and the data's identity (a directory by its
// absolute path).
func config(o suite.Options, p Profile) (configuration, error) {
	switch o.Flags["lang-emb"] {
	case "", "ours":
	case "both":
		p.TokenLangEmb = true
	default:
		return configuration{}, cli.Usagef("nmt: --lang-emb %q: want ours or both", o.Flags["lang-emb"])
	}
	p = p.forData(o.Data)
	builtin := o.Data == "ntrex" || o.Data == "tatoeba"
	if o.Data != "" && !builtin {
		if fi, err := os.Stat(o.Data); err != nil || !fi.IsDir() {
			return configuration{}, cli.Usagef("nmt: --data %q: want ntrex, tatoeba or a directory (languages.tsv with eng.txt and CODE.txt, or CODE.tsv pairs)", o.Data)
		}
	}
	data := o.Data
	if data != "" && !builtin {
		var err error
		if data, err = filepath.Abs(data); err != nil {
			return configuration{}, fmt.Errorf("nmt: --data %q: %w", o.Data, err)
		}
	}
	return configuration{Profile: p, Seed: o.Seed, Data: data, Version: version}, nil
}

// merge combines shard rows: the trained models (every shard reports the
// ones it trained; all agree), the alignment rows (the same in every
// shard) and the units, in unit order.
func merge(shards []Rows) (Rows, error) {
	if len(shards) == 0 {
		return Rows{}, fmt.Errorf("no shards")
	}
	out := Rows{Data: shards[0].Data, Align: shards[0].Align}
	out.Models = make([]ModelRow, len(shards[0].Models))
	for _, s := range shards {
		if len(s.Models) != len(out.Models) {
			return Rows{}, fmt.Errorf("shards list %d and %d models", len(out.Models), len(s.Models))
		}
		for i, m := range s.Models {
			if m.Steps >= 0 && out.Models[i].Name == "" {
				out.Models[i] = m
			}
		}
		out.Units = append(out.Units, s.Units...)
	}
	for i, m := range out.Models {
		if m.Name == "" {
			out.Models[i] = ModelRow{Name: shards[0].Models[i].Name, Steps: -1}
		}
	}
	slices.SortFunc(out.Units, func(a, b Row) int { return cmp.Compare(a.Unit, b.Unit) })
	for i, u := range out.Units {
		if i > 0 && out.Units[i-1].Unit == u.Unit {
			return Rows{}, fmt.Errorf("unit %d in two shards", u.Unit)
		}
	}
	return out, nil
}

// Row is the result of one unit of work: a low-resource language
// fine-tuned (or not) from one trained model.
type Row struct {
	Unit      int     `json:"unit"`
	Exp       string  `json:"exp"`   // main, modes, zeroshot, langs, supervised
	Model     string  `json:"model"` // meta, multitask, meta-noULR, meta-N, supervised
	Lang      string  `json:"lang"`
	Size      int     `json:"size"` // fine-tuning target tokens asked for
	Set       int     `json:"set"`  // support set
	Mode      string  `json:"mode,omitempty"`
	K         int     `json:"k,omitempty"` // fixedk: fine-tuning steps
	Tokens    int     `json:"tokens"`      // target tokens of the support set
	BestEpoch int     `json:"best_epoch"`
	Dev       float64 `json:"dev_bleu"`
	BLEU      float64 `json:"bleu"` // test, multi-bleu on tokens
	ChrF      float64 `json:"chrf"`
}

// ModelRow summarises the training of one shared model.
type ModelRow struct {
	Name      string    `json:"name"`
	Method    string    `json:"method"`
	ULR       bool      `json:"ulr"`
	Langs     []string  `json:"langs"`
	Steps     int       `json:"steps"`
	BestStep  int       `json:"best_step"`
	BestScore float64   `json:"best_score"`
	Losses    []float64 `json:"losses"`
	Tokens    int       `json:"tokens"`
}

// AlignRow is the monolingual embedding alignment of one language.
type AlignRow struct {
	Lang   string  `json:"lang"`
	Role   string  `json:"role"`
	Family string  `json:"family,omitempty"`
	Seed   int     `json:"seed_pairs"`
	Held   int     `json:"held_pairs"`
	P1     float64 `json:"p_at_1"`
	Train  int     `json:"train_tokens"`
}

// Speed is measured on the machine of the run (not merged bit-identically:
// it is wall time). Training and fine-tuning share the workers, so their
// times are worker-seconds (one worker runs one job at a time), and the
// training rate is that of one worker.
type Speed struct {
	TrainTokensPerSec  float64 `json:"train_tokens_per_s"`
	DecodeSentsPerSec  float64 `json:"beam_decode_sentences_per_s"`
	GreedySentsPerSec  float64 `json:"greedy_decode_sentences_per_s"`
	TrainSeconds       float64 `json:"train_seconds"`
	FineTuneSeconds    float64 `json:"finetune_seconds"`
	BeamWidth          int     `json:"beam_width"`
	DecodedSentences   int     `json:"decoded_sentences"`
	TrainedTargetToken int     `json:"trained_target_tokens"`
}

// Rows are what a run of the suite measures.
type Rows struct {
	Data   string     `json:"data"`
	Models []ModelRow `json:"models"`
	Align  []AlignRow `json:"align"`
	Units  []Row      `json:"units"`
	Speed  *Speed     `json:"speed,omitempty"`
}
