// Package faultproxy is a TCP proxy on loopback that injects network
// faults between clients and one upstream: it drops connections, delays
// traffic, resets connections (before or after the upstream has seen the
// request) and blackholes everything, as its Mode says at each moment. The
// fleet simulation puts it between its agents and demarc-server.
package faultproxy

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Mode is the fault the proxy applies now. The zero Mode forwards
// everything untouched.
type Mode struct {
	// Name labels the mode in logs and schedules.
	Name string
	// Drop is the chance that a new connection is closed at once, before
	// a byte is forwarded.
	Drop float64
	// Reset is the chance that a new connection is reset (RST to the
	// client, upstream closed) at a random point: half of them after the
	// first request bytes reached the upstream, half when the upstream's
	// first answer arrives (the server did the work; the client never
	// hears of it).
	Reset float64
	// Delay is added before every chunk forwarded in either direction.
	Delay time.Duration
	// Blackhole stops all forwarding, on new and open connections: bytes
	// are read and thrown away, nothing is answered, no connection is
	// closed. Clients see timeouts.
	Blackhole bool
}

// Stats counts what the proxy did since it started.
type Stats struct {
	Accepted, Dropped, Reset, Blackholed, DialFailed int64
}

// Proxy forwards connections to an upstream address that may change (a
// restarted server).
type Proxy struct {
	ln       net.Listener
	upstream atomic.Pointer[string]
	mode     atomic.Pointer[Mode]

	accepted, dropped, reset, blackholed, dialFailed atomic.Int64

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// Listen starts a proxy on addr (127.0.0.1:0 for any free port) that
// forwards to upstream.
func Listen(addr, upstream string) (*Proxy, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, conns: map[net.Conn]struct{}{}}
	p.SetUpstream(upstream)
	p.SetMode(Mode{Name: "pass"})
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the address clients connect to.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// SetUpstream points new connections at addr.
func (p *Proxy) SetUpstream(addr string) { p.upstream.Store(&addr) }

// SetMode switches the fault applied from now on.
func (p *Proxy) SetMode(m Mode) { p.mode.Store(&m) }

// Mode returns the fault applied now.
func (p *Proxy) Mode() Mode { return *p.mode.Load() }

// Stats returns the counts so far.
func (p *Proxy) Stats() Stats {
	return Stats{
		Accepted: p.accepted.Load(), Dropped: p.dropped.Load(), Reset: p.reset.Load(),
		Blackholed: p.blackholed.Load(), DialFailed: p.dialFailed.Load(),
	}
}

// Close stops accepting, closes every open connection and waits for the
// proxy's goroutines.
func (p *Proxy) Close() error {
	err := p.ln.Close()
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		p.accepted.Add(1)
		if !p.track(c) {
			continue
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer p.untrack(c)
			p.serve(c)
		}()
	}
}

// reset points of a connection chosen to be reset.
const (
	noReset = iota
	resetAfterRequest
	resetBeforeAnswer
)

func (p *Proxy) serve(client net.Conn) {
	m := p.Mode()
	switch {
	case m.Blackhole:
		p.blackholed.Add(1)
		_, _ = io.Copy(io.Discard, client)
		return
	case m.Drop > 0 && rand.Float64() < m.Drop:
		p.dropped.Add(1)
		return
	}
	point := noReset
	if m.Reset > 0 && rand.Float64() < m.Reset {
		point = resetAfterRequest + rand.IntN(2)
	}
	up, err := net.DialTimeout("tcp", *p.upstream.Load(), 2*time.Second)
	if err != nil {
		// As a refused connection looks to the client.
		p.dialFailed.Add(1)
		rst(client)
		return
	}
	if !p.track(up) {
		return
	}
	defer p.untrack(up)
	pr := &pair{p: p, client: client, up: up}
	done := make(chan bool, 2)
	go func() { done <- pr.pipe(up, client, point == resetAfterRequest) }()
	go func() { done <- pr.pipe(client, up, point == resetBeforeAnswer) }()
	if clean := <-done; !clean {
		// Not a half-close: end the other direction too.
		client.Close()
		up.Close()
	}
	<-done
}

// pair is one proxied connection: the client's and the upstream's ends.
type pair struct {
	p          *Proxy
	client, up net.Conn
	// dead is set once the network ate a chunk (blackhole): the stream
	// can never be whole again, so nothing more is forwarded either way,
	// as after a real outage that outlived TCP's retransmissions.
	dead atomic.Bool
}

// pipe copies src to dst chunk by chunk under the current mode, and
// reports whether it ended with src's orderly close (dst is then
// half-closed and the other direction goes on). With resetHere, the first
// chunk read from src ends both connections with a reset instead:
// forwarded first when it goes upstream (the request arrived), dropped
// when it comes back (the answer is lost).
func (pr *pair) pipe(dst, src net.Conn, resetHere bool) bool {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !pr.forward(dst, buf[:n], resetHere) {
			return false
		}
		if err != nil {
			tc, ok := dst.(*net.TCPConn)
			if ok && errors.Is(err, io.EOF) && !pr.dead.Load() {
				_ = tc.CloseWrite()
				return true
			}
			return false
		}
	}
}

// forward writes one chunk as the mode says; false ends the pipe.
func (pr *pair) forward(dst net.Conn, b []byte, resetHere bool) bool {
	m := pr.p.Mode()
	if m.Blackhole || pr.dead.Load() {
		pr.dead.Store(true)
		return true // read and thrown away
	}
	if m.Delay > 0 {
		time.Sleep(m.Delay)
	}
	if resetHere {
		pr.p.reset.Add(1)
		// The client first, so that no answer can reach it meanwhile.
		rst(pr.client)
		if dst == pr.up {
			_, _ = dst.Write(b)
		}
		rst(pr.up)
		return false
	}
	_, err := dst.Write(b)
	return err == nil
}

// rst closes c with a TCP reset rather than an orderly FIN.
func rst(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	c.Close()
}
