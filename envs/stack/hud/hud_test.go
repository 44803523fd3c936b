package hud

import (
	"reflect"
	"testing"

	"github.com/metabench/metabench/envs/stack"
)

func TestOverlay(t *testing.T) {
	env, err := stack.New(stack.MustParse("ab c"), stack.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Reset(1); err != nil {
		t.Fatal(err)
	}
	want := []string{`task "ab c"`, "stage 0/1", "t 0.0 s / 22 s  step 0", "policy expert"}
	if got := Overlay(env, "expert").Lines; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}
