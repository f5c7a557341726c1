package main

import (
	"bytes"
	"strings"
)

type bytesBuffer = bytes.Buffer

func splitLines(s string) []string { return strings.Split(strings.TrimSpace(s), "\n") }
func fields(s string) []string     { return strings.Fields(s) }
