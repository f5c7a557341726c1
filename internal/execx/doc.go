// Package execx runs external commands for collectors: a fixed argv and no
// shell, a minimal environment with LC_ALL=C (package managers translate
// their output), a timeout that kills the whole process group, and capped
// output. Collectors receive a Runner; tests give them a Fake that answers
// from canned responses in testdata/<case>/cmd/*.yaml, matching an argv
// with demarc's private directories (new on every run) written ${PRIVATE}.
package execx
