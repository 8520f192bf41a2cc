package jsonrpcline

import (
	"bytes"
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"unicode/utf8"
)

// The helpers in this file walk JSON text that json.Valid has accepted, so
// they need not check its syntax. None of them holds more than a few
// offsets per object member, and each walks a value once.

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// stringEnd returns the index just past the string whose opening quote is
// b[i].
func stringEnd(b []byte, i int) int {
	i++
	for {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			return len(b)
		}
		i += q
		// The quote ends the string unless an odd number of backslashes
		// escapes it.
		n := 0
		for n < i && b[i-1-n] == '\\' {
			n++
		}
		i++
		if n%2 == 0 {
			return i
		}
	}
}

// valueEnd returns the index just past the value starting at b[i].
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = stringEnd(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return len(b)
	default: // a number or a literal
		for i < len(b) {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i
			}
			i++
		}
		return i
	}
}

// memberValue returns the index of the value of the object member whose key
// starts at b[key].
func memberValue(b []byte, key int) int {
	colon := skipSpace(b, stringEnd(b, key))
	return skipSpace(b, colon+1)
}

// afterValue returns the index of the ',' or closing bracket that follows a
// value ending at i.
func afterValue(b []byte, i int) int {
	return skipSpace(b, i)
}

// decodedKey returns the text of the string token tok as encoding/json
// decodes it. Tokens without escapes that are valid UTF-8 are returned as
// they are, without copying.
func decodedKey(tok []byte) []byte {
	inner := tok[1 : len(tok)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return inner
	}
	var s string
	if json.Unmarshal(tok, &s) != nil {
		return inner
	}
	return []byte(s)
}

// canonicalize returns the JSON text that encoding/json writes for raw after
// decoding it into an interface{} with numbers kept as json.Number, except
// that strings and numbers keep the text they were sent with, which decodes
// to the same values. That is: no white space, the members of every object
// sorted by name with the last of several members of the same name standing
// for them all. This is what jsonrpc2 hands a handler as a request's params
// (it decodes and re-encodes them), reached without building the decoded
// value: besides the result, no larger than raw, it needs four bytes per
// member of the objects whose members are out of order, and walks each
// value a bounded number of times however deeply it is nested. raw must be
// valid JSON.
func canonicalize(raw []byte) []byte {
	if uint64(len(raw)) > math.MaxUint32 {
		return canonicalizeByDecoding(raw)
	}
	start := skipSpace(raw, 0)
	// The first walk counts what the second records, so that every slice
	// is allocated once at its final size.
	c := canonicalizer{src: raw}
	c.scan(start)
	c.open = make([]uint32, c.maxOpen)
	c.keys = make([]uint32, 0, c.nKeys)
	c.unsorted = make([]unsortedObject, 0, c.nUnsorted)
	c.record = true
	c.scan(start)
	c.open = nil
	slices.SortFunc(c.unsorted, func(a, b unsortedObject) int { return cmp.Compare(a.start, b.start) })
	c.out = make([]byte, 0, len(raw))
	c.emit(start)
	return c.out
}

// canonicalizeByDecoding is canonicalize for texts too long for the
// offsets of canonicalizer: it decodes raw and encodes the value again, as
// jsonrpc2 does.
func canonicalizeByDecoding(raw []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return bytes.Clone(raw)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return bytes.Clone(raw)
	}
	return out
}

// canonicalizer rewrites one JSON value; see canonicalize. Offsets into
// the text are uint32, which canonicalize checks the text fits.
type canonicalizer struct {
	src []byte
	out []byte
	// record is false during the first walk, which only counts.
	record bool
	// open holds the key offsets of the members of the objects being
	// scanned, innermost last; nOpen of them are in use.
	open  []uint32
	nOpen int
	// keys holds the key offsets of the members of the objects whose
	// members are not in order, grouped by object.
	keys []uint32
	// unsorted lists those objects, by start offset once scanning is done.
	unsorted []unsortedObject
	// What the first walk counts: the most members open at once, the
	// members of unsorted objects and those objects.
	maxOpen, nKeys, nUnsorted int
}

// unsortedObject is an object whose member names are not strictly
// increasing: its members are sorted and de-duplicated when it is written.
type unsortedObject struct {
	start uint32 // offset of its '{'
	first uint32 // index of its first member in keys
	n     uint32 // number of members
}

