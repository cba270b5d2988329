// Package state is Docket's projection logic, written once in pure Go (no
// I/O): what an event means for the read models. The projector folds the
// stream with Apply for every store; as-of queries fold a subject's audit
// rows with Fold; Replay folds a whole stream in memory and is the
// reference every store must agree with.
//
// Decisions:
//
//   - Findings are judged against the subject's state before the event is
//     folded in, and against the catalogue as it was stored before the event
//     (lower stream sequence) and declared at its occurred_at. So a finding
//     depends only on the stream prefix: the projector, Fold and Replay raise
//     the same ones, and a back-dated declaration recorded later does not
//     rewrite what was already found.
//   - Times compare occurred_at (what was true): consent is valid at t when
//     given at or before t, not withdrawn at or before t and not expired; a
//     restriction is in force from its applied to its lifted time; an
//     objection binds from its time. Consent, restriction and objection state
//     is the fold in stream order (the last event of a purpose wins).
//   - A rights request's deadline (DueAt) is one calendar month in UTC from
//     receipt, clamped to the last day of a shorter month, at the same clock
//     time; an extension counts only when it occurred within that first month,
//     and two months at most in all. A closed request changes no more.
//   - Retention is checked only for activities whose retention trigger is
//     "collection" (RetentionFromCollection). Data of an activity is held
//     from its first collection; it ends at a RetentionExpired of the activity
//     or at the shredding of the key group the activity is declared under
//     (ErasureExecuted alone ends nothing: a system's report may be partial or
//     leave data under a legal hold). A collection after the end starts a new
//     period.
//   - Purpose keys match along the fideslang hierarchy for objections and
//     consent withdrawals: a key above or below the one objected to or
//     withdrawn counts (processing for "marketing" may include the
//     "marketing.communications" objected to), a sibling does not. Consent
//     itself is specific: a consent to "marketing" is not a consent to
//     "marketing.communications.email".
//   - Purpose limitation is per activity, against its declaration in force
//     at occurred_at: a declared key covers the keys below it, never a
//     broader one; an event must carry the activity's legal basis and its
//     Art. 9(2) condition. An event that names no activity is judged by its
//     own basis and condition only.
//   - processing_after_erasure fires on processing that touches a shredded
//     key group (its values' groups, and its activity's declared group), so
//     data kept under a legal hold in another group (tax) may still be used.
//   - Observed rows count the purposes, recipients and categories of
//     DataCollected and DisclosureMade only: other payloads describe
//     processing, they do not do it.
//   - A finding's detail names ids and taxonomy keys only, never a value.
package state
