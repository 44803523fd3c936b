package sim

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Snapshot restores a world exactly: the state the world was built from and
// every control applied since.
//
// A kinematic State is not enough for that. Chipmunk carries contact impulses
// from one step to the next (warm starting) and keeps a broad-phase tree whose
// shape depends on history; neither is reachable through its API, and a world
// rebuilt from positions and velocities alone starts its contacts cold. That
// changes the trajectory (a ten-block tower rebuilt every control step drifts
// almost a block in ten seconds, against 0.005 blocks when left alone). The
// engine is deterministic, so replaying the controls from the origin
// reproduces every bit of the world, caches included.
type Snapshot struct {
	Origin   State
	Controls []Control
}

// Snapshot returns a record that Restore turns back into this exact world.
func (w *World) Snapshot() Snapshot {
	return Snapshot{Origin: w.origin.Clone(), Controls: append([]Control(nil), w.controls...)}
}

// Restore rebuilds the world a snapshot was taken from. Its cost is one
// control step per recorded control.
func Restore(cfg Config, snap Snapshot) (*World, error) {
	w, err := NewWorld(cfg, snap.Origin)
	if err != nil {
		return nil, fmt.Errorf("restore snapshot: %w", err)
	}
	for _, c := range snap.Controls {
		w.Step(c)
	}
	return w, nil
}

const snapshotMagic = "MBSNAP1\x00"

// MarshalBinary encodes the snapshot: the origin state record, then the
// controls as little-endian float64 pairs and a grip byte.
func (s Snapshot) MarshalBinary() ([]byte, error) {
	origin, err := s.Origin.MarshalBinary()
	if err != nil {
		return nil, err
	}
	buf := make([]byte, 0, len(snapshotMagic)+8+len(origin)+8+len(s.Controls)*17)
	buf = append(buf, snapshotMagic...)
	buf = binary.LittleEndian.AppendUint64(buf, uint64(len(origin)))
	buf = append(buf, origin...)
	buf = binary.LittleEndian.AppendUint64(buf, uint64(len(s.Controls)))
	for _, c := range s.Controls {
		buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(c.VX))
		buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(c.VY))
		grip := byte(0)
		if c.Close {
			grip = 1
		}
		buf = append(buf, grip)
	}
	return buf, nil
}

// UnmarshalBinary decodes a snapshot written by MarshalBinary.
func (s *Snapshot) UnmarshalBinary(data []byte) error {
	n := len(snapshotMagic)
	if len(data) < n+8 || string(data[:n]) != snapshotMagic {
		return fmt.Errorf("decode snapshot: not a metabench snapshot")
	}
	p := data[n:]
	olen := binary.LittleEndian.Uint64(p)
	p = p[8:]
	if olen > uint64(len(p)) {
		return fmt.Errorf("decode snapshot: origin of %d bytes overruns the %d left", olen, len(p))
	}
	var origin State
	if err := origin.UnmarshalBinary(p[:olen]); err != nil {
		return fmt.Errorf("decode snapshot: %w", err)
	}
	p = p[olen:]
	if len(p) < 8 {
		return fmt.Errorf("decode snapshot: control count missing")
	}
	count := binary.LittleEndian.Uint64(p)
	p = p[8:]
	if count != uint64(len(p))/17 || uint64(len(p))%17 != 0 {
		return fmt.Errorf("decode snapshot: %d controls do not fit %d bytes", count, len(p))
	}
	controls := make([]Control, count)
	for i := range controls {
		c := Control{
			VX: math.Float64frombits(binary.LittleEndian.Uint64(p)),
			VY: math.Float64frombits(binary.LittleEndian.Uint64(p[8:])),
		}
		switch p[16] {
		case 0:
		case 1:
			c.Close = true
		default:
			return fmt.Errorf("decode snapshot: control %d has grip byte %d", i, p[16])
		}
		controls[i] = c
		p = p[17:]
	}
	*s = Snapshot{Origin: origin, Controls: controls}
	return nil
}
