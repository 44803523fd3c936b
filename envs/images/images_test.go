package images

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func ExampleFlip() {
	ep, err := Flip{Side: 6}.Episode(TestSplit, 1, 1, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(ep.Support), reflect.DeepEqual(Mirror(ep.Support[0], 6, 6), ep.Target))
	// Output: 1 true
}

func TestSetsAreBinaryDeterministicAndSplit(t *testing.T) {
	small := CharacterConfig{Side: 26, Alphabets: 6, TestAlphabets: 2, Characters: 4, Drawers: 5}
	obj := ObjectConfig{Side: 20, Families: 6, TestFamilies: 2, Instances: 5}
	for _, mk := range []func(uint64) (*Set, error){
		func(s uint64) (*Set, error) { return Characters(small, s) },
		func(s uint64) (*Set, error) { return Objects(obj, s) },
	} {
		a, err := mk(1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := mk(1)
		c, _ := mk(2)
		if err := a.Check(); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%s: same seed, different sets", a.Name)
		}
		if reflect.DeepEqual(a.Train[0].Images, c.Train[0].Images) {
			t.Fatalf("%s: different seeds, same images", a.Name)
		}
		for _, cl := range a.Test {
			for _, tr := range a.Train {
				if cl.Group == tr.Group {
					t.Fatalf("%s: group %s in both splits", a.Name, cl.Group)
				}
			}
		}
		// Drawers of one class differ but share most ink: jitter, not noise.
		x, y := a.Train[0].Images[0], a.Train[0].Images[1]
		if reflect.DeepEqual(x, y) {
			t.Fatalf("%s: two instances are identical", a.Name)
		}
		ep, err := a.Episode(TestSplit, 3, 7, 4)
		if err != nil || len(ep.Support) != 3 {
			t.Fatalf("%s: episode %v %v", a.Name, ep, err)
		}
		// Test episodes are paired: same target, nested supports.
		ep1, _ := a.Episode(TestSplit, 1, 7, 4)
		if !reflect.DeepEqual(ep1.Target, ep.Target) || !reflect.DeepEqual(ep1.Support[0], ep.Support[0]) {
			t.Fatalf("%s: test episodes of k = 1 and 3 not paired", a.Name)
		}
		if _, err := a.Episode(TestSplit, 5, 7, 4); err == nil {
			t.Fatalf("%s: support of 5 from 5 instances accepted", a.Name)
		}
	}
	if _, err := (Flip{Side: 8}).Episode(TrainSplit, 2, 1, 0); err == nil {
		t.Fatal("flip with support 2 accepted")
	}
}

func TestDownsample(t *testing.T) {
	ink := make([]bool, rawSide*rawSide)
	ink[5*rawSide+9] = true     // block (1, 2)
	ink[104*rawSide+104] = true // the 105th row and column fall outside
	got := Downsample(ink)
	for i, v := range got {
		want := float32(0)
		if i == 1*OmniglotSide+2 {
			want = 1
		}
		if v != want {
			t.Fatalf("pixel %d = %v, want %v", i, v, want)
		}
	}
}

func TestDownsampleArea(t *testing.T) {
	square := func(y0, x0, n int) []bool {
		ink := make([]bool, rawSide*rawSide)
		for y := y0; y < y0+n; y++ {
			for x := x0; x < x0+n; x++ {
				ink[y*rawSide+x] = true
			}
		}
		return ink
	}
	full := square(0, 0, rawSide)
	for _, tc := range []struct {
		name string
		ink  []bool
		on   []int // inked output pixels
	}{
		{"blank", make([]bool, rawSide*rawSide), nil},
		{"full", full, nil}, // every pixel, checked below
		// Output pixel (1, 1) covers [4.04, 8.08)²: a 4×4 square at 4..7
		// covers 3.96² of its 4.04², so it inks it and nothing else.
		{"one block", square(4, 4, 4), []int{1*OmniglotSide + 1}},
		// A 2×2 square covers under half of any output pixel.
		{"small", square(4, 4, 2), nil},
		// The last row and column count: 4 pixels at 101..104 cover most
		// of output (25, 25) = [101, 105)².
		{"corner", square(101, 101, 4), []int{25*OmniglotSide + 25}},
	} {
		got := DownsampleArea(tc.ink)
		for i, v := range got {
			want := float32(0)
			if slices.Contains(tc.on, i) || tc.name == "full" {
				want = 1
			}
			if v != want {
				t.Errorf("%s: pixel %d = %v, want %v", tc.name, i, v, want)
			}
		}
	}
}

func TestPackedRoundTripAndErrors(t *testing.T) {
	s, err := Characters(CharacterConfig{Side: 26, Alphabets: 3, TestAlphabets: 1, Characters: 2, Drawers: 3}, 1)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WritePacked(&buf, s); err != nil {
		t.Fatal(err)
	}
	got, err := ReadPacked(bytes.NewReader(buf.Bytes()), "x.bits.gz")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Train, s.Train) || !reflect.DeepEqual(got.Test, s.Test) {
		t.Fatal("round trip changed the set")
	}
	if _, err := ReadPacked(bytes.NewReader(buf.Bytes()[:buf.Len()/2]), "half.bits.gz"); err == nil || !strings.Contains(err.Error(), "half.bits.gz") {
		t.Fatalf("truncated file: %v", err)
	}
	dir := t.TempDir()
	cases := map[string][]byte{
		"bad.npz":           []byte("PK not really"),
		"a/b/c/0001_01.png": []byte("\x89PNG broken"),
		"missing-dir/x.npz": nil,
	}
	for name, data := range cases {
		p := filepath.Join(dir, name)
		if data != nil {
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, data, 0o644)
		}
		target := p
		if strings.HasSuffix(name, ".png") {
			target = filepath.Join(dir, "a")
		}
		_, err := Omniglot(target)
		if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), filepath.Base(name)) {
			t.Fatalf("%s: error %v, want one line naming the file", name, err)
		}
	}
}

// TestShippedOmniglot reads the 26×26 set shipped in assets/density: 50
// alphabets, 1,623 characters of 20 drawers, the five test alphabets held
// out.
func TestShippedOmniglot(t *testing.T) {
	s, err := Omniglot("../../assets/density/omniglot26.bits.gz")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Train)+len(s.Test) != 1623 || len(s.Test) != 26+26+41+25+42 || s.MaxSupport != 19 {
		t.Fatalf("%d train, %d test characters, max support %d", len(s.Train), len(s.Test), s.MaxSupport)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}