// compareKeys orders two members by their decoded names, then by their
// place in the text.
func (c *canonicalizer) compareKeys(a, b uint32) int {
	if r := bytes.Compare(c.key(a), c.key(b)); r != 0 {
		return r
	}
	return cmp.Compare(a, b)
}

// key returns the decoded name of the member whose key starts at off.
func (c *canonicalizer) key(off uint32) []byte {
	return decodedKey(c.src[off:stringEnd(c.src, int(off))])
}

// scan walks the value at i, noting every object whose member names are
// not strictly increasing, and returns the index just past the value.
func (c *canonicalizer) scan(i int) int {
	src := c.src
	switch src[i] {
	case '{':
		j := skipSpace(src, i+1)
		if src[j] == '}' {
			return j + 1
		}
		base := c.nOpen
		inOrder := true
		var prev []byte
		for {
			k := c.key(uint32(j))
			if c.nOpen > base && inOrder && bytes.Compare(prev, k) >= 0 {
				inOrder = false
			}
			prev = k
			if c.record {
				c.open[c.nOpen] = uint32(j)
			}
			c.nOpen++
			c.maxOpen = max(c.maxOpen, c.nOpen)
			j = afterValue(src, c.scan(memberValue(src, j)))
			if src[j] == '}' {
				break
			}
			j = skipSpace(src, j+1)
		}
		if !inOrder {
			n := c.nOpen - base
			if c.record {
				c.unsorted = append(c.unsorted, unsortedObject{start: uint32(i), first: uint32(len(c.keys)), n: uint32(n)})
				c.keys = append(c.keys, c.open[base:c.nOpen]...)
			} else {
				c.nUnsorted++
				c.nKeys += n
			}
		}
		c.nOpen = base
		return j + 1
	case '[':
		j := skipSpace(src, i+1)
		if src[j] == ']' {
			return j + 1
		}
		for {
			j = afterValue(src, c.scan(j))
			if src[j] == ']' {
				return j + 1
			}
			j = skipSpace(src, j+1)
		}
	default:
		return valueEnd(src, i)
	}
}

// emit writes the value at i and returns the index just past it.
func (c *canonicalizer) emit(i int) int {
	src := c.src
	switch src[i] {
	case '{':
		if n, found := slices.BinarySearchFunc(c.unsorted, uint32(i), func(o unsortedObject, start uint32) int { return cmp.Compare(o.start, start) }); found {
			return c.emitSorted(c.unsorted[n])
		}
		c.out = append(c.out, '{')
		j := skipSpace(src, i+1)
		if src[j] == '}' {
			c.out = append(c.out, '}')
			return j + 1
		}
		for {
			j = afterValue(src, c.emitMember(j))
			if src[j] == '}' {
				c.out = append(c.out, '}')
				return j + 1
			}
			c.out = append(c.out, ',')
			j = skipSpace(src, j+1)
		}
	case '[':
		c.out = append(c.out, '[')
		j := skipSpace(src, i+1)
		if src[j] == ']' {
			c.out = append(c.out, ']')
			return j + 1
		}
		for {
			j = afterValue(src, c.emit(j))
			if src[j] == ']' {
				c.out = append(c.out, ']')
				return j + 1
			}
			c.out = append(c.out, ',')
			j = skipSpace(src, j+1)
		}
	default:
		end := valueEnd(src, i)
		c.out = append(c.out, src[i:end]...)
		return end
	}
}

// emitMember writes the member whose key starts at key as "key":value and
// returns the index just past its value.
func (c *canonicalizer) emitMember(key int) int {
	c.out = append(c.out, c.src[key:stringEnd(c.src, key)]...)
	c.out = append(c.out, ':')
	return c.emit(memberValue(c.src, key))
}

// emitSorted writes an object whose members are out of order: sorted by
// name, only the last of several members of one name. The member that
// comes last in the text is always written, so its end is the object's.
func (c *canonicalizer) emitSorted(o unsortedObject) int {
	keys := c.keys[o.first : o.first+o.n]
	last := slices.Max(keys)
	slices.SortFunc(keys, c.compareKeys)
	c.out = append(c.out, '{')
	end, wrote := 0, false
	for n, k := range keys {
		if n+1 < len(keys) && bytes.Equal(c.key(k), c.key(keys[n+1])) {
			continue // a later member of the same name stands for it
		}
		if wrote {
			c.out = append(c.out, ',')
		}
		wrote = true
		e := c.emitMember(int(k))
		if k == last {
			end = e
		}
	}
	c.out = append(c.out, '}')
	return afterValue(c.src, end) + 1
}
