package multitask

import "slices"

// example is one labelled example's score and class (1 active, 0 inactive).
type example struct {
	s float64
	y int8
}

// labelled returns the examples with a label (labels < 0 are missing),
// sorted by score, ascending or descending, ties in input order, with the
// counts of actives and inactives.
func labelled(scores []float64, labels []int8, descending bool) (ps []example, npos, nneg int) {
	ps = make([]example, 0, len(scores))
	for i, s := range scores {
		if labels[i] < 0 {
			continue
		}
		ps = append(ps, example{s, labels[i]})
		if labels[i] == 1 {
			npos++
		} else {
			nneg++
		}
	}
	slices.SortStableFunc(ps, func(a, b example) int {
		c := 0
		switch {
		case a.s < b.s:
			c = -1
		case a.s > b.s:
			c = 1
		}
		if descending {
			c = -c
		}
		return c
	})
	return ps, npos, nneg
}

// AUC returns the area under the ROC curve of scores against binary
// labels (the Mann-Whitney statistic: the probability that a random active
// scores above a random inactive, ties counting half), as scikit-learn's
// roc_auc_score. ok is false when only one class is present (undefined).
func AUC(scores []float64, labels []int8) (auc float64, ok bool) {
	ps, np, nn := labelled(scores, labels, false)
	if np == 0 || nn == 0 {
		return 0, false
	}
	npos, nneg := float64(np), float64(nn)
	// Sum of the ranks of the actives, ties given their mean rank.
	var rankSum float64
	for i := 0; i < len(ps); {
		j := i
		for j < len(ps) && ps[j].s == ps[i].s {
			j++
		}
		mid := float64(i+j+1) / 2 // mean of ranks i+1..j
		for k := i; k < j; k++ {
			if ps[k].y == 1 {
				rankSum += mid
			}
		}
		i = j
	}
	return (rankSum - npos*(npos+1)/2) / (npos * nneg), true
}

// AveragePrecision returns the area under the precision-recall curve of
// scores against binary labels as scikit-learn's average_precision_score:
// the step-wise sum over distinct score thresholds, highest first, of the
// rise in recall times the precision there, AP = Σ (Rₙ − Rₙ₋₁)·Pₙ. Tied
// scores form one threshold. It is not the trapezoidal area (DeepChem's
// prc_auc_score), which interpolates linearly between points and
// overstates a precision-recall curve. Labels < 0 are missing and
// ignored; ok is false without actives (recall undefined) or inactives,
// so that the tasks scored are those AUC scores.
func AveragePrecision(scores []float64, labels []int8) (ap float64, ok bool) {
	ps, npos, nneg := labelled(scores, labels, true)
	if npos == 0 || nneg == 0 {
		return 0, false
	}
	var tp, fp, prevTP int
	for i := 0; i < len(ps); {
		j := i
		for j < len(ps) && ps[j].s == ps[i].s {
			if ps[j].y == 1 {
				tp++
			} else {
				fp++
			}
			j++
		}
		if tp > prevTP {
			ap += float64(tp-prevTP) / float64(npos) * float64(tp) / float64(tp+fp)
			prevTP = tp
		}
		i = j
	}
	return ap, true
}
