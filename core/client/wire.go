package client

import (
	"fmt"
	"io"

	"github.com/codex-go/codex/core/config"
)

// wire is one provider API dialect: where a request goes, how its body is
// encoded and how the answering event stream turns into Events.
type wire interface {
	// path is the endpoint below the provider's base URL.
	path() string
	// encode builds the request body.
	encode(r Request) ([]byte, error)
	// decoder reads Events from the response body.
	decoder(body io.Reader) decoder
}

// decoder turns a provider's event stream into Events.
type decoder interface {
	// next returns the next event; io.EOF after the stream completed
	// successfully; a *StreamError for a failed or truncated response; or
	// the read error of the body.
	next() (Event, error)
}

// wireFor selects the dialect of a provider.
func wireFor(p config.ModelProviderInfo) (wire, error) {
	switch p.WireAPI {
	case "", config.WireAPIResponses:
		return responsesWire{}, nil
	case config.WireAPIChat:
		return chatWire{}, nil
	default:
		return nil, fmt.Errorf("model provider %q: wire_api %q is not supported", p.Name, p.WireAPI)
	}
}
