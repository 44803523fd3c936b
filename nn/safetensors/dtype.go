package safetensors

// A DType is the element type of a tensor, spelt as in the file header.
type DType string

// The element types of the safetensors format. Float32, Float64, Int64,
// Int32 and Uint8 data have typed constructors and accessors; the others can
// be read and written as raw bytes.
const (
	BOOL    DType = "BOOL"    // boolean, one byte per element
	F4      DType = "F4"      // 4-bit float (E2M1), two elements per byte
	F6_E2M3 DType = "F6_E2M3" // 6-bit float, packed
	F6_E3M2 DType = "F6_E3M2" // 6-bit float, packed
	U8      DType = "U8"      // unsigned 8-bit integer
	I8      DType = "I8"      // signed 8-bit integer
	F8_E5M2 DType = "F8_E5M2" // 8-bit float
	F8_E4M3 DType = "F8_E4M3" // 8-bit float
	F8_E8M0 DType = "F8_E8M0" // 8-bit exponent-only scale
	I16     DType = "I16"     // signed 16-bit integer
	U16     DType = "U16"     // unsigned 16-bit integer
	F16     DType = "F16"     // IEEE half precision
	BF16    DType = "BF16"    // bfloat16
	I32     DType = "I32"     // signed 32-bit integer
	U32     DType = "U32"     // unsigned 32-bit integer
	F32     DType = "F32"     // IEEE single precision
	C64     DType = "C64"     // complex, two F32 parts
	F64     DType = "F64"     // IEEE double precision
	I64     DType = "I64"     // signed 64-bit integer
	U64     DType = "U64"     // unsigned 64-bit integer
)

// dtypes lists the element types in the order of the reference
// implementation's Dtype enum, which [Write] uses (in reverse) to lay out
// tensors, together with their sizes in bits.
var dtypes = [...]struct {
	dt   DType
	bits int
}{
	{BOOL, 8}, {F4, 4}, {F6_E2M3, 6}, {F6_E3M2, 6}, {U8, 8}, {I8, 8},
	{F8_E5M2, 8}, {F8_E4M3, 8}, {F8_E8M0, 8}, {I16, 16}, {U16, 16},
	{F16, 16}, {BF16, 16}, {I32, 32}, {U32, 32}, {F32, 32}, {C64, 64},
	{F64, 64}, {I64, 64}, {U64, 64},
}

// rank returns the position of d in the reference enum, or -1 if d is not a
// known element type.
func (d DType) rank() int {
	for i, e := range dtypes {
		if e.dt == d {
			return i
		}
	}
	return -1
}

// Bits returns the size of one element in bits, or 0 if d is not a known
// element type.
func (d DType) Bits() int {
	if r := d.rank(); r >= 0 {
		return dtypes[r].bits
	}
	return 0
}

// Valid reports whether d is a known element type.
func (d DType) Valid() bool { return d.rank() >= 0 }

// String returns the name of d as written in the header.
func (d DType) String() string { return string(d) }
