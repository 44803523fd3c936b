package molecules

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/metabench/metabench/internal/infile"
)

// Table is a MoleculeNet-style dataset as read: one SMILES per row and a
// label per task, -1 where the cell is blank (not measured).
type Table struct {
	Name   string
	Tasks  []string
	SMILES []string
	Line   []int    // 1-based line number of each row in the file
	Labels [][]int8 // [row][task]: 0, 1 or -1 (missing)
}

// Limits of a readable table.
const (
	MaxTableRows  = 2_000_000
	MaxTableTasks = 4096
	MaxTableBytes = 2 << 30 // decompressed; far above the MoleculeNet CSVs
)

// ReadCSVFile reads a CSV (or gzipped CSV) file; see ReadCSV.
func ReadCSVFile(path string) (*Table, error) {
	f, err := infile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read dataset: %w", err)
	}
	defer f.Close()
	return ReadCSV(f, path)
}

// ReadCSV reads a MoleculeNet CSV: a header row naming a "smiles" column
// (any case) and label columns; columns named mol_id, id, name or
// activity are not labels. Cells are 0/1 (also 0.0/1.0) or blank for a
// missing label. Gzip input is detected by its magic bytes. Errors name the
// file and line.
func ReadCSV(r io.Reader, name string) (*Table, error) {
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		defer zr.Close()
		// A small .gz can expand without end: bounded as it is read.
		br = bufio.NewReader(infile.Limit(zr, MaxTableBytes, name))
	}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	t := &Table{Name: name}
	line := 0
	smilesCol := -1
	var labelCols []int
	ncols := 0
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if line == 1 {
			hdr := strings.Split(text, ",")
			ncols = len(hdr)
			for i, h := range hdr {
				h = strings.TrimSpace(h)
				switch strings.ToLower(h) {
				case "smiles":
					smilesCol = i
				case "mol_id", "id", "name", "activity", "":
				default:
					labelCols = append(labelCols, i)
					t.Tasks = append(t.Tasks, h)
				}
			}
			if smilesCol < 0 {
				return nil, fmt.Errorf("%s:1: no \"smiles\" column in the header", name)
			}
			if len(labelCols) == 0 {
				return nil, fmt.Errorf("%s:1: no label columns", name)
			}
			if len(labelCols) > MaxTableTasks {
				return nil, fmt.Errorf("%s:1: %d label columns (at most %d)", name, len(labelCols), MaxTableTasks)
			}
			continue
		}
		if text == "" {
			continue
		}
		cells := strings.Split(text, ",")
		if len(cells) != ncols {
			return nil, fmt.Errorf("%s:%d: %d cells, the header has %d", name, line, len(cells), ncols)
		}
		if len(t.SMILES) >= MaxTableRows {
			return nil, fmt.Errorf("%s:%d: more than %d rows", name, line, MaxTableRows)
		}
		labels := make([]int8, len(labelCols))
		for k, c := range labelCols {
			switch strings.TrimSpace(cells[c]) {
			case "":
				labels[k] = -1
			case "0", "0.0", "0.00":
				labels[k] = 0
			case "1", "1.0", "1.00":
				labels[k] = 1
			default:
				return nil, fmt.Errorf("%s:%d: column %q: label %q is not 0, 1 or blank", name, line, t.Tasks[k], cells[c])
			}
		}
		t.SMILES = append(t.SMILES, strings.TrimSpace(cells[smilesCol]))
		t.Line = append(t.Line, line)
		t.Labels = append(t.Labels, labels)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, line+1, err)
	}
	if len(t.SMILES) == 0 {
		return nil, fmt.Errorf("%s: no data rows", name)
	}
	return t, nil
}

// Bad is one SMILES that could not be read: its row and the error.
type Bad struct {
	Line int    `json:"line"`
	Err  string `json:"error"`
}

// Featurized is a table's molecules as fingerprints: the rows whose SMILES
// parsed, in file order, with their labels (unparsable rows are dropped
// together with their labels, and listed in Bad).
type Featurized struct {
	Tasks  []string
	X      [][]int32 // on-bits per molecule
	Bits   int
	Labels [][]int8
	Line   []int
	SMILES []string
	Scaff  []string // Bemis–Murcko scaffold key per molecule
	Bad    []Bad
}

// Featurize parses every SMILES of t and fingerprints it with e. Rows
// that do not parse are skipped and reported by line, so labels stay
// aligned with molecules.
func Featurize(t *Table, e ECFP) *Featurized {
	f, _ := FeaturizeContext(context.Background(), t, e)
	return f
}

// FeaturizeContext is Featurize that stops, returning ctx's error, soon
// after ctx is cancelled.
func FeaturizeContext(ctx context.Context, t *Table, e ECFP) (*Featurized, error) {
	f := &Featurized{Tasks: slices.Clone(t.Tasks), Bits: e.Bits}
	for i, s := range t.SMILES {
		// A molecule takes microseconds: a look every 256 stops a large
		// table within milliseconds.
		if i%256 == 0 && ctx.Err() != nil {
			return nil, fmt.Errorf("featurize %s: stopped at molecule %d of %d: %w", t.Name, i, len(t.SMILES), ctx.Err())
		}
		m, err := Parse(s)
		if err != nil {
			f.Bad = append(f.Bad, Bad{Line: t.Line[i], Err: err.Error()})
			continue
		}
		bits := e.OnBits(m)
		x := make([]int32, len(bits))
		for k, b := range bits {
			x[k] = int32(b)
		}
		f.X = append(f.X, x)
		f.Labels = append(f.Labels, t.Labels[i])
		f.Line = append(f.Line, t.Line[i])
		f.SMILES = append(f.SMILES, s)
		f.Scaff = append(f.Scaff, ScaffoldKey(m))
	}
	return f, nil
}
