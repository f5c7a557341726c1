// Package sdnotify speaks systemd's service notification protocol, so that
// `Type=notify` (and `Type=notify-reload`) units know when the agent is
// ready, reloading or stopping, and its watchdog hears from it.
//
// The protocol is one datagram of newline-separated KEY=VALUE lines sent to
// the unix socket named by NOTIFY_SOCKET (a path, or "@name" for an
// abstract socket). WATCHDOG_USEC asks for "WATCHDOG=1" at least that
// often (we send at half the interval); WATCHDOG_PID, when set, names the
// process it is meant for. Without NOTIFY_SOCKET nothing is sent.
package sdnotify
