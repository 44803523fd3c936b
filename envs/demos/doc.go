// Package demos stores demonstrations: episodes of observations, executed
// actions, expert action labels and simulator states, grouped by task.
//
// A dataset is a directory. Generation is parallel and resumable: a
// generator takes attempts from [Writer.Next] (or schedules its own with
// [Writer.Done]) in any number of goroutines, runs them and hands the
// episodes to [Writer.Add]. An interrupted run — even by kill -9 — loses no
// episode that Add returned for and redoes none when [Create] is called again
// on the directory; and the finished dataset is the same, byte for byte,
// whatever the number of workers or the interruptions, because episodes are
// stored in (task, attempt index) order and nothing about time, host or
// scheduling is recorded. Before resuming, [Create] verifies every data file
// (size, header, SHA-256) and every pending attempt: a damaged generated
// shard or attempt is dropped and generated again, byte for byte as before
// (listed in [Progress].Repaired), and a damaged file of another source,
// which cannot be made again, is an error naming it. A task whose attempts
// run out short of its episodes is complete but short ([Progress].Short;
// [Info] calls the dataset incomplete). [Append] adds a single episode (a human recording,
// say) to an existing dataset atomically. [Open] verifies a dataset and
// iterates over its episodes one at a time; [ExportNPZ] writes NumPy arrays.
//
// # Format (version 1)
//
// The directory holds:
//
//	manifest.json                   the Manifest, indented JSON
//	shards/tNNNN-SOURCE-HASH.shard  the episodes of task number NNNN from SOURCE
//	pending/tNNNN/IIIIIIII.ep       during generation only: one finished attempt each
//
// The manifest names the format ("metabench-demos", version 1), the kind
// of episodes, the source being generated, the generator's settings
// (verbatim JSON), and per task, in plan order: the episodes wanted and the
// attempts allowed, whether the task is complete, counts per source (stored
// episodes, steps, outcomes, discarded attempts by outcome), and its data
// files with their size and SHA-256. A data file's name ends in the first 16
// hex digits of its SHA-256, so changing a task writes a new file and the
// atomic replacement of the manifest is the one commit point; files the
// manifest does not list are leftovers of a crash and are removed by the
// next writer. Every file is written to a temporary file in the same
// directory, synced, renamed into place, and the directory synced.
//
// A shard (and a pending file, which is a shard of one record) is: the magic
// "\x89MBDEMO\n", uint16 format version 1, byte codec 1 (zstd), byte 0,
// uint32 header length, and a header of uvarint-length-prefixed task spec
// and source and a uvarint episode count; then one record per episode:
// uint32 compressed length, uint32 raw length, uint32 CRC-32C (Castagnoli)
// of the compressed bytes, and a zstd frame holding the episode payload
// (integers little endian). The payload has the episode's index, seed,
// outcome, sizes and state record offsets, then the float32 arrays stored
// column by column as integer residuals from a per-column predictor
// (previous value, or previous value plus another column's change), split
// into byte planes, and last the raw state records; see codec.go. On
// synthetic stacking trajectories this takes about 33-44 bytes per step for
// 2-10 blocks, 2-4 times less than the raw arrays.
//
// Readers reject foreign, newer, truncated or corrupt files with a
// *FileError that names the file and wraps ErrForeign, ErrVersion or
// ErrCorrupt. The encoding is deterministic for a given build; the zstd
// library version is pinned by go.mod.
package demos
