//go:build cgo

// Package gui is the window of metabench: `metabench view` watches a policy
// play block-stacking episodes live, `metabench record` records keyboard
// demonstrations. It is the only package that imports ebiten, which needs
// cgo and a display (importing it panics at start without one), so it is
// built only into the metabench-gui binary (cmd/metabench-gui), never into
// the headless metabench binary; its files carry a cgo build constraint so
// that `CGO_ENABLED=0 go build ./...` skips it.
//
// The window is a thin shell: frames come from sim/render (the renderer of
// the headless PNG and GIF output) and the heads-up lines from envs/stack/hud;
// the keyboard logic of recording lives in policies/keyboard. Keys reach
// both games through keyboard.KeyState, so tests can inject them.
package gui

import (
	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"

	"github.com/metabench/metabench/policies/keyboard"
)

// ebitenKeys returns the ebiten keys of a keyboard.Key.
func ebitenKeys(k keyboard.Key) []ebiten.Key {
	switch k {
	case keyboard.KeyLeft:
		return []ebiten.Key{ebiten.KeyArrowLeft}
	case keyboard.KeyRight:
		return []ebiten.Key{ebiten.KeyArrowRight}
	case keyboard.KeyUp:
		return []ebiten.Key{ebiten.KeyArrowUp}
	case keyboard.KeyDown:
		return []ebiten.Key{ebiten.KeyArrowDown}
	case keyboard.KeyA:
		return []ebiten.Key{ebiten.KeyA}
	case keyboard.KeyD:
		return []ebiten.Key{ebiten.KeyD}
	case keyboard.KeyW:
		return []ebiten.Key{ebiten.KeyW}
	case keyboard.KeyS:
		return []ebiten.Key{ebiten.KeyS}
	case keyboard.KeyShift:
		return []ebiten.Key{ebiten.KeyShiftLeft, ebiten.KeyShiftRight}
	case keyboard.KeySpace:
		return []ebiten.Key{ebiten.KeySpace}
	case keyboard.KeyEnter:
		return []ebiten.Key{ebiten.KeyEnter, ebiten.KeyNumpadEnter}
	case keyboard.KeyBackspace:
		return []ebiten.Key{ebiten.KeyBackspace}
	case keyboard.KeyR:
		return []ebiten.Key{ebiten.KeyR}
	case keyboard.KeyN:
		return []ebiten.Key{ebiten.KeyN}
	case keyboard.KeyH:
		return []ebiten.Key{ebiten.KeyH}
	case keyboard.KeyEscape:
		return []ebiten.Key{ebiten.KeyEscape}
	case keyboard.KeyPlus:
		return []ebiten.Key{ebiten.KeyEqual, ebiten.KeyNumpadAdd} // '+' is Shift+'=' on most layouts
	case keyboard.KeyMinus:
		return []ebiten.Key{ebiten.KeyMinus, ebiten.KeyNumpadSubtract}
	}
	return nil
}

// Keyboard is the real keyboard as a keyboard.KeyState, read through ebiten
// (and inpututil for the per-tick edges). It is valid inside the game loop.
type Keyboard struct{}

// Pressed reports whether k is held down.
func (Keyboard) Pressed(k keyboard.Key) bool {
	for _, ek := range ebitenKeys(k) {
		if ebiten.IsKeyPressed(ek) {
			return true
		}
	}
	return false
}

// JustPressed reports whether k went down in this tick.
func (Keyboard) JustPressed(k keyboard.Key) bool {
	for _, ek := range ebitenKeys(k) {
		if inpututil.IsKeyJustPressed(ek) {
			return true
		}
	}
	return false
}
