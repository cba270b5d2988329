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
//     time zone: that of the ControllerProfileDeclared in force at the
//     receipt (declared at or before it, stored before it; UTC without
//     one), also for a later extension (Catalogue.RequestLocation), so a
//     profile declared later changes only later requests; DueAt is that
//     day's last nanosecond. Only the first
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
//   - Retention is checked for every activity whose retention has a time
//     limit (days > 0) and a trigger the ledger sees (trigger_event; a
//     stored declaration with trigger "collection" and none is read as
//     COLLECTION). Data of an activity is held from its first collection;
//     it ends at a RetentionExpired of the activity or at the shredding of
//     the key group the activity is declared under (ErasureExecuted alone
//     ends nothing: a system's report may be partial or leave data under a
//     legal hold). A collection after the end starts a new period. The
//     clock of a period starts (retention.go, clock): at its first
//     collection (COLLECTION); at the earliest withdrawal of consent to, or
//     objection to, a key covering one of the activity's purposes
//     (taxonomy.Covers), unless consent to that purpose was given again, or
//     an ObjectionOverridden covering it (never for direct marketing, Art.
//     21(3)) followed, and never before the period's first collection
//     (CONSENT_WITHDRAWN, OBJECTION_UPHELD: collecting again without a new
//     consent does not stop it); at the first fulfilment of one of the
//     subject's requests (REQUEST_FULFILLED) or RelationshipEnded naming the
//     activity or none (RELATIONSHIP_ENDED) at or after the period's last
//     collection — a later collection shows the relationship going on, and
//     the clock waits for the next end. A declaration without a time limit
//     or a trigger the ledger sees (Validate refuses both; only stored ones
//     have them) is not checked and raises retention_without_time_limit.
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
//   - A use (DataProcessed: a send by the controller itself, an analytics
//     run, profiling, an automated decision) is processing like a
//     collection or a disclosure: every processing rule judges it, the
//     audit trail and the observed rows show it. It holds no values, so it
//     touches its activity's key group only, and it starts no retention
//     period (retention runs from collection).
//   - Observed rows count the purposes, recipients and categories of
//     DataCollected, DataProcessed and DisclosureMade only: other payloads
//     describe processing, they do not do it.
//   - Art. 22 is judged per use: a decision based solely on automated
//     processing with legal or similarly significant effect needs an Art.
//     22(2) exception on the event (the catalogue declares whether an
//     activity decides, not under which exception), and on special
//     categories Art. 9(2)(a) or (g) (Art. 22(4)). Art. 10 is judged on
//     every collection, use and disclosure of user.criminal_history: a
//     basis on the event or on its declared activity suffices.
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
//     country and transfer mechanism must be a declared one.
//   - A subject's age is known from age bands only: a band's lower bound
//     plus the whole years since its collection (AgeAt), the band showing
//     the subject oldest winning. A child for consent (Art. 8) is below the
//     tenant's age of digital consent (the profile's own age, else its
//     member state's, else 16) or flagged subject_is_child; a child for
//     profiling and marketing (Recitals 38, 71) is under 18 (UNCRC Art. 1),
//     and marketing to one is flagged unless it rests on consent Art. 8
//     makes valid (a parent's below the age of digital consent).
//   - A denial without remedies_given lacks the Art. 12(4) information;
//     "no data held" is a fulfilled access request (RequestRow.NoDataHeld).
//   - Breaches are a register of their own (FoldBreach: one row per tenant
//     and breach id, every step kept, a step of an id never recorded too),
//     judged when asked (BreachFindings), not as events arrive, since "no
//     notification within 72 hours" is a time, not an event. Awareness is
//     BreachRecorded.detected_at; the risk at a time is the last assessment
//     by then (the BreachRecorded's from awareness); a risk "none" 72 hours
//     after awareness owes no notification (Art. 33(1)), and an unassessed
//     one does. Only the first notification's delay reason counts. The
//     subjects of a breach whose risk became high must be told, or an Art.
//     34(3) exception recorded, within BreachTellSubjectsWithin (72 hours:
//     the law says "without undue delay").
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
//   - Findings have a life cycle (Art. 5(2)): a FindingStatusChanged names
//     findings by id and/or a group key "<rule>:<cause>" (GroupKey; the
//     cause is the recipient, the activity or purpose, the right, the
//     retention's activity). It is kept as a row of its own, never folded
//     into findings, because time-based findings exist only when computed:
//     FindingStatuses joins rows to findings when they are listed, a group
//     change applying to the group's findings that arose up to its
//     occurred_at, and a finding's status is the last applying change's in
//     stream order (StatusOpen when none). A change naming a finding that
//     does not exist (yet) is kept. The row records whether a justification
//     was given, never its words (sealed in the event).
package state
