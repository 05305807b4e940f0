//go:build race

package edition_test

const raceEnabled = true
