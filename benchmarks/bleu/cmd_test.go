package bleu

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/metabench/metabench/internal/cli"
)

func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCommand(t *testing.T) {
	dir := t.TempDir()
	ref := write(t, dir, "ref", "The cat sat on the mat.\r\nA dog ran.\r\n")
	hyp := write(t, dir, "hyp", "The cat sat on the mat.\nA dog ran.\n")
	short := write(t, dir, "short", "The cat sat on the mat.\n")
	bad := write(t, dir, "bad", "fine\n\xff\xfe\n")
	worse := write(t, dir, "worse", "A dog sat on the mat.\nThe cat ran.\n")
	cases := []struct {
		name    string
		args    []string
		want    string // in stdout on success, in the error otherwise
		usage   bool
		failure bool
	}{
		{"identical 13a", []string{"--ref", ref, "--hyp", hyp}, "BLEU = 100.00 100.0/100.0/100.0/100.0", false, false},
		{"signature", []string{"--ref", ref, "--hyp", hyp}, "signature: nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:" + ImplVersion, false, false},
		{"signature none", []string{"--ref", ref, "--ref", ref, "--hyp", hyp, "--tokenize", "none"}, "signature: nrefs:2|case:mixed|eff:no|tok:none|smooth:none|", false, false},
		{"paired", []string{"--ref", ref, "--hyp", worse, "--hyp2", hyp, "--paired-bs-n", "200", "--seed", "3"}, "signature: nrefs:1|bs:200|seed:3|case:mixed", false, false},
		{"paired p", []string{"--ref", ref, "--hyp", hyp, "--hyp2", hyp}, "p = 0.0010", false, false},
		{"paired misaligned", []string{"--ref", ref, "--hyp", hyp, "--hyp2", short}, "short has 1", false, true},
		{"paired bad n", []string{"--ref", ref, "--hyp", hyp, "--hyp2", hyp, "--paired-bs-n", "0"}, "paired-bs-n", true, false},
		{"identical none", []string{"--ref", ref, "--hyp", hyp, "--tokenize", "none"}, "BLEU = 100.00", false, false},
		{"misaligned", []string{"--ref", ref, "--hyp", short}, "has 2 lines but", false, true},
		{"invalid utf-8", []string{"--ref", ref, "--hyp", bad}, "bad:2: invalid UTF-8", false, true},
		{"unknown tokenizer", []string{"--ref", ref, "--hyp", hyp, "--tokenize", "intl"}, "want 13a or none", true, false},
		{"missing hyp", []string{"--ref", ref}, "give --hyp", true, false},
		{"missing file", []string{"--ref", ref, "--hyp", filepath.Join(dir, "nope")}, "nope", false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			err := Command().Run(context.Background(), cli.Env{Stdout: &out, Stderr: &out}, c.args)
			switch {
			case c.usage || c.failure:
				if err == nil || !strings.Contains(err.Error(), c.want) || cli.IsUsage(err) != c.usage {
					t.Fatalf("err = %v (usage %v), want one containing %q (usage %v)", err, cli.IsUsage(err), c.want, c.usage)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Fatalf("error spans lines: %q", err)
				}
			case err != nil:
				t.Fatal(err)
			case !strings.Contains(out.String(), c.want):
				t.Fatalf("output %q, want %q", out.String(), c.want)
			}
		})
	}
}
