//go:build cgo

package main

// Defining codex_sandbox_command lets the sandbox's C constructor
// (sandbox/preinit_linux.c) recognise `codex sandbox linux` and create its
// namespaces before the Go runtime starts. Other programs that link the
// sandbox package leave it undefined, so that their own command lines are
// never taken for this one.

/*
const int codex_sandbox_command = 1;
*/
import "C"
