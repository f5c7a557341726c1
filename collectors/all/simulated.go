package all

import "github.com/demarc/demarc/internal/fixture"

// Simulated is the live-only facts of a host that is not the running
// system (a fixture host's live.yaml, a simulated fleet member); see
// fixture.Live. Its Facts go into scan.Options.Live.
type Simulated = fixture.Live
