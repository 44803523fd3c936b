package main

import "context"

func runView(context.Context, env, []string) error {
	return usagef("view: this is the headless build, which has no window; build the window with 'make gui' (needs a display and cgo, see README)")
}
