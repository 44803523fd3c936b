// Package nn is a small reverse-mode automatic-differentiation engine for
// training neural networks on the CPU.
//
// # Model
//
// Values live in [Tensor]s, which are created by the operations of a [Tape].
// A tape records one forward pass; [Tape.Backward] then propagates gradients
// from a scalar loss back to every tensor that requires one. There is no
// global state: every forward pass uses its own tape (or reuses one after
// [Tape.Reset]), so separate tapes can be used from separate goroutines.
//
// Trainable weights are [Param]s. They live outside tapes: a forward pass
// brings a parameter onto its tape with [Tape.Param], and backpropagation
// accumulates into [Param.Grad]. A tape can substitute one parameter for
// another ([Tape.Substitute]) so that the same model code runs with a cloned
// or adapted parameter set, as meta-learning needs. Forward passes on
// several goroutines may read the same parameters, but concurrent backward
// passes must not accumulate into the same Grad: give each goroutine clones
// ([CloneParams], [Tape.SubstituteParams]) and sum their gradients
// afterwards ([AccumulateGrads]).
//
// The element type is a type parameter: float32 for training and float64 for
// exact gradient checks through the same code ([GradCheck]).
//
// # Errors
//
// Shape mismatches are programming errors and panic with a message naming
// the operation. Numerical problems are reported as errors: with
// [Tape.SetCheck] enabled, the first NaN or Inf produced by an operation, in
// the forward or the backward pass, is returned by [Tape.Backward] (and
// [Tape.Err]) naming that operation.
//
// # Speed
//
// float32 matrix products in the default, cgo-free build use an AVX2/FMA
// kernel written in Go assembly (gonum's pure-Go BLAS on other CPUs or with
// the purego tag); building with the openblas tag routes them, and float64
// products, to OpenBLAS through gonum.org/v1/netlib (cgo, libopenblas-dev;
// the link flag is set in the package, so no CGO_LDFLAGS are needed). See
// [Backend]. float32 exp, sigmoid and tanh are vectorised the same way.
// Constant left operands of [Tape.MatMul] that are mostly zeros (such as
// binary fingerprints) are multiplied as sparse matrices. Every element of
// every result is computed in a fixed order, so training is bit-for-bit
// reproducible for a given binary and CPU, whatever GOMAXPROCS is.
package nn
