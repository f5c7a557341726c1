package main

import (
	"fmt"
	"io"
	"time"

	"github.com/demarc/demarc/bench/faultproxy"
)

// Result is what a simulation counted and measured.
type Result struct {
	Config      Config
	dsn         string
	start       time.Time
	faultsStart time.Time

	// Counts over every agent.
	Generated, Delivered, Dup200, Retried int
	Stored, Lost, DupStored, Unknown      int
	// Unspooled reports were in a killed process's memory (never
	// acknowledged, never spooled); NeverStored were spooled and never
	// reached the server.
	Unspooled, NeverStored      int
	SpooledAtStop, StillSpooled int
	Aside, LatestMismatch       int
	// Enrollment and host keys: agents enrolled after the run; keys the
	// server issued in answers (its demarc_host_keys_issued_total summed
	// over its lives: a lower bound, a SIGKILL loses the last second);
	// keys the agents received, rotations they completed (fewest and most
	// of one agent), received keys the server then refused (dropped);
	// sends refused with 401 during the run; agents whose keys the server
	// refuses after it (locked out); hosts whose current key is missing
	// or not the agent's.
	Enrolled, KeysIssued, KeysReceived    int
	Rotations, MinRotations, MaxRotations int
	KeysDropped, Unauthorized, LockedOut  int
	KeyMismatch                           int
	ServerKills, NetworkFaults            int
	InprocKills, ProcKills                int
	Recovery                              time.Duration
	Recovered                             bool
	ServerClean, ServerSteady             histogram
	ServerFault                           histogram
	OthersCPU                             float64 // mean, % of one core, in the steady seconds
	AgentClean, AgentAll                  [2]time.Duration
	AgentCleanN, AgentAllN                int
	Proxy                                 faultproxy.Stats
	Windows                               []window
	Discrepancies                         []string
}

// OK is true when every report is accounted for.
func (r *Result) OK() bool { return len(r.Discrepancies) == 0 }

func (r *Result) note(format string, a ...any) {
	r.Discrepancies = append(r.Discrepancies, fmt.Sprintf(format, a...))
}

// latencyTarget is the server's p99 ingest latency the fleet must stay
// under outside fault windows.
const latencyTarget = 250 * time.Millisecond

func (r *Result) print(w io.Writer) {
	p := func(name string, v any) { fmt.Fprintf(w, "  %-58s %v\n", name, v) }
	fmt.Fprintln(w, "faults as they happened (seconds from the end of the warm-up):")
	for _, x := range r.Windows {
		fmt.Fprintf(w, "  %6.1fs – %6.1fs  %s\n", x.start.Sub(r.faultsStart).Seconds(), x.end.Sub(r.faultsStart).Seconds(), x.label)
	}
	fmt.Fprintf(w, "  %d server SIGKILLs, %d network faults, %d in-process agents stopped abruptly, %d agent processes SIGKILLed\n",
		r.ServerKills, r.NetworkFaults, r.InprocKills, r.ProcKills)
	fmt.Fprintf(w, "  proxy: %d connections, %d dropped, %d reset, %d blackholed, %d refused (server down)\n",
		r.Proxy.Accepted, r.Proxy.Dropped, r.Proxy.Reset, r.Proxy.Blackholed, r.Proxy.DialFailed)
	fmt.Fprintln(w, "reports:")
	p("generated (scans done)", r.Generated)
	p("delivered (acknowledged 2xx, each report once)", r.Delivered)
	p("retried (sends that failed and were kept)", r.Retried)
	p("duplicates answered 200 (sent again, stored once)", r.Dup200)
	p("stored on the server", r.Stored)
	p("lost (acknowledged, not stored)", r.Lost)
	p("duplicates stored", r.DupStored)
	p("stored but never made by an agent", r.Unknown)
	p("spooled but never stored", r.NeverStored)
	p("in a killed process's memory (never acknowledged or spooled)", r.Unspooled)
	p("in spools when the agents stopped (then flushed)", r.SpooledAtStop)
	p("still spooled after the flush", r.StillSpooled)
	p("rejected or corrupt (moved aside)", r.Aside)
	p("hosts whose latest state is not their last report", r.LatestMismatch)
	fmt.Fprintln(w, "enrollment and host keys:")
	p("agents enrolled (server-assigned host id in their state_dir)", fmt.Sprintf("%d of %d", r.Enrolled, r.Config.Agents+r.Config.Procs))
	p(fmt.Sprintf("keys issued by the server (key_rotation %s)", r.Config.KeyRotation), fmt.Sprintf("at least %d (its /metrics, over every restart)", r.KeysIssued))
	p("keys received by the agents", r.KeysReceived)
	p("rotations completed (new key confirmed and made current)", fmt.Sprintf("%d (per agent: %d to %d)", r.Rotations, max(r.MinRotations, 0), r.MaxRotations))
	p("received keys the server refused (dropped, old key kept)", r.KeysDropped)
	p("sends refused with 401 during the run", r.Unauthorized)
	p("agents refused with 401 after the run (locked out)", r.LockedOut)
	p("hosts without exactly one current key held by their agent", r.KeyMismatch)
	rec := fmt.Sprintf("%.1fs", r.Recovery.Seconds())
	if !r.Recovered {
		rec += " (not recovered within the limit)"
	}
	p("recovery time after the last fault", rec)
	fmt.Fprintln(w, "ingest latency:")
	sc := r.ServerClean
	p("server (its /metrics), outside fault windows: p50 / p99",
		fmt.Sprintf("%s / %s over %.0f requests; %.2f%% within %s (target p99 < %s: %s)",
			ms(sc.quantile(0.5)), ms(sc.quantile(0.99)), sc.total(), 100*sc.within(latencyTarget.Seconds()),
			latencyTarget, latencyTarget, yes(sc.total() > 0 && sc.within(latencyTarget.Seconds()) >= 0.99)))
	st := r.ServerSteady
	p(fmt.Sprintf("server, steady state (also not within %s after a fault)", settle),
		fmt.Sprintf("%s / %s over %.0f requests; %.2f%% within %s", ms(st.quantile(0.5)), ms(st.quantile(0.99)), st.total(),
			100*st.within(latencyTarget.Seconds()), latencyTarget))
	p("CPU of other processes in the steady seconds (mean; 200% = both cores)", fmt.Sprintf("%.0f%%", r.OthersCPU))
	p("server, during fault windows: p50 / p99",
		fmt.Sprintf("%s / %s over %.0f requests", ms(r.ServerFault.quantile(0.5)), ms(r.ServerFault.quantile(0.99)), r.ServerFault.total()))
	p("in-process agents (through the proxy), outside faults: p50 / p99",
		fmt.Sprintf("%s / %s over %d deliveries", ms(r.AgentClean[0]), ms(r.AgentClean[1]), r.AgentCleanN))
	p("in-process agents, all deliveries: p50 / p99",
		fmt.Sprintf("%s / %s over %d deliveries", ms(r.AgentAll[0]), ms(r.AgentAll[1]), r.AgentAllN))
	if r.OK() {
		fmt.Fprintln(w, "PASS: every report accounted for")
		return
	}
	fmt.Fprintf(w, "FAIL: %d discrepancies\n", len(r.Discrepancies))
	for i, d := range r.Discrepancies {
		if i == 50 {
			fmt.Fprintf(w, "  … and %d more\n", len(r.Discrepancies)-50)
			break
		}
		fmt.Fprintln(w, "  - "+d)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func yes(b bool) string {
	if b {
		return "met"
	}
	return "NOT met"
}
