// Package demo fills a fresh demarc-server database with a simulated fleet
// (`demarc-server demo`): hundreds of hosts of several customers on every
// tier, reporting once a day for a few weeks.
//
// Each simulated host is one of scan's golden fixture hosts
// (scan/testdata/hosts: real release files, package databases, panel and
// application files, scanned with every collector), under a name of its
// own: its OS and kernel, its software and its pending updates are what
// that scan observed (fixtures.json, kept equal to the golden reports by a
// test). This package adds a history: new updates come out on a few days,
// the provider installs them on the hosts it manages in windows (a few
// hosts are left out), customers now and then; patch releases of panels
// and server software are applied, hosts reboot into their newest
// kernel, a package manager fails now and then, some hosts join late and
// a few stop reporting. The provider's records give most hosts their tier;
// a few hosts have none and a few claim another tier in their agent.yaml.
//
// The reports carry observations and the agent's own findings; the server
// judges the observations with its own rules and the records, exactly as
// for a real fleet, so the demo never contradicts the scanner, and the
// chart of open findings over time, first seen, last seen and resolved
// times are what a real fleet's would be.
package demo
