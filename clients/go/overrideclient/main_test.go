package overrideclient

import (
	"fmt"
	"os"
	"testing"
)

// scratchDir holds what the tests make once for all (certificates).
var scratchDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "overrideclient-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	scratchDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
