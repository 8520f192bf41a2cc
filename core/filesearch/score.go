package filesearch

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Scoring weights. A matched character is worth scoreMatch plus the bonus of
// its position; gaps between matched characters cost gapStart for the first
// skipped character and gapExtend for each further one.
const (
	scoreMatch    = 16
	gapStart      = -3
	gapExtend     = -1
	bonusPathHead = 10 // first character of the path or of a path element
	bonusWord     = 8  // after "_", "-", ".", or a space
	bonusCamel    = 7  // lower-to-upper case change, or letter-to-digit
	bonusRun      = 5  // continuing a run of consecutive matches
	bonusFileName = 2  // per matched character in the last path element
	firstCharMult = 2  // the bonus of the first query character counts double

	// Longer paths lose a point per lengthDivisor characters, up to
	// maxLengthPenalty, so that among equal matches the shorter path wins.
	lengthDivisor    = 4
	maxLengthPenalty = 30
)

// negInf marks an impossible alignment in the score tables.
const negInf = -1 << 28

// scorer scores paths against one query. It owns reusable buffers and must
// not be shared between goroutines.
type scorer struct {
	terms [][]rune // the query split on white space, case-folded

	text      []rune // the path being scored, as written
	fold      []rune // the path, case-folded
	offs      []int  // byte offset of each rune of the path
	nameStart int    // index in text of the first rune of the last path element
	// Per term, a row-major table of len(term) x len(text):
	// best score with term[i] matched at text[j], the bonus the run ending
	// there carries, and whether the match continues a run.
	best  []int32
	carry []int32
	diag  []bool
}

// newScorer prepares a scorer for query. ok is false when the query has no
// terms.
func newScorer(query string) (*scorer, bool) {
	s := &scorer{}
	for field := range strings.FieldsSeq(query) {
		term := make([]rune, 0, len(field))
		for _, r := range field {
			term = append(term, foldRune(r))
		}
		s.terms = append(s.terms, term)
	}
	return s, len(s.terms) > 0
}

// foldRune maps r to lower case, with a fast path for ASCII.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	return unicode.ToLower(r)
}

// mayMatch reports whether every term is a case-insensitive subsequence of
// path. It is the cheap filter run before scoring.
func (s *scorer) mayMatch(path string) bool {
	for _, term := range s.terms {
		i, k := 0, 0
		for i < len(term) && k < len(path) {
			var r rune
			if c := path[k]; c < utf8.RuneSelf {
				r = rune(c)
				if 'A' <= r && r <= 'Z' {
					r += 'a' - 'A'
				}
				k++
			} else {
				var n int
				r, n = utf8.DecodeRuneInString(path[k:])
				r = unicode.ToLower(r)
				k += n
			}
			if r == term[i] {
				i++
			}
		}
		if i < len(term) {
			return false
		}
	}
	return true
}

// score returns the score of path (slash-separated), or false when some
// term does not match it. The tables it fills are used by indices.
func (s *scorer) score(path string) (int, bool) {
	if !s.mayMatch(path) {
		return 0, false
	}
	s.load(path)
	m := len(s.text)
	total := 0
	for _, term := range s.terms {
		best, end := s.align(term)
		if end < 0 {
			return 0, false
		}
		total += int(best)
	}
	penalty := min(m/lengthDivisor, maxLengthPenalty)
	return total - penalty, true
}

// load decodes path into the rune buffers.
func (s *scorer) load(path string) {
	s.text, s.fold, s.offs = s.text[:0], s.fold[:0], s.offs[:0]
	s.nameStart = 0
	for off, r := range path {
		if r == '/' {
			s.nameStart = len(s.text) + 1
		}
		s.text = append(s.text, r)
		s.fold = append(s.fold, foldRune(r))
		s.offs = append(s.offs, off)
	}
}

// bonusAt returns the position bonus and the file-name bonus for matching
// the character at text index j.
func (s *scorer) bonusAt(j int) (pos, name int32) {
	prev := classSlash
	if j > 0 {
		prev = classOf(s.text[j-1])
	}
	pos = positionBonus(prev, classOf(s.text[j]))
	if j >= s.nameStart {
		name = bonusFileName
	}
	return pos, name
}

// charClass groups characters for the position bonuses.
type charClass uint8

const (
	classOther charClass = iota // punctuation and white space
	classSlash                  // the path separator
	classLower                  // lower-case letters, and letters without case
	classUpper                  // upper-case letters
	classDigit                  // decimal digits
)

