package main

import "context"

func runDemos(context.Context, env, []string) error {
	return usagef("demos: not yet")
}
