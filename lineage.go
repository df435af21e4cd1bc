package accrue

// Lineage metadata keys. Every ledger transaction Accrue writes carries the
// ones that apply, so that any number can be traced back to the event, rule,
// plan version, attribution model and payout that produced it, and a partner
// statement can be built from them alone.
const (
	MetaEventID          = "event_id"          // the host's id of the source event (order, signup, refund)
	MetaConversionID     = "conversion_id"     // the attributed conversion
	MetaTouchpointID     = "touchpoint_id"     // the touchpoint that earned the credit
	MetaAttributionModel = "attribution_model" // the attribution model and its parameters
	MetaPartnerID        = "partner_id"        // the partner the money is for
	MetaRuleID           = "rule_id"           // the commission rule that produced the amount
	MetaPlanID           = "plan_id"           // the commission plan
	MetaPlanVersion      = "plan_version"      // the plan's content hash
	MetaBatchID          = "batch_id"          // the payout batch
	MetaItemID           = "item_id"           // the payout item
	MetaReverses         = "reverses"          // the transaction a reversal undoes
	MetaRate             = "fx_rate"           // the exchange rate applied, with its source and time
)
