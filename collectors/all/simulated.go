package all

import "github.com/demarc/demarc/internal/fixture"

// Simulated is the live-only facts of a host that is not the running
// system (a fixture host's live.yaml, a simulated fleet member); see
// fixture.Live. scan.Options.Simulated takes one.
type Simulated = fixture.Live
