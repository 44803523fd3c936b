// Package images generates the few-shot image tasks of the density suite
// (Reed et al. 2018; facts in docs/density.md) and reads Omniglot.
//
// Every image is binary (0 or 1, 1 = ink), single-channel and row-major,
// stored as []float32 so that it feeds the network engine directly. Three
// synthetic tasks need no data:
//
//   - [Flip]: one-shot image flipping. The support is one textured image,
//     the target is its left-right mirror.
//   - [Characters]: stroke-based alphabets. Each alphabet has its own stroke
//     primitives; each character is 1-4 strokes; 20 drawers per character
//     draw it with jitter; 26×26 binarised; alphabets split into training
//     and test alphabets like Omniglot's.
//   - [Objects]: procedural object categories. A class is a shape family,
//     its instances vary in pose, size, position and fill pattern.
//
// [Omniglot] data (the .npz arrays, Lake's folder-of-PNGs layout, or the
// packed 26×26 bits shipped in assets/density) becomes a [Set] of the same
// shape as [Characters]. A [Set] with its train/test split yields
// deterministic few-shot [Episode]s with [Set.Episode].
package images

import (
	"fmt"
	"math/rand/v2"
)

// Episode is one few-shot density-estimation problem: model the target
// given the support images.
type Episode struct {
	Support [][]float32
	Target  []float32
	Class   int // index of the target's class in its split (-1 if none)
}

// Class is a set of instances (drawers, renderings) of one character or
// object; Group is its alphabet or family group, which decides the split.
type Class struct {
	Group  string
	Name   string
	Images [][]float32
}

// Set is a dataset of classes of H×W binary images split into training and
// test classes by group (alphabet).
type Set struct {
	Name       string
	H, W       int
	Train      []Class
	Test       []Class
	MaxSupport int // the largest support an episode can have (instances per class − 1)
}

// Split selects the training or the test classes.
type Split int

// Splits.
const (
	TrainSplit Split = iota
	TestSplit
)

func (s Split) String() string {
	if s == TestSplit {
		return "test"
	}
	return "train"
}

// Source is anything that makes episodes: a [Set] or the [Flip] task.
type Source interface {
	// Episode returns episode i of split with k support images; the same
	// (seed, split, k, i) always gives the same episode.
	Episode(split Split, k int, seed uint64, i int) (Episode, error)
	// Size returns the image height and width.
	Size() (h, w int)
	// Support returns the largest support size the source can give.
	Support() int
	// Label names the task.
	Label() string
}

// Size returns the image size.
func (s *Set) Size() (h, w int) { return s.H, s.W }

// Support returns the largest support size.
func (s *Set) Support() int { return s.MaxSupport }

// Label names the set.
func (s *Set) Label() string { return s.Name }

// Classes returns the classes of a split.
func (s *Set) Classes(split Split) []Class {
	if split == TestSplit {
		return s.Test
	}
	return s.Train
}

// rng returns a PCG source for one purpose of a seed.
func rng(seed uint64, stream ...uint64) *rand.Rand {
	h := uint64(0x9e3779b97f4a7c15)
	for _, s := range stream {
		h = (h ^ s) * 0xbf58476d1ce4e5b9
		h ^= h >> 31
	}
	return rand.New(rand.NewPCG(seed, h))
}

// Episode draws episode i: a class of the split, then k+1 distinct
// instances of it, k as support and one as target. Test episodes are
// paired across support sizes: episode i has the same class and target
// for every k, and its support sets are nested (the k = 1 support is the
// first image of the k = 2 one, and so on), so that differences between
// support sizes are not drowned by which targets were drawn. Training
// episodes draw afresh for each k.
func (s *Set) Episode(split Split, k int, seed uint64, i int) (Episode, error) {
	classes := s.Classes(split)
	if len(classes) == 0 {
		return Episode{}, fmt.Errorf("images: %s has no %s classes", s.Name, split)
	}
	if k < 1 || k > s.MaxSupport {
		return Episode{}, fmt.Errorf("images: %s: support size %d, want 1..%d", s.Name, k, s.MaxSupport)
	}
	var r *rand.Rand
	if split == TestSplit {
		r = rng(seed, 0x7e57, uint64(i))
	} else {
		r = rng(seed, 0x45, uint64(split), uint64(k), uint64(i))
	}
	c := r.IntN(len(classes))
	imgs := classes[c].Images
	if len(imgs) < k+1 {
		return Episode{}, fmt.Errorf("images: %s: class %s has %d images, support %d needs %d", s.Name, classes[c].Name, len(imgs), k, k+1)
	}
	perm := r.Perm(len(imgs))
	if split == TestSplit {
		ep := Episode{Target: imgs[perm[0]], Class: c}
		for _, j := range perm[1 : k+1] {
			ep.Support = append(ep.Support, imgs[j])
		}
		return ep, nil
	}
	ep := Episode{Target: imgs[perm[k]], Class: c}
	for _, j := range perm[:k] {
		ep.Support = append(ep.Support, imgs[j])
	}
	return ep, nil
}

// Check reports the first image of a set whose size or values are wrong.
func (s *Set) Check() error {
	for _, split := range []Split{TrainSplit, TestSplit} {
		for _, c := range s.Classes(split) {
			for j, im := range c.Images {
				if len(im) != s.H*s.W {
					return fmt.Errorf("images: %s: %s/%s image %d has %d pixels, want %d×%d", s.Name, c.Group, c.Name, j, len(im), s.H, s.W)
				}
				for _, v := range im {
					if v != 0 && v != 1 {
						return fmt.Errorf("images: %s: %s/%s image %d is not binary", s.Name, c.Group, c.Name, j)
					}
				}
			}
		}
	}
	return nil
}

// Mirror returns the left-right mirror of an h×w image.
func Mirror(im []float32, h, w int) []float32 {
	out := make([]float32, len(im))
	for y := range h {
		for x := range w {
			out[y*w+x] = im[y*w+w-1-x]
		}
	}
	return out
}
