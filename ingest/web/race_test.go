//go:build race

package web_test

// raceEnabled: the race detector slows the demo fill and the pages about
// tenfold, so the browser test uses a smaller fleet under it.
const raceEnabled = true
