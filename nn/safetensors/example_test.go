package safetensors_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/metabench/metabench/nn/safetensors"
)

// Save a checkpoint, load it back, check it against the model's parameters
// and read a tensor.
func Example() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.safetensors")

	params := []safetensors.Tensor{
		safetensors.FromFloat32("layer1.w", []int{2, 3}, []float32{1, 2, 3, 4, 5, 6}),
		safetensors.FromFloat32("layer1.b", []int{3}, []float32{0.5, 0, -0.5}),
		safetensors.FromInt64("step", []int{}, []int64{100}),
	}
	if err := safetensors.WriteFile(path, params, map[string]string{"format": "pt"}); err != nil {
		log.Fatal(err)
	}

	f, err := safetensors.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	model := []safetensors.Spec{
		{Name: "layer1.w", DType: safetensors.F32, Shape: []int{2, 3}},
		{Name: "layer1.b", DType: safetensors.F32, Shape: []int{3}},
		{Name: "step", DType: safetensors.I64, Shape: []int{}},
	}
	if err := f.Expect(model); err != nil {
		log.Fatal(err)
	}
	t, _ := f.Tensor("layer1.w")
	w, err := t.Float32()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.Names(), f.Metadata["format"])
	fmt.Println(w)

	// A checkpoint of another model fails clearly.
	model[0].Shape = []int{3, 2}
	fmt.Println(f.Expect(model))
	// Output:
	// [layer1.b layer1.w step] pt
	// [1 2 3 4 5 6]
	// safetensors: layer1.w: shape [2 3], want [3 2]
}
