import re
import subprocess

import numpy as np
import pytest

import metabench

SMILES = ["CCO", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1", "C1CCC(CC1)N", "O=C(O)c1ccccc1OC(C)=O", "[Na+].[Cl-]"]


@pytest.mark.parametrize("radius,bits", [(2, 1024), (1, 64), (3, 2048)])
def test_ecfp_equals_the_cli(binary, tmp_path, radius, bits):
    csv = tmp_path / "m.csv"
    csv.write_text("smiles,active\n" + "".join(f"{s},{i % 2}\n" for i, s in enumerate(SMILES)))
    out = tmp_path / "x.npz"
    subprocess.run([binary, "drug", "featurize", "--data", str(csv), "--out", str(out),
                    "--radius", str(radius), "--bits", str(bits)], check=True, capture_output=True)
    want = np.load(out)["X"]
    got = metabench.ecfp(SMILES, radius=radius, bits=bits)
    assert got.dtype == np.uint8 and got.shape == (len(SMILES), bits)
    assert np.array_equal(got, want)
    assert got.sum() > len(SMILES)  # not an all-zero agreement
    assert np.array_equal(metabench.ecfp(SMILES[1], radius=radius, bits=bits), want[1])


def test_ecfp_bad_smiles(binary):
    with pytest.raises(metabench.ServerError, match=r"smiles\[1\]"):
        metabench.ecfp(["CCO", "C(("])
    with pytest.raises(TypeError):
        metabench.ecfp(["CCO", 3])


def cli_bleu(binary, tmp_path, refs, hyps, tok):
    h = tmp_path / "hyp.txt"
    h.write_text("".join(x + "\n" for x in hyps))
    args = [binary, "bleu", "--hyp", str(h), "--tokenize", tok]
    for k, stream in enumerate(refs):
        r = tmp_path / f"ref{k}.txt"
        r.write_text("".join(x + "\n" for x in stream))
        args += ["--ref", str(r)]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    bleu = float(re.search(r"BLEU = ([0-9.]+)", out).group(1))
    chrf = float(re.search(r"chrF2 = ([0-9.]+)", out).group(1))
    return bleu, chrf


@pytest.mark.parametrize("tok", ["13a", "none"])
def test_bleu_equals_the_cli(binary, tmp_path, tok):
    hyps = ["the cat sat on a mat .", "a dog ran in the park", "hello world"]
    refs = [["the cat sat on the mat .", "the dog ran through the park", "hello , world"],
            ["a cat sat on the mat .", "a dog runs in the park", "hello world !"]]
    got = metabench.bleu(refs, hyps, tokenize=tok)
    want_bleu, want_chrf = cli_bleu(binary, tmp_path, refs, hyps, tok)
    assert round(got["score"], 2) == want_bleu and round(got["chrf"], 2) == want_chrf
    assert 0 < got["score"] < 100
    single = metabench.bleu(refs[0], hyps, tokenize=tok)
    assert round(single["score"], 2) == cli_bleu(binary, tmp_path, refs[:1], hyps, tok)[0]


def test_bleu_misaligned(binary):
    with pytest.raises(metabench.ServerError, match="2 lines"):
        metabench.bleu(["a", "b"], ["a"])
