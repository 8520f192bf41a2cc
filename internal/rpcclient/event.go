package rpcclient

import (
	"encoding/json"

	"github.com/codex-go/codex/protocol"
)

// ConversationEvent decodes an app-server codex/event/* notification into
// the conversation it belongs to and its event.
func ConversationEvent(m Message) (conversationID string, ev protocol.Event, err error) {
	var p struct {
		ID             string          `json:"id"`
		Msg            json.RawMessage `json:"msg"`
		ConversationID string          `json:"conversationId"`
	}
	if err := json.Unmarshal(m.Params, &p); err != nil {
		return "", ev, err
	}
	msg, err := protocol.DecodeEventMsg(p.Msg)
	if err != nil {
		return "", ev, err
	}
	return p.ConversationID, protocol.Event{ID: p.ID, Msg: msg}, nil
}