// classOf classifies r, with a fast path for ASCII.
func classOf(r rune) charClass {
	if r < utf8.RuneSelf {
		switch {
		case 'a' <= r && r <= 'z':
			return classLower
		case 'A' <= r && r <= 'Z':
			return classUpper
		case '0' <= r && r <= '9':
			return classDigit
		case r == '/':
			return classSlash
		}
		return classOther
	}
	switch {
	case unicode.IsUpper(r):
		return classUpper
	case unicode.IsLetter(r):
		return classLower
	case unicode.IsDigit(r):
		return classDigit
	}
	return classOther
}

// positionBonus is the bonus for matching a character of class cur that
// follows one of class prev.
func positionBonus(prev, cur charClass) int32 {
	switch {
	case cur == classOther || cur == classSlash:
		return 0
	case prev == classSlash:
		return bonusPathHead
	case prev == classOther:
		return bonusWord
	case prev == classLower && cur == classUpper:
		return bonusCamel
	case prev != classDigit && cur == classDigit:
		return bonusCamel
	}
	return 0
}

// align finds the best placement of term in the loaded text. It returns the
// score and the text index of the last matched character, or -1.
func (s *scorer) align(term []rune) (int32, int) {
	n, m := len(term), len(s.text)
	if n > m {
		return 0, -1
	}
	size := n * m
	if cap(s.best) < size {
		s.best = make([]int32, size)
		s.carry = make([]int32, size)
		s.diag = make([]bool, size)
	}
	best, carry, diag := s.best[:size], s.carry[:size], s.diag[:size]

	for j := range m {
		best[j] = negInf
		if s.fold[j] == term[0] {
			pb, name := s.bonusAt(j)
			best[j] = scoreMatch + pb*firstCharMult + name
			carry[j] = pb
			diag[j] = false
		}
	}
	for i := 1; i < n; i++ {
		row, prevRow := best[i*m:(i+1)*m], best[(i-1)*m:i*m]
		crow, cprev := carry[i*m:(i+1)*m], carry[(i-1)*m:i*m]
		drow := diag[i*m : (i+1)*m]
		gap := int32(negInf) // best score entering position j after a gap
		for j := range m {
			if j >= 2 {
				gap = max(gap+gapExtend, prevRow[j-2]+gapStart)
			}
			row[j] = negInf
			if j < i || s.fold[j] != term[i] {
				continue
			}
			pb, name := s.bonusAt(j)
			base := scoreMatch + name
			viaGap := gap + base + pb
			viaRun := int32(negInf)
			if prevRow[j-1] > negInf/2 {
				run := max(pb, cprev[j-1], bonusRun)
				viaRun = prevRow[j-1] + base + run
			}
			if viaRun >= viaGap && viaRun > negInf/2 {
				row[j], crow[j], drow[j] = viaRun, max(cprev[j-1], pb), true
			} else if viaGap > negInf/2 {
				row[j], crow[j], drow[j] = viaGap, pb, false
			}
		}
	}
	last := best[(n-1)*m : n*m]
	top, end := int32(negInf), -1
	for j, v := range last {
		if v > top {
			top, end = v, j
		}
	}
	if top <= negInf/2 {
		return 0, -1
	}
	return top, end
}

// indices returns the byte offsets in path of the characters matched by the
// last successful call of score, ascending and without duplicates. It
// re-aligns each term, since the tables hold only the last term's.
// Overlapping terms may share characters.
func (s *scorer) indices() []int {
	var out []int
	for _, term := range s.terms {
		if _, end := s.align(term); end >= 0 {
			out = append(out, s.trace(term, end)...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// trace walks the tables of the last align back from term's final match at
// end and returns the byte offsets of the matched characters.
func (s *scorer) trace(term []rune, end int) []int {
	n, m := len(term), len(s.text)
	pos := make([]int, n)
	j := end
	for i := n - 1; i >= 0; i-- {
		pos[i] = s.offs[j]
		if i == 0 {
			break
		}
		cur := s.best[i*m+j]
		if s.diag[i*m+j] {
			j--
			continue
		}
		// Find the earlier match whose gap transition produced cur.
		pb, name := s.bonusAt(j)
		want := cur - scoreMatch - name - pb
		prevRow := s.best[(i-1)*m : i*m]
		next := -1
		for k := j - 2; k >= i-1; k-- {
			if prevRow[k] <= negInf/2 {
				continue
			}
			if prevRow[k]+gapStart+gapExtend*int32(j-k-2) == want {
				next = k
				break
			}
		}
		if next < 0 {
			// Not reachable when the tables are consistent; fall back to
			// the nearest earlier match.
			for k := j - 1; k >= 0; k-- {
				if prevRow[k] > negInf/2 {
					next = k
					break
				}
			}
		}
		j = next
	}
	return pos
}
