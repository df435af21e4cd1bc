package reconcile_test

import (
	"testing"

	"github.com/accruehq/accrue/reconcile"
	"github.com/accruehq/accrue/reconcile/reconciletest"
)

func TestMemoryQueueConformance(t *testing.T) {
	reconciletest.RunQueueConformance(t, func(t *testing.T) reconcile.Queue { return &reconcile.MemoryQueue{} })
}
