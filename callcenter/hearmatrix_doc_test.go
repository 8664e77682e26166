package callcenter

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// seat is a row or column of the documented table: a label and the parties
// (variants) it stands for. A cell is "yes" or "no" only if every variant
// agrees.
type seat struct {
	label    string
	held     bool // the conversation's customer is on hold
	paused   bool // the conversation is in a PCI pause
	variants []Party
}

// hearSeats returns the table's columns (speakers) and rows (listeners).
// A muted supervisor is a column only: mute changes what others hear from a
// party, never what the party hears, so as a listener it is the row of its
// mode.
func hearSeats() (cols, rows []seat) {
	one := func(label string, held bool, p Party) seat { return seat{label, held, false, []Party{p}} }
	sup := func(m Mode, muted bool) Party { return Party{Role: PartySupervisor, Mode: m, Muted: muted} }
	cols = []seat{
		one("customer", false, Party{Role: PartyCustomer}),
		one("customer, held", true, Party{Role: PartyCustomer}),
		{"customer, PCI pause", false, true, []Party{{Role: PartyCustomer}}},
		one("customer, muted", false, Party{Role: PartyCustomer, Muted: true}),
		one("agent", false, Party{Role: PartyAgent}),
		one("agent, muted", false, Party{Role: PartyAgent, Muted: true}),
		one("agent, talk-back", false, Party{Role: PartyAgent, TalkBack: true}),
		one("supervisor Listen", false, sup(ModeListen, false)),
		one("supervisor Whisper", false, sup(ModeWhisper, false)),
		one("supervisor Barge", false, sup(ModeBarge, false)),
		{"supervisor, muted (any mode)", false, false, []Party{sup(ModeListen, true), sup(ModeWhisper, true), sup(ModeBarge, true)}},
		{"unknown role or mode", false, false, []Party{{Role: PartyUnknown}, sup(ModeUnknown, false), {Role: PartyRole(42)}, sup(Mode(42), false)}},
	}
	for _, c := range cols {
		if c.label != "supervisor, muted (any mode)" {
			rows = append(rows, c)
		}
	}
	return cols, rows
}

// renderHearTable renders the hear table of docs/hear-matrix.md from the
// code. Cells pairing a held customer with an unheld one, or a paused one
// with an unpaused one, are "—": hold and PCI pause are per conversation, so
// that state cannot exist.
func renderHearTable() (string, error) {
	cols, rows := hearSeats()
	var b strings.Builder
	b.WriteString("| listener ↓ hears speaker → |")
	for _, col := range cols {
		b.WriteString(" " + col.label + " |")
	}
	b.WriteString("\n|---|")
	for range cols {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, row := range rows {
		b.WriteString("| **" + row.label + "** |")
		for _, col := range cols {
			cell, err := hearCell(row, col)
			if err != nil {
				return "", err
			}
			b.WriteString(" " + cell + " |")
		}
		b.WriteString("\n")
	}
	return b.String(), nil
}

func hearCell(row, col seat) (string, error) {
	customer := func(s seat) bool { return isCustomer(s.variants[0]) }
	if (row.held != col.held || row.paused != col.paused) && customer(row) && customer(col) {
		return "—", nil
	}
	seen := map[bool]bool{}
	for _, l := range row.variants {
		for _, s := range col.variants {
			l.ID, s.ID = "L", "S"
			st := HearState{Parties: []Party{l, s}, CustomerHeld: row.held || col.held, PCIPaused: row.paused || col.paused}
			seen[CanHear(st, "L", "S")] = true
		}
	}
	if len(seen) != 1 {
		return "", fmt.Errorf("%s / %s: variants disagree", row.label, col.label)
	}
	if seen[true] {
		return "yes", nil
	}
	return "no", nil
}

// TestHearMatrixDocTable keeps docs/hear-matrix.md exact to the code.
func TestHearMatrixDocTable(t *testing.T) {
	table, err := renderHearTable()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../docs/hear-matrix.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), table) {
		t.Errorf("docs/hear-matrix.md does not contain the hear table the code gives; expected:\n%s", table)
	}
}
