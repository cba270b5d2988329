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
//   - A rights request's deadline (DueAt) is the end of the day one
//     calendar month after the day of receipt (Regulation 1182/71 Art.
//     3(2)(c)), clamped to the last day of a shorter month, in the tenant's
//     time zone (Catalogue.Location: UTC until a controller profile event
//     declares one); DueAt is that day's last nanosecond. Only the first
//     extension counts, when it occurred within the first month, for two
//     months at most; any other raises deadline_extension_not_counted and
//     leaves the deadline as it stands. A closed request changes no more.
//   - Art. 3(4) of 1182/71 (a period ending on a Saturday, Sunday or public
//     holiday ends at the end of the next working day) is not applied:
//     public holidays need each member state's calendar, and applying the
//     weekend alone would give a deadline that is neither the strict one
//     nor the law's on a holiday. The strict deadline is never later than
//     the law's, so a request answered by it is in time under either
//     reading; a request answered on the Monday after a Saturday deadline is
//     flagged although the law may allow it.
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
//   - Transfers (Art. 44-49) are judged per disclosure, by the recipient it
//     names: outside the EEA, an adequacy decision must be in force for the
//     country at occurred_at (taxonomy.AdequacyAt); the United States'
//     holds only for a recipient the event shows DPF-certified
//     (Recipient.dpf_certified). Under the Art. 49(1)(a) derogation the
//     subject's consent to the disclosure's purpose must be valid at
//     occurred_at (the ledger records consent to purposes, not to
//     transfers). Other mechanisms and derogations are taken at their word.
//     A catalogue declaring adequacy for a country without it is accepted
//     on append (the controller's record; refusing could block the
//     correction) and flagged at each disclosure relying on it.
//   - A disclosure's recipient is compared with its activity's declaration
//     of the same id, or any activity's when its own does not list it: kind,
//     country, transfer mechanism, Art. 49(1) derogation and DPF
//     certification must be a declared one.
//   - Art. 18(2): an event that records a restriction_exception is not
//     processing during a restriction (taken at its word). Art. 21(1): an
//     ObjectionOverridden lifts processing_after_objection for the purposes
//     it covers (and those below), after it, of the objections recorded up
//     to it; never for direct marketing.
//   - Art. 19 notices: a later RecipientNotificationDue of the same cause
//     (occurring later: the saga's reschedule when a disclosure's
//     confidentiality changes) replaces an open notice's due date and
//     owed_from; a DisclosureConfidentialityChanged sets the register's
//     confidential_until of the subject's disclosure it names (the last
//     change wins; a lift ends it at the change's occurred_at).
//   - A finding's detail names ids and taxonomy keys only, never a value.
package state
