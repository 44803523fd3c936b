// Package keyboard is the keyboard tele-operation behind `metabench record`:
// it turns key presses into block-stacking controls (Teleop, a policy),
// records the episode the way demonstrations are stored (Buffer), and runs
// the save/discard/reset state machine of a recording session (Session).
//
// Nothing here imports the window library: the window reports which keys
// are down each tick through the KeyState interface, and everything else is
// plain Go, tested headless. The window draws what Session.Status says.
package keyboard

import "fmt"

// Key is a key the tele-operation and the viewer react to.
type Key int

// The keys. Movement has two layouts (arrows and WASD); Shift slows it down
// for precise placing.
const (
	KeyLeft Key = iota
	KeyRight
	KeyUp
	KeyDown
	KeyA
	KeyD
	KeyW
	KeyS
	KeyShift
	KeySpace
	KeyEnter
	KeyBackspace
	KeyR
	KeyN
	KeyH
	KeyEscape
	KeyPlus
	KeyMinus
	NumKeys // number of keys, for tables indexed by Key
)

// String returns the key's name.
func (k Key) String() string {
	names := [NumKeys]string{
		"Left", "Right", "Up", "Down", "A", "D", "W", "S", "Shift", "Space",
		"Enter", "Backspace", "R", "N", "H", "Escape", "+", "-",
	}
	if k < 0 || k >= NumKeys {
		return fmt.Sprintf("Key(%d)", int(k))
	}
	return names[k]
}

// KeyState is what a window reports about the keyboard in one tick: which
// keys are held down and which went down during this tick.
type KeyState interface {
	Pressed(k Key) bool     // held down now
	JustPressed(k Key) bool // went down this tick
}

// Input is one tick of tele-operation input.
type Input struct {
	Left, Right, Up, Down bool // movement keys held
	Fine                  bool // slow, precise movement (Shift held)
	Grip                  bool // grip toggle pressed this tick (Space)
	Save                  bool // Enter pressed this tick
	Discard               bool // Backspace pressed this tick
	Reset                 bool // R pressed this tick
}

// Moving reports whether a movement key is held.
func (in Input) Moving() bool { return in.Left || in.Right || in.Up || in.Down }

// ReadInput maps the keys of one tick to tele-operation input: arrows or
// WASD move, Shift slows down, Space toggles the grip, Enter saves,
// Backspace discards and R resets.
func ReadInput(ks KeyState) Input {
	return Input{
		Left:    ks.Pressed(KeyLeft) || ks.Pressed(KeyA),
		Right:   ks.Pressed(KeyRight) || ks.Pressed(KeyD),
		Up:      ks.Pressed(KeyUp) || ks.Pressed(KeyW),
		Down:    ks.Pressed(KeyDown) || ks.Pressed(KeyS),
		Fine:    ks.Pressed(KeyShift),
		Grip:    ks.JustPressed(KeySpace),
		Save:    ks.JustPressed(KeyEnter),
		Discard: ks.JustPressed(KeyBackspace),
		Reset:   ks.JustPressed(KeyR),
	}
}

// KeySet is a KeyState held in two bit sets; the zero value has no key
// down. Tests and scripted drivers fill it directly.
type KeySet struct {
	Down, Edge uint32 // bit k: key k held / went down this tick
}

// Press marks k as held and, if it was not held before, as just pressed.
func (s *KeySet) Press(k Key) {
	if s.Down&(1<<k) == 0 {
		s.Edge |= 1 << k
	}
	s.Down |= 1 << k
}

// Release marks k as up.
func (s *KeySet) Release(k Key) { s.Down &^= 1 << k }

// Tick ends a tick: the just-pressed marks are cleared, held keys stay.
func (s *KeySet) Tick() { s.Edge = 0 }

// Pressed reports whether k is held.
func (s *KeySet) Pressed(k Key) bool { return s.Down&(1<<k) != 0 }

// JustPressed reports whether k went down this tick.
func (s *KeySet) JustPressed(k Key) bool { return s.Edge&(1<<k) != 0 }
