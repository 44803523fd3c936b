"""The Go binary's ECFP featuriser and BLEU, for Python callers."""

from __future__ import annotations

from typing import Any, Dict, Optional, Sequence, Union

import numpy as np

from ._bridge import Client, strings


def ecfp(smiles: Union[str, Sequence[str]], radius: int = 2, bits: int = 1024,
         binary: Optional[str] = None) -> np.ndarray:
    """Morgan (ECFP) fingerprints folded to `bits`, as a (n, bits) uint8
    0/1 matrix (one row for a single string: (bits,)), bit for bit those of
    `metabench drug featurize`. A SMILES that does not parse raises
    ServerError naming it."""
    single = isinstance(smiles, str)
    items = [smiles] if single else strings(smiles, "smiles")
    with Client(binary) as c:
        x = c.request("ecfp", smiles=items, radius=int(radius), bits=int(bits))["arrays"]["bits"]
    return x[0] if single else x


def bleu(refs: Union[Sequence[str], Sequence[Sequence[str]]], hyps: Sequence[str], tokenize: str = "13a",
         binary: Optional[str] = None) -> Dict[str, Any]:
    """Corpus BLEU of hyps against refs, as `metabench bleu`: refs is one
    reference per hypothesis, or a list of such reference streams. tokenize
    "13a" is sacreBLEU's default (exp smoothing); "none" is multi-bleu on
    whitespace tokens. Returns score, precisions (percent), bp, hyp_len,
    ref_len, chrf and tokenize."""
    hyps = strings(hyps, "hyps")
    refs = list(refs)
    streams = [refs] if refs and isinstance(refs[0], str) else [list(r) for r in refs]
    streams = [strings(s, f"refs[{k}]") for k, s in enumerate(streams)]
    with Client(binary) as c:
        r = c.request("bleu", hyps=hyps, refs=streams, tokenize=tokenize)
    return {k: r[k] for k in ("score", "precisions", "bp", "hyp_len", "ref_len", "chrf", "tokenize")}
