package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/signaling/sigclient"
)

// requestTimeout bounds one signaling request once joined.
const requestTimeout = 10 * time.Second

// convResponse is the part of conversation.start / accept / monitor.start
// responses the load tester uses.
type convResponse struct {
	Conversation struct {
		ConversationID string `json:"conversation_id"`
	} `json:"conversation"`
	Answer string `json:"answer"`
}

// dial opens an authenticated signaling session for a simulated user; in
// a cluster, on node (mod the number of nodes).
func (e *env) dial(ctx context.Context, user string, role auth.Role, team auth.TeamID, node int) (*sigclient.Client, error) {
	tok, err := e.token(user, role, team)
	if err != nil {
		return nil, err
	}
	c, err := sigclient.Dial(ctx, e.nodeURL(node), tok)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", user, err)
	}
	return c, nil
}

// waitOffered waits for the agent's offer of conversation id.
func waitOffered(ctx context.Context, agent *sigclient.Client, from int, id string) error {
	_, err := agent.WaitEvent(ctx, from, "conversation.offered", func(b json.RawMessage) bool {
		var v struct {
			ConversationID string `json:"conversation_id"`
		}
		return json.Unmarshal(b, &v) == nil && v.ConversationID == id
	})
	return err
}

// refused reports whether err is the server's answer (the request was
// handled and refused), as opposed to a transport failure or a timeout
// after which the request's effect is unknown.
func refused(err error) bool {
	var re *sigclient.RemoteError
	return errors.As(err, &re)
}

// request sends one request with its own bound, independent of the run's
// stop signal: a request cut short would leave its effect unknown.
func request(c *sigclient.Client, typ string, data, out any) error {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	return c.Request(ctx, typ, data, out)
}

// nodeURL is the signaling URL of node i of a cluster (mod the number of
// nodes), or the one server's.
func (e *env) nodeURL(i int) string {
	if len(e.wsURLs) == 0 {
		return e.wsURL
	}
	return e.wsURLs[i%len(e.wsURLs)]
}
