package golden

import (
	"path/filepath"
	"reflect"
	"testing"
)

func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g")
	base := map[string]string{"b op": "02", "a op": "01"}
	if _, err := Check(path, base, true, "hashes"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		got  map[string]string
		want []string
	}{
		{"same", base, nil},
		{"changed", map[string]string{"a op": "01", "b op": "ff"}, []string{"b op: ff, golden 02"}},
		{"new and missing", map[string]string{"a op": "01", "c op": "03"}, []string{"b op: in the file, not in this run", "c op: 03, not in the file"}},
	}
	for _, tc := range tests {
		differ, err := Check(path, tc.got, false)
		if err != nil || !reflect.DeepEqual(differ, tc.want) {
			t.Errorf("%s: %q, %v; want %q", tc.name, differ, err, tc.want)
		}
	}
	if _, err := Check(filepath.Join(t.TempDir(), "none"), base, false); err == nil {
		t.Error("a missing file gave no error")
	}
}
