package filesearch

import (
	"context"
	"sync"
)

// Coordinator lets a newer search replace an older one: calls of Run that
// share a cancellation token cancel each other, the latest winning. The zero
// value is ready to use; a Coordinator must not be copied after first use.
type Coordinator struct {
	mu      sync.Mutex
	running map[string]*runningCall
}

// runningCall is the registration of one in-flight Run.
type runningCall struct {
	cancel context.CancelFunc
}

// Run calls fn with a context derived from ctx. When token is not empty, a
// call still running with the same token has its context cancelled before
// fn starts. Run returns fn's error.
func (c *Coordinator) Run(ctx context.Context, token string, fn func(ctx context.Context) error) error {
	if token == "" {
		return fn(ctx)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	me := &runningCall{cancel: cancel}

	c.mu.Lock()
	if c.running == nil {
		c.running = make(map[string]*runningCall)
	}
	if prev := c.running[token]; prev != nil {
		prev.cancel()
	}
	c.running[token] = me
	c.mu.Unlock()

	defer func() {
		c.mu.Lock()
		if c.running[token] == me {
			delete(c.running, token)
		}
		c.mu.Unlock()
	}()
	return fn(ctx)
}
