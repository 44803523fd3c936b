package windowcli

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"
)

func TestParseView(t *testing.T) {
	v, err := ParseView([]string{"--task", "ab cd", "--task", "abc", "--seed", "4", "--speed", "2"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Tasks) != 2 || v.Tasks[0].String() != "ab cd" || v.Seed != 4 || v.Speed != 2 || v.Policy != "expert" {
		t.Errorf("got %+v", v)
	}
	// One task: n goes on through the split, without repeating it.
	v, err = ParseView([]string{"--task", "ab", "--split", "test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.Tasks[0].String() != "ab" || len(v.Tasks) < 2 {
		t.Errorf("tasks %v", v.Tasks)
	}
	for _, task := range v.Tasks[1:] {
		if task.String() == "ab" {
			t.Errorf("task ab listed twice")
		}
	}
}

func TestBadCommandLines(t *testing.T) {
	for _, tc := range []struct {
		cmd  string
		args []string
		msg  string
	}{
		{"view", []string{"--speed", "99"}, "view: --speed 99 out of range 0.25..32"},
		{"view", []string{"--speed", "NaN"}, "view: --speed NaN out of range 0.25..32"},
		{"view", []string{"--frames", "-1"}, "view: --frames -1 is out of range"},
		{"view", []string{"--frames", "9000000000000000000"}, "view: --frames 9000000000000000000 is out of range"},
		{"view", []string{"--task", "ab", "--task", "ab"}, `view: --task "ab" is given twice`},
		{"view", []string{"--screenshot", "x.png"}, "view: --screenshot needs --frames N > 0"},
		{"view", []string{"--width", "10"}, "view: window size 10x600 out of range"},
		{"view", []string{"--task", "a@"}, "view: "},
		{"view", []string{"--split", "dev"}, "view: "},
		{"view", []string{"--bogus"}, "view: flag provided but not defined: -bogus"},
		{"view", []string{"extra"}, `view: unexpected argument "extra"`},
		{"record", nil, "record: --task is required"},
		{"record", []string{"--task", "ab"}, "record: --dir is required"},
		{"record", []string{"--task", "a@", "--dir", "d"}, "record: "},
		{"record", []string{"--task", "ab", "--dir", "d", "--height", "5000"}, "record: window size 960x5000 out of range"},
	} {
		t.Run(tc.cmd+" "+strings.Join(tc.args, " "), func(t *testing.T) {
			var err error
			if tc.cmd == "view" {
				_, err = ParseView(tc.args, nil)
			} else {
				_, err = ParseRecord(tc.args, nil)
			}
			var u UsageError
			if !errors.As(err, &u) || !strings.HasPrefix(u.Msg, tc.msg) || strings.Contains(u.Msg, "\n") {
				t.Errorf("error %v, want a one-line usage error starting %q", err, tc.msg)
			}
		})
	}
}

func TestHelpListsTheFlags(t *testing.T) {
	for _, tc := range []struct {
		parse func([]string, *bytes.Buffer) error
		flags []string
	}{
		{func(a []string, b *bytes.Buffer) error { _, err := ParseView(a, b); return err }, []string{"-task", "-policy", "model:DIR", "-speed"}},
		{func(a []string, b *bytes.Buffer) error { _, err := ParseRecord(a, b); return err }, []string{"-task", "-dir", "-save-failures"}},
	} {
		var out bytes.Buffer
		if err := tc.parse([]string{"-h"}, &out); !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("-h: %v, want flag.ErrHelp", err)
		}
		for _, f := range tc.flags {
			if !strings.Contains(out.String(), f) {
				t.Errorf("help lacks %s:\n%s", f, out.String())
			}
		}
	}
}
