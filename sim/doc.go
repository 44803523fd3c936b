// Package sim is the block-stacking world of the one-shot imitation suite:
// a side view of a table with up to ten unit blocks and a gripper, on
// Chipmunk 2-D physics (github.com/jakecoffman/cp/v2).
//
// The gripper is a kinematic body driven by velocity; closing it grasps
// the block under its palm with a pivot and a gear joint. Physics runs at
// 240 Hz, control at 10 Hz. A World steps deterministically: the same
// binary, State and controls give bit-identical states. A State is a plain
// value (every body's pose and velocity, the gripper, the grip); a Snapshot
// (the origin state plus the controls applied since) restores a world
// exactly, contact caches included, by replaying — Chipmunk's warm-start
// impulses are not reachable through its API, so restoring from positions
// and velocities alone would start contacts cold. docs/imitation.md has the
// measurements behind these choices.
package sim
