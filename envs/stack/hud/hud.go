// Package hud builds the heads-up lines drawn over a block-stacking frame:
// task spec, stage progress and verdict, time and step, policy. The headless
// renders and the window use it, so both show the same frame for the same
// state.
package hud

import (
	"fmt"

	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/sim/render"
)

// Overlay returns the heads-up overlay for the current state of env played
// by the named policy.
func Overlay(env *stack.Env, policy string) *render.Overlay {
	cfg := env.Config()
	status := fmt.Sprintf("stage %d/%d", env.Progress(), env.Task().NumStages())
	if v := env.Verdict(); v != stack.Running {
		status += "  " + v.String()
	}
	return &render.Overlay{Lines: []string{
		fmt.Sprintf("task %q", env.Task().String()),
		status,
		fmt.Sprintf("t %.1f s / %.0f s  step %d", float64(env.Steps())*cfg.ControlDt(), float64(env.TimeLimit())*cfg.ControlDt(), env.Steps()),
		"policy " + policy,
	}}
}
