package payout

// Metadata keys payout writes on its ledger transactions, besides the
// lineage keys accrue.MetaBatchID, accrue.MetaItemID, accrue.MetaPartnerID
// and accrue.MetaRate.
const (
	MetaRun    = "payout_run"    // the run that built the batch
	MetaStep   = "payout_step"   // one of the Step* values
	MetaKey    = "payout_key"    // the provider idempotency key of the item
	MetaAmount = "payout_amount" // what the partner receives, in the payout currency
	MetaReason = "payout_reason" // why an item failed or came back
	MetaPeriod = "payout_period" // the period paid
)

// Steps of an item's life cycle, as MetaStep values. Each is one ledger
// transaction tagged with the batch and item ids.
const (
	StepReserve  = "reserve"  // pending: payable → clearing, withholding, fees
	StepSubmit   = "submit"   // pending: clearing → cash, written before the provider is called
	StepPaid     = "paid"     // the two pending transactions posted
	StepFailed   = "failed"   // the two pending transactions voided
	StepReturned = "returned" // posted: a paid item came back; the partner's payable is re-credited
)
