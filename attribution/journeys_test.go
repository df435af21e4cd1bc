package attribution_test

import (
	"context"
	"testing"
	"time"

	"github.com/accruehq/accrue/attribution"
	"github.com/accruehq/accrue/attribution/attributiontest"
)

func TestMemoryJourneysConformance(t *testing.T) {
	attributiontest.RunJourneySourceConformance(t, func(t *testing.T, journeys map[string][]attribution.Touchpoint) attribution.JourneySource {
		var m attribution.MemoryJourneys
		for customer, touches := range journeys {
			// In two calls, out of time order: Add keeps them sorted.
			half := len(touches) / 2
			m.Add(customer, touches[half:]...)
			m.Add(customer, touches[:half]...)
		}
		return &m
	})
}

// TestMemoryJourneysAddKeepsReturnedJourneys: a journey handed out does not
// change when touches are added later (the Attributor may still be reading
// it), and appending to it does not write into the source.
func TestMemoryJourneysAddKeepsReturnedJourneys(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var m attribution.MemoryJourneys
	m.Add("ana", attribution.Touchpoint{ID: "a1", Partner: "p1", Time: t0}, attribution.Touchpoint{ID: "a3", Partner: "p1", Time: t0.Add(2 * time.Hour)})
	m.Add("ana", attribution.Touchpoint{ID: "a2", Partner: "p2", Time: t0.Add(time.Hour)})
	got, err := m.Journey(ctx, "ana", t0.Add(3*time.Hour))
	if err != nil || len(got) != 3 {
		t.Fatalf("Journey: %d touches, %v", len(got), err)
	}
	// An earlier touch sorts first: a source that sorted in place would
	// move the touches under the journey handed out.
	m.Add("ana", attribution.Touchpoint{ID: "a0", Partner: "p2", Time: t0.Add(-time.Hour)})
	if got[0].ID != "a1" || got[1].ID != "a2" || got[2].ID != "a3" {
		t.Fatalf("a journey handed out changed after Add: %s, %s, %s", got[0].ID, got[1].ID, got[2].ID)
	}
	early, _ := m.Journey(ctx, "ana", t0)
	_ = append(early, attribution.Touchpoint{ID: "x", Time: t0})
	all, _ := m.Journey(ctx, "ana", t0.Add(3*time.Hour))
	if len(all) != 4 || all[1].ID != "a1" {
		t.Fatalf("after appending to a returned journey the source holds %+v", all)
	}
}
