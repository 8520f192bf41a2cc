package client

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// maxSSELine bounds one line of the event stream; longer lines are an error.
const maxSSELine = 32 << 20

// sseEvent is one dispatched server-sent event. data is only valid until the
// next call to sseReader.next.
type sseEvent struct {
	name string
	data []byte
}

// sseReader parses the text/event-stream format: lines end in LF, CRLF or
// CR; "field: value" lines accumulate an event that a blank line dispatches;
// lines starting with ':' are comments; multiple data lines join with LF.
// A trailing event not terminated by a blank line is discarded at EOF.
type sseReader struct {
	r       *bufio.Reader
	line    []byte
	skipLF  bool
	started bool

	name    string
	data    bytes.Buffer
	hasData bool
}

func newSSEReader(r io.Reader) *sseReader {
	return &sseReader{r: bufio.NewReaderSize(r, 64<<10)}
}

// next returns the next event, io.EOF at the end of the stream, or the
// underlying read error.
func (p *sseReader) next() (sseEvent, error) {
	for {
		line, err := p.readLine()
		if err != nil {
			return sseEvent{}, err
		}
		if len(line) == 0 {
			if !p.hasData {
				p.name = ""
				continue
			}
			b := p.data.Bytes()
			ev := sseEvent{name: p.name, data: b[:len(b)-1]}
			p.name = ""
			p.data.Reset()
			p.hasData = false
			return ev, nil
		}
		if line[0] == ':' {
			continue
		}
		field, value := line, []byte(nil)
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], line[i+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
		}
		switch string(field) {
		case "event":
			p.name = string(value)
		case "data":
			p.data.Write(value)
			p.data.WriteByte('\n')
			p.hasData = true
		}
		// id and retry do not matter to a single request-response stream.
	}
}

// readLine returns the next line without its terminator. A CR ends the
// line at once; an LF right after it is skipped on the next call, so a
// stream that pauses between CR and LF is still read promptly.
func (p *sseReader) readLine() ([]byte, error) {
	p.line = p.line[:0]
	for {
		if p.r.Buffered() == 0 {
			if _, err := p.r.Peek(1); err != nil {
				// A partial line at the end of the stream is dropped.
				return nil, err
			}
		}
		buf, _ := p.r.Peek(p.r.Buffered())
		if p.skipLF {
			p.skipLF = false
			if buf[0] == '\n' {
				_, _ = p.r.Discard(1)
				continue
			}
		}
		end := len(buf)
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			end = i
		}
		if i := bytes.IndexByte(buf[:end], '\r'); i >= 0 {
			end = i
		}
		p.line = append(p.line, buf[:end]...)
		if end == len(buf) {
			_, _ = p.r.Discard(end)
			if len(p.line) > maxSSELine {
				return nil, fmt.Errorf("event stream line longer than %d bytes", maxSSELine)
			}
			continue
		}
		p.skipLF = buf[end] == '\r'
		_, _ = p.r.Discard(end + 1)
		line := p.line
		if !p.started {
			p.started = true
			line = bytes.TrimPrefix(line, []byte("\xEF\xBB\xBF"))
		}
		return line, nil
	}
}
