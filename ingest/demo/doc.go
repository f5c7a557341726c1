// Package demo fills a fresh demarc-server database with a simulated fleet
// (`demarc-server demo`): hundreds of hosts of several customers on every
// tier, on current and end-of-life OS releases, with cPanel, Plesk,
// DirectAdmin or no control panel, reporting once a day for a few weeks.
//
// The hosts and their findings come from internal/reportgen; this package
// adds the software each host runs and a history: new patches come out on
// a few days, the provider patches its managed hosts in windows (a few
// hosts are left out of them) and later starts upgrading end-of-life PHP
// and MySQL, customers patch now and then, some hosts join late and a few
// stop reporting. The reports are posted through the server's own ingest
// path, so the chart of open findings over time, first seen, last seen and
// resolved times are what a real fleet's would be.
package demo
