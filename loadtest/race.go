//go:build !race

package main

// raceEnabled tells whether this binary was built with -race; a server the
// load tester builds is built the same way, so a test run reuses the
// packages already compiled for it.
const raceEnabled = false
