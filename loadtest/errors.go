package main

import "errors"

// errUsage is returned for bad command-line flags (exit code 2).
var errUsage = errors.New("usage")
