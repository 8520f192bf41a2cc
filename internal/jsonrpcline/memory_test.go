package jsonrpcline

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostileLine is one line built to be expensive to read.
type hostileLine struct {
	name string
	line []byte
	max  int // Options.MaxLineBytes
}

// repeatTo returns the text head, then unit repeated, then tail, at least
// size bytes in all.
func repeatTo(size int, head, unit, tail string) []byte {
	n := max(1, (size-len(head)-len(tail))/len(unit))
	return []byte(head + strings.TrimSuffix(strings.Repeat(unit, n), ",") + tail)
}

// nested returns n objects, each holding the next before a member that
// sorts first, around a long string.
func nested(n, size int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"id":1,"method":"m","params":`)
	for range n {
		b.WriteString(`{"b":`)
	}
	b.WriteString(`"` + strings.Repeat("x", size) + `"`)
	for range n {
		b.WriteString(`,"a":0}`)
	}
	b.WriteString(`}`)
	return b.Bytes()
}

// hostileLines returns lines of about size bytes that cost jsonrpc2 many
// times their size to decode, or that must not be held whole.
func hostileLines(size int) []hostileLine {
	return []hostileLine{
		{name: "batch of numbers", line: repeatTo(size, "[", "1,", "]")},
		{name: "line over the limit", line: repeatTo(size, `{"id":1,"method":"m","params":"`, "x", `"}`), max: size / 4},
		{name: "garbage over the limit", line: repeatTo(size, "", "x", ""), max: size / 4},
		{name: "params array of numbers", line: repeatTo(size, `{"id":1,"method":"m","params":[`, "1,", "]}")},
		{name: "params array of objects", line: repeatTo(size, `{"id":1,"method":"m","params":[`, `{"b":1,"a":2},`, "]}")},
		{name: "params object with unsorted duplicates", line: repeatTo(size, `{"id":1,"method":"m","params":{`, `"b":0,"a":0,`, "}}")},
		{name: "params object with many names", line: func() []byte {
			var b bytes.Buffer
			b.WriteString(`{"id":1,"method":"m","params":{`)
			for i := 0; b.Len() < size; i++ {
				fmt.Fprintf(&b, `"%x":0,`, i*7919%(1<<30))
			}
			b.Truncate(b.Len() - 1)
			b.WriteString("}}")
			return b.Bytes()
		}()},
		{name: "params string", line: repeatTo(size, `{"id":1,"method":"m","params":{"s":"`, "x", `"}}`)},
		{name: "nested unsorted objects", line: nested(5000, size)},
		{name: "many top-level members", line: repeatTo(size, `{"id":1,"method":"m",`, `"x":[1],`, "}")},
		{name: "response with a large result", line: repeatTo(size, `{"id":0,"result":[`, "1,", "]}")},
		{name: "negative id and params", line: repeatTo(size, `{"id":-1,"method":"m","params":[`, "1,", "]}")},
	}
}

// readOnce reads one line with a stream into a fresh message of the
// connection's type.
func readOnce(t testing.TB, typ reflect.Type, h hostileLine) {
	s := NewStream(io.MultiReader(bytes.NewReader(h.line), strings.NewReader("\n")), io.Discard, Options{MaxLineBytes: h.max})
	v := reflect.New(typ.Elem()).Interface()
	if err := s.ReadObject(v); err != nil && err != io.EOF {
		t.Fatal(err)
	}
}

// allocatedBy returns the bytes of heap f allocates.
func allocatedBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// maxAllocPerLineByte bounds what reading one line may allocate, in bytes
// per byte of the line: the line is held once and joined once from the
// pieces it is read in, and params (or a result) are copied once more.
// jsonrpc2's own decoding takes up to a hundred times the line.
const maxAllocPerLineByte = 4

func TestReadingALineAllocatesASmallMultipleOfIt(t *testing.T) {
	typ := connMessageType(t)
	const size = 2 << 20
	// Without collections every allocation stays, so what is allocated
	// bounds the peak.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	for _, h := range hostileLines(size) {
		t.Run(h.name, func(t *testing.T) {
			runtime.GC()
			got := allocatedBy(func() { readOnce(t, typ, h) })
			t.Logf("%d bytes allocated for a line of %d (%.2f per byte)", got, len(h.line), float64(got)/float64(len(h.line)))
			assert.LessOrEqual(t, got, uint64(maxAllocPerLineByte*len(h.line)))
		})
	}
}

func TestHostileLinesAreReadCorrectly(t *testing.T) {
	typ := connMessageType(t)
	for _, h := range hostileLines(16 << 10) {
		t.Run(h.name, func(t *testing.T) {
			var out bytes.Buffer
			s := NewStream(bytes.NewReader(append(h.line, '\n')), &out, Options{MaxLineBytes: h.max})
			v, req, resp := newConnMessage(t, typ)
			err := s.ReadObject(v)
			switch {
			case h.max > 0:
				require.ErrorIs(t, err, io.EOF)
				assert.Equal(t, fmt.Sprintf(`{"error":{"code":-32600,"message":"Invalid request: the line exceeded %d bytes and was skipped"},"id":null}`+"\n", h.max), out.String())
			case h.line[0] == '[':
				require.ErrorIs(t, err, io.EOF)
				assert.Equal(t, `{"error":{"code":-32600,"message":"Invalid request"},"id":null}`+"\n", out.String())
			case bytes.Contains(h.line, []byte(`"result"`)):
				require.NoError(t, err)
				require.NotNil(t, resp())
				assert.Empty(t, out.String())
			default:
				require.NoError(t, err)
				require.NotNil(t, req())
				assert.Equal(t, "m", req().Method)
				assert.Empty(t, out.String())
				checkMatchesJSONRPC2(t, typ, h.line)
			}
		})
	}
}

// peakHeap samples the bytes of live and unswept heap objects while f
// runs and returns the largest rise over the value before.
func peakHeap(f func()) uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	base := read()
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(50 * time.Microsecond)
		defer tick.Stop()
		for {
			peak = max(peak, read())
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})
	f()
	close(stop)
	wg.Wait()
	peak = max(peak, read())
	if peak < base {
		return 0
	}
	return peak - base
}

// BenchmarkReadHostileLine reads lines of 8 MiB built to be expensive. It
// reports the bytes allocated and the largest rise of the heap per byte of
// the line.
func BenchmarkReadHostileLine(b *testing.B) {
	typ := connMessageType(b)
	for _, h := range hostileLines(8 << 20) {
		b.Run(h.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(h.line)))
			var peak, alloc uint64
			for b.Loop() {
				runtime.GC()
				alloc += allocatedBy(func() {
					peak = max(peak, peakHeap(func() { readOnce(b, typ, h) }))
				})
			}
			b.ReportMetric(float64(alloc)/float64(b.N)/float64(len(h.line)), "alloc/line-byte")
			b.ReportMetric(float64(peak)/float64(len(h.line)), "peak-heap/line-byte")
		})
	}
}
