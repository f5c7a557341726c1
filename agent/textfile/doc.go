// Package textfile writes the agent's metrics in the Prometheus text
// format for node_exporter's textfile collector
// (--collector.textfile.directory), so a provider that already runs
// Prometheus can alert on patch gaps without running demarc-server.
//
// The file, demarc.prom, is replaced atomically after every run (temporary
// file named so node_exporter ignores it, fsync, rename): node_exporter
// never reads half a file. It holds the last report's findings by
// responsible party, severity and kind (every combination, zeros
// included, so alerts need no absent()), the last scan's time, duration
// and success, the spool depth, whether the server refuses the agent's
// token (demarc_agent_credential_rejected), and counters of deliveries,
// delivery failures, rejected, dropped, corrupt and untrusted spool files
// since the agent started.
package textfile
