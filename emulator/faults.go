package emulator

import (
	"bufio"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FaultKind is a failure the emulator can inject.
type FaultKind string

// Fault kinds. Every injected error answer is JSON with a "message", as the SDK needs to
// decode it (BEHAVIOUR.md §6); 429's body and headers were never recorded.
const (
	Fault429          FaultKind = "429"           // 429 with Retry-After; the request is not executed
	Fault500          FaultKind = "500"           // 500; not executed
	Fault503          FaultKind = "503"           // 503; not executed
	Fault409          FaultKind = "409"           // 409 transient_state on the route's resource; not executed (random draws: writes only)
	FaultDrop         FaultKind = "drop"          // connection closed mid-response; not executed
	FaultLostResponse FaultKind = "lost-response" // executed and committed, then the connection is closed
	FaultLatency      FaultKind = "latency"       // Faults.Latency added, then served normally
)

// Faults configures random fault injection. A request on a matching route draws a number
// from a generator seeded with Seed; with probability Rate it gets one of Kinds (chosen by
// the same generator). The sequence is therefore the same for the same order of requests.
type Faults struct {
	Seed int64
	// Rate is the probability (0..1) that a matching request is faulted.
	Rate float64
	// Kinds to choose from; empty with Rate > 0 means 503.
	Kinds []FaultKind
	// Latency is the delay of the "latency" kind; with Kinds empty it delays every matching
	// request (Rate ignored).
	Latency time.Duration
	// Routes limits faults to these routes: "POST /iam/v1alpha1/api-keys" (method and path
	// template) or "/iam/v1alpha1/api-keys" (any method). Empty = every Scaleway route.
	// GET /metadata and GET /_emulator/stats are never faulted.
	Routes []string
	// RetryAfter is the Retry-After of 429 answers (default 1 s, rounded up to seconds).
	RetryAfter time.Duration
}

type faultState struct {
	mu    sync.Mutex
	cfg   Faults
	rng   *rand.Rand
	queue []queued // FailNext entries, consumed in the order they were added
}

type queued struct {
	sel  string
	kind FaultKind
}

type drawn struct {
	kind    FaultKind
	latency time.Duration
}

// SetFaults replaces the fault configuration (and restarts its random sequence).
func (s *Server) SetFaults(f Faults) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.cfg = f
	s.faults.rng = rand.New(rand.NewPCG(uint64(f.Seed), 0x1a5e))
}

// FailNext makes the next n requests matching route (same syntax as Faults.Routes) fail
// with kind, before any random fault; for deterministic tests (e.g. one 409 on remove-member).
func (s *Server) FailNext(route string, kind FaultKind, n int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	for i := 0; i < n; i++ {
		s.faults.queue = append(s.faults.queue, queued{route, kind})
	}
}

func routeMatches(sel, route string) bool {
	if sel == route {
		return true
	}
	_, path, _ := strings.Cut(route, " ")
	return sel == path
}

func (s *Server) drawFault(route string, write bool) drawn {
	fs := &s.faults
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, q := range fs.queue {
		if routeMatches(q.sel, route) {
			fs.queue = append(fs.queue[:i:i], fs.queue[i+1:]...)
			d := drawn{kind: q.kind}
			if d.kind == FaultLatency {
				d.latency = fs.cfg.Latency
			}
			return d
		}
	}
	cfg := fs.cfg
	if len(cfg.Routes) > 0 {
		ok := false
		for _, sel := range cfg.Routes {
			if routeMatches(sel, route) {
				ok = true
				break
			}
		}
		if !ok {
			return drawn{}
		}
	}
	if len(cfg.Kinds) == 0 && cfg.Latency > 0 {
		return drawn{latency: cfg.Latency}
	}
	if cfg.Rate <= 0 || fs.rng == nil {
		return drawn{}
	}
	if fs.rng.Float64() >= cfg.Rate {
		return drawn{}
	}
	kind := Fault503
	if len(cfg.Kinds) > 0 {
		kind = cfg.Kinds[fs.rng.IntN(len(cfg.Kinds))]
	}
	if !write && kind == Fault409 {
		// The real API is in a transient state for writes only (group-membership-basic #15).
		return drawn{}
	}
	d := drawn{kind: kind}
	if kind == FaultLatency {
		d.latency = cfg.Latency
	}
	return d
}

func (s *Server) retryAfter() time.Duration {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if s.faults.cfg.RetryAfter > 0 {
		return s.faults.cfg.RetryAfter
	}
	return time.Second
}

func (s *Server) writeFault(w http.ResponseWriter, d drawn, rd *routeDef, ids []string) {
	switch d.kind {
	case Fault429:
		secs := int(math.Ceil(s.retryAfter().Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeJSON(w, http.StatusTooManyRequests, messageBody{Message: "too many requests", Type: "too_many_requests"})
	case Fault500:
		writeJSON(w, http.StatusInternalServerError, messageBody{Message: "internal server error", Type: "internal_error"})
	case Fault503:
		writeJSON(w, http.StatusServiceUnavailable, messageBody{Message: "service unavailable", Type: "service_unavailable"})
	case Fault409:
		id := ""
		if len(ids) > 0 {
			id = ids[0]
		}
		writeError(w, errTransient(rd.resource, id))
	case FaultDrop:
		// Promise a body, send part of it, and hang up: the client sees an unexpected EOF.
		if hj, ok := w.(http.Hijacker); ok {
			if conn, buf, err := hj.Hijack(); err == nil {
				writePartial(buf)
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
}

func writePartial(buf *bufio.ReadWriter) {
	buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n{\"id\":\"")
	buf.Flush()
}

// abortConnection closes the connection without an answer.
func abortConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}
