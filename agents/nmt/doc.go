// Package nmt is neural machine translation for low-resource languages
// after Gu et al. 2018, "Meta-learning for low-resource neural machine
// translation" (docs/nmt.md): a Transformer encoder-decoder on the
// nn engine, the universal lexical representation (ULR) that lets
// languages with different vocabularies share one model, monolingual
// embeddings (PPMI + SVD) aligned to English by orthogonal Procrustes,
// first-order MAML and multitask training over many source languages,
// fine-tuning in three modes, and greedy and beam-search decoding.
package nmt
