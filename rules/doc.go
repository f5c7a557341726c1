// Package rules judges what the collectors observed: lifecycle (end of life,
// extended support, behind on majors or patches) from embedded data generated
// from endoflife.date and vendor sources, and responsibility (provider or
// customer) from the shared responsibility matrix for the host's tier, with
// the seed's refinements. Every finding names the rule that decided it and
// says why in one sentence.
package rules
