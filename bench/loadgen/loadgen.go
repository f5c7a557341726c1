// Package loadgen drives report posts at a demarc-server: N concurrent
// agents, each with its own token and its own queue of pre-encoded,
// gzip-compressed reports, record every answer and its latency. The ingest
// benchmark uses it. (The fleet simulation does not: its agents must post
// through the agent's own delivery and spool code.)
package loadgen

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/demarc/demarc/report"
)

// Body is one pre-encoded report.
type Body struct {
	ReportID string
	Gzip     []byte
}

// Encode makes a Body of r: JSON, gzip-compressed as the agent sends it.
func Encode(r *report.Report) (Body, error) {
	js, err := json.Marshal(r)
	if err != nil {
		return Body{}, fmt.Errorf("encode report: %w", err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(js); err != nil {
		return Body{}, fmt.Errorf("gzip report: %w", err)
	}
	if err := zw.Close(); err != nil {
		return Body{}, fmt.Errorf("gzip report: %w", err)
	}
	return Body{ReportID: r.ReportID, Gzip: buf.Bytes()}, nil
}

// Agent is one simulated agent: its token and the reports it will post,
// in order.
type Agent struct {
	Token  string
	Bodies []Body
}

// Result of one post.
type Post struct {
	Agent    int
	ReportID string
	Status   int // 0 when the request failed without an HTTP answer
	Err      error
	Latency  time.Duration
}

// Run posts every agent's bodies to url (…/api/v1/reports), the agents
// concurrently, each one post at a time, and returns every post. It stops
// early when ctx ends.
func Run(ctx context.Context, client *http.Client, url string, agents []Agent) Stats {
	posts := make([][]Post, len(agents))
	start := time.Now()
	var wg sync.WaitGroup
	for i, a := range agents {
		wg.Go(func() {
			for _, b := range a.Bodies {
				if ctx.Err() != nil {
					return
				}
				posts[i] = append(posts[i], PostOne(ctx, client, url, a.Token, b, i))
			}
		})
	}
	wg.Wait()
	st := Stats{Elapsed: time.Since(start), Status: map[int]int{}}
	for _, ps := range posts {
		st.Posts = append(st.Posts, ps...)
	}
	st.summarize()
	return st
}

// PostOne sends one report and reads the whole answer.
func PostOne(ctx context.Context, client *http.Client, url, token string, b Body, agent int) Post {
	p := Post{Agent: agent, ReportID: b.ReportID}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b.Gzip))
	if err != nil {
		p.Err = err
		return p
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Authorization", "Bearer "+token)
	t := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		p.Err, p.Latency = err, time.Since(t)
		return p
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	p.Status, p.Latency = resp.StatusCode, time.Since(t)
	return p
}

// Stats summarises a run.
type Stats struct {
	Posts    []Post
	Elapsed  time.Duration
	Status   map[int]int
	Failed   int
	P50, P99 time.Duration
	Max      time.Duration
}

func (s *Stats) summarize() {
	lat := make([]time.Duration, 0, len(s.Posts))
	for _, p := range s.Posts {
		if p.Err != nil {
			s.Failed++
			continue
		}
		s.Status[p.Status]++
		lat = append(lat, p.Latency)
	}
	slices.Sort(lat)
	if n := len(lat); n > 0 {
		s.P50, s.P99, s.Max = lat[n*50/100], lat[min(n-1, n*99/100)], lat[n-1]
	}
}

// PerSecond is the rate of answered 2xx posts.
func (s Stats) PerSecond() float64 {
	ok := 0
	for code, n := range s.Status {
		if code >= 200 && code < 300 {
			ok += n
		}
	}
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(ok) / s.Elapsed.Seconds()
}

// Client is an HTTP client for n concurrent agents on loopback: keep-alive
// connections, one per agent.
func Client(n int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = n * 2
	tr.MaxIdleConnsPerHost = n * 2
	tr.MaxConnsPerHost = 0
	tr.DisableCompression = true
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}
