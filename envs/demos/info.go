package demos

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// Info summarises a dataset, from its manifest. It marshals to JSON as it
// is; Rows gives a table of it.
type Info struct {
	Kind          string `json:"kind"`
	Version       int    `json:"version"`
	Tasks         int    `json:"tasks"`
	CompleteTasks int    `json:"complete_tasks"` // generation finished
	// ShortTasks finished generation with fewer episodes than wanted:
	// their attempts ran out. A dataset with any is incomplete.
	ShortTasks   int          `json:"short_tasks"`
	Status       string       `json:"status"` // StatusComplete, StatusIncomplete or StatusGenerating
	Episodes     int          `json:"episodes"`
	Steps        int64        `json:"steps"`
	Bytes        int64        `json:"bytes"`          // data files and manifest
	BytesPerStep float64      `json:"bytes_per_step"` // Bytes / Steps
	Discarded    int          `json:"discarded"`      // failed attempts dropped during generation
	Sources      []SourceInfo `json:"sources"`        // by source name
	PerTask      []TaskInfo   `json:"per_task"`       // in dataset order
}

// SourceInfo sums up the episodes of one source.
type SourceInfo struct {
	Source      string         `json:"source"`
	Episodes    int            `json:"episodes"`
	Steps       int64          `json:"steps"`
	Outcomes    map[string]int `json:"outcomes,omitempty"` // stored episodes by outcome
	Discarded   int            `json:"discarded"`
	DiscardedBy map[string]int `json:"discarded_by,omitempty"` // failed attempts dropped, by outcome
}

// TaskInfo sums up one task.
type TaskInfo struct {
	Task      string  `json:"task"`
	Complete  bool    `json:"complete"` // generation finished
	Status    string  `json:"status"`   // StatusComplete, StatusIncomplete (finished short) or StatusGenerating
	Wanted    int     `json:"wanted"`   // generated episodes planned
	Episodes  int     `json:"episodes"` // stored, all sources
	Human     int     `json:"human"`    // stored episodes of source "human"
	Discarded int     `json:"discarded"`
	Steps     int64   `json:"steps"`
	Bytes     int64   `json:"bytes"`
	MeanSteps float64 `json:"mean_steps"`
}

// Statuses of a task, and of a dataset (the least complete of its tasks).
const (
	StatusComplete   = "complete"   // every episode wanted is stored
	StatusIncomplete = "incomplete" // generation finished short: the attempts ran out
	StatusGenerating = "generating" // generation was interrupted; rerunning it resumes
)

// Info summarises the dataset.
func (d *Dataset) Info() Info {
	m := d.man
	info := Info{Kind: m.Kind, Version: m.Version, Tasks: len(m.Tasks)}
	if fi, err := os.Stat(filepath.Join(d.dir, ManifestName)); err == nil {
		info.Bytes = fi.Size()
	}
	bySource := map[string]*SourceInfo{}
	for _, t := range m.Tasks {
		ti := TaskInfo{Task: t.Task, Complete: t.Complete, Wanted: t.Episodes}
		if t.Complete {
			info.CompleteTasks++
		}
		for _, f := range t.Files {
			ti.Bytes += f.Size
		}
		for _, s := range sortedKeys(t.Sources) {
			c := t.Sources[s]
			si := bySource[s]
			if si == nil {
				si = &SourceInfo{Source: s}
				bySource[s] = si
			}
			si.Episodes += c.Episodes
			si.Steps += c.Steps
			addCounts(&si.Outcomes, c.Outcomes)
			addCounts(&si.DiscardedBy, c.Discarded)
			ti.Episodes += c.Episodes
			ti.Steps += c.Steps
			if s == SourceHuman {
				ti.Human += c.Episodes
			}
			for _, o := range sortedKeys(c.Discarded) {
				ti.Discarded += c.Discarded[o]
				si.Discarded += c.Discarded[o]
			}
		}
		ti.Status = StatusComplete
		switch generated := t.Sources[m.Source]; {
		case !t.Complete:
			ti.Status = StatusGenerating
		case generated == nil && t.Episodes > 0, generated != nil && generated.Episodes < t.Episodes:
			ti.Status = StatusIncomplete
			info.ShortTasks++
		}
		if ti.Episodes > 0 {
			ti.MeanSteps = float64(ti.Steps) / float64(ti.Episodes)
		}
		info.Episodes += ti.Episodes
		info.Steps += ti.Steps
		info.Bytes += ti.Bytes
		info.Discarded += ti.Discarded
		info.PerTask = append(info.PerTask, ti)
	}
	switch {
	case info.ShortTasks > 0:
		info.Status = StatusIncomplete
	case info.CompleteTasks < info.Tasks:
		info.Status = StatusGenerating
	default:
		info.Status = StatusComplete
	}
	for _, s := range sortedKeys(bySource) {
		info.Sources = append(info.Sources, *bySource[s])
	}
	if info.Steps > 0 {
		info.BytesPerStep = float64(info.Bytes) / float64(info.Steps)
	}
	return info
}

func addCounts(dst *map[string]int, src map[string]int) {
	for _, k := range sortedKeys(src) {
		if *dst == nil {
			*dst = map[string]int{}
		}
		(*dst)[k] += src[k]
	}
}

// Rows returns the per-task table of the summary, with a total row last.
func (i Info) Rows() (header []string, rows [][]string) {
	header = []string{"task", "status", "wanted", "episodes", "human", "discarded", "steps", "mean steps", "bytes", "bytes/step"}
	row := func(name, complete string, wanted, eps, human, disc int, steps, bytes int64) []string {
		mean, bps := "-", "-"
		if eps > 0 {
			mean = strconv.FormatFloat(float64(steps)/float64(eps), 'f', 1, 64)
		}
		if steps > 0 {
			bps = strconv.FormatFloat(float64(bytes)/float64(steps), 'f', 1, 64)
		}
		return []string{name, complete, strconv.Itoa(wanted), strconv.Itoa(eps), strconv.Itoa(human),
			strconv.Itoa(disc), strconv.FormatInt(steps, 10), mean, strconv.FormatInt(bytes, 10), bps}
	}
	wanted, human := 0, 0
	for _, t := range i.PerTask {
		rows = append(rows, row(t.Task, t.Status, t.Wanted, t.Episodes, t.Human, t.Discarded, t.Steps, t.Bytes))
		wanted += t.Wanted
		human += t.Human
	}
	rows = append(rows, row("TOTAL", fmt.Sprintf("%s (%d/%d)", i.Status, i.CompleteTasks-i.ShortTasks, i.Tasks), wanted, i.Episodes, human, i.Discarded, i.Steps, i.Bytes))
	return header, rows
}
