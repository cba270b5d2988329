package labels

// enumWords names every value of every enum of the event vocabulary
// (docket.events.v1), by the value's name, which protobuf keeps unique
// within the package. An UNSPECIFIED value reads "not stated".
var enumWords = []words{
	// ActorKind: who did something.
	{"ACTOR_KIND_UNSPECIFIED", "not stated", "nicht angegeben"},
	{"ACTOR_KIND_SYSTEM", "the system", "das System"},
	{"ACTOR_KIND_STAFF", "staff", "Mitarbeitende"},
	{"ACTOR_KIND_DATA_SUBJECT", "the data subject", "die betroffene Person"},
	{"ACTOR_KIND_GUARDIAN", "a parent or guardian", "ein Elternteil oder Vormund"},
	{"ACTOR_KIND_PROCESSOR", "a processor acting for us", "ein Auftragsverarbeiter in unserem Auftrag"},

	// LegalBasis: Art. 6(1) and Art. 9(2) GDPR.
	{"LEGAL_BASIS_UNSPECIFIED", "not stated", "nicht angegeben"},
	{"LEGAL_BASIS_ART6_1_A_CONSENT", "consent (Art. 6(1)(a) GDPR)", "Einwilligung (Art. 6 Abs. 1 lit. a DSGVO)"},
	{"LEGAL_BASIS_ART6_1_B_CONTRACT", "a contract with the data subject, or steps they asked for before one (Art. 6(1)(b) GDPR)", "Vertrag mit der betroffenen Person oder vorvertragliche Maßnahmen auf ihre Anfrage (Art. 6 Abs. 1 lit. b DSGVO)"},
	{"LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION", "a legal obligation we are under (Art. 6(1)(c) GDPR)", "eine rechtliche Verpflichtung, der wir unterliegen (Art. 6 Abs. 1 lit. c DSGVO)"},
	{"LEGAL_BASIS_ART6_1_D_VITAL_INTERESTS", "protecting the vital interests of the data subject or another person (Art. 6(1)(d) GDPR)", "Schutz lebenswichtiger Interessen der betroffenen oder einer anderen Person (Art. 6 Abs. 1 lit. d DSGVO)"},
	{"LEGAL_BASIS_ART6_1_E_PUBLIC_TASK", "a task in the public interest or in the exercise of official authority (Art. 6(1)(e) GDPR)", "eine Aufgabe im öffentlichen Interesse oder in Ausübung öffentlicher Gewalt (Art. 6 Abs. 1 lit. e DSGVO)"},
	{"LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS", "legitimate interests of the controller or a third party (Art. 6(1)(f) GDPR)", "berechtigte Interessen des Verantwortlichen oder eines Dritten (Art. 6 Abs. 1 lit. f DSGVO)"},
	{"LEGAL_BASIS_ART9_2_A_EXPLICIT_CONSENT", "explicit consent (Art. 9(2)(a) GDPR)", "ausdrückliche Einwilligung (Art. 9 Abs. 2 lit. a DSGVO)"},
	{"LEGAL_BASIS_ART9_2_B_EMPLOYMENT_SOCIAL_SECURITY", "employment, social security and social protection law (Art. 9(2)(b) GDPR)", "Arbeitsrecht, Recht der sozialen Sicherheit und des Sozialschutzes (Art. 9 Abs. 2 lit. b DSGVO)"},
	{"LEGAL_BASIS_ART9_2_C_VITAL_INTERESTS", "vital interests where the data subject cannot consent (Art. 9(2)(c) GDPR)", "lebenswichtige Interessen, wenn die betroffene Person nicht einwilligen kann (Art. 9 Abs. 2 lit. c DSGVO)"},
	{"LEGAL_BASIS_ART9_2_D_NOT_FOR_PROFIT_BODY", "a not-for-profit body's activities for its members (Art. 9(2)(d) GDPR)", "Tätigkeiten einer Organisation ohne Gewinnerzielungsabsicht für ihre Mitglieder (Art. 9 Abs. 2 lit. d DSGVO)"},
	{"LEGAL_BASIS_ART9_2_E_MADE_PUBLIC_BY_SUBJECT", "data the data subject has clearly made public (Art. 9(2)(e) GDPR)", "von der betroffenen Person offensichtlich öffentlich gemachte Daten (Art. 9 Abs. 2 lit. e DSGVO)"},
	{"LEGAL_BASIS_ART9_2_F_LEGAL_CLAIMS", "legal claims or courts acting judicially (Art. 9(2)(f) GDPR)", "Rechtsansprüche oder justizielle Tätigkeit von Gerichten (Art. 9 Abs. 2 lit. f DSGVO)"},
	{"LEGAL_BASIS_ART9_2_G_SUBSTANTIAL_PUBLIC_INTEREST", "a substantial public interest set out in law (Art. 9(2)(g) GDPR)", "ein gesetzlich bestimmtes erhebliches öffentliches Interesse (Art. 9 Abs. 2 lit. g DSGVO)"},
	{"LEGAL_BASIS_ART9_2_H_HEALTH_SOCIAL_CARE", "health or social care (Art. 9(2)(h) GDPR)", "Gesundheits- oder Sozialversorgung (Art. 9 Abs. 2 lit. h DSGVO)"},
	{"LEGAL_BASIS_ART9_2_I_PUBLIC_HEALTH", "public health (Art. 9(2)(i) GDPR)", "öffentliche Gesundheit (Art. 9 Abs. 2 lit. i DSGVO)"},
	{"LEGAL_BASIS_ART9_2_J_ARCHIVING_RESEARCH_STATISTICS", "archiving in the public interest, research or statistics (Art. 9(2)(j) GDPR)", "Archivzwecke im öffentlichen Interesse, Forschung oder Statistik (Art. 9 Abs. 2 lit. j DSGVO)"},

	// RecipientKind: nouns, as a register lists them.
	{"RECIPIENT_KIND_UNSPECIFIED", "not stated", "nicht angegeben"},
	{"RECIPIENT_KIND_PROCESSOR", "processor", "Auftragsverarbeiter"},
	{"RECIPIENT_KIND_CONTROLLER", "controller", "Verantwortlicher"},
	{"RECIPIENT_KIND_THIRD_PARTY", "third party", "Dritter"},
	{"RECIPIENT_KIND_PUBLIC_AUTHORITY", "public authority", "Behörde"},

	// TransferMechanism: Chapter V GDPR.
	{"TRANSFER_MECHANISM_UNSPECIFIED", "not stated", "nicht angegeben"},
	{"TRANSFER_MECHANISM_NOT_APPLICABLE", "no transfer outside the EEA", "keine Übermittlung außerhalb des EWR"},
	{"TRANSFER_MECHANISM_ADEQUACY_DECISION", "an adequacy decision of the European Commission (Art. 45 GDPR)", "ein Angemessenheitsbeschluss der Europäischen Kommission (Art. 45 DSGVO)"},
	{"TRANSFER_MECHANISM_STANDARD_CONTRACTUAL_CLAUSES", "standard contractual clauses (Art. 46(2)(c) GDPR)", "Standardvertragsklauseln (Art. 46 Abs. 2 lit. c DSGVO)"},
	{"TRANSFER_MECHANISM_BINDING_CORPORATE_RULES", "binding corporate rules (Art. 47 GDPR)", "verbindliche interne Datenschutzvorschriften (Art. 47 DSGVO)"},
	{"TRANSFER_MECHANISM_CODE_OF_CONDUCT", "an approved code of conduct (Art. 46(2)(e) GDPR)", "genehmigte Verhaltensregeln (Art. 46 Abs. 2 lit. e DSGVO)"},
	{"TRANSFER_MECHANISM_CERTIFICATION", "an approved certification (Art. 46(2)(f) GDPR)", "ein genehmigter Zertifizierungsmechanismus (Art. 46 Abs. 2 lit. f DSGVO)"},
	{"TRANSFER_MECHANISM_DEROGATION_ART49", "an exception for a specific situation (Art. 49 GDPR)", "eine Ausnahme für bestimmte Fälle (Art. 49 DSGVO)"},

	// Art49Derogation: Art. 49(1) GDPR.
	{"ART49_DEROGATION_UNSPECIFIED", "not stated", "nicht angegeben"},
	{"ART49_DEROGATION_EXPLICIT_CONSENT", "explicit consent after being told of the risks (Art. 49(1)(a) GDPR)", "ausdrückliche Einwilligung nach Unterrichtung über die Risiken (Art. 49 Abs. 1 lit. a DSGVO)"},
	{"ART49_DEROGATION_CONTRACT_WITH_SUBJECT", "a contract with the data subject (Art. 49(1)(b) GDPR)", "Vertrag mit der betroffenen Person (Art. 49 Abs. 1 lit. b DSGVO)"},
	{"ART49_DEROGATION_CONTRACT_IN_SUBJECT_INTEREST", "a contract made in the data subject's interest (Art. 49(1)(c) GDPR)", "im Interesse der betroffenen Person geschlossener Vertrag (Art. 49 Abs. 1 lit. c DSGVO)"},
	{"ART49_DEROGATION_PUBLIC_INTEREST", "important reasons of public interest (Art. 49(1)(d) GDPR)", "wichtige Gründe des öffentlichen Interesses (Art. 49 Abs. 1 lit. d DSGVO)"},
	{"ART49_DEROGATION_LEGAL_CLAIMS", "legal claims (Art. 49(1)(e) GDPR)", "Rechtsansprüche (Art. 49 Abs. 1 lit. e DSGVO)"},
	{"ART49_DEROGATION_VITAL_INTERESTS", "vital interests where the data subject cannot consent (Art. 49(1)(f) GDPR)", "lebenswichtige Interessen, wenn die betroffene Person nicht einwilligen kann (Art. 49 Abs. 1 lit. f DSGVO)"},
	{"ART49_DEROGATION_PUBLIC_REGISTER", "a public register (Art. 49(1)(g) GDPR)", "ein öffentliches Register (Art. 49 Abs. 1 lit. g DSGVO)"},
	{"ART49_DEROGATION_COMPELLING_LEGITIMATE_INTERESTS", "compelling legitimate interests, for a one-off transfer (Art. 49(1), second subparagraph, GDPR)", "zwingende berechtigte Interessen bei einer einmaligen Übermittlung (Art. 49 Abs. 1 UAbs. 2 DSGVO)"},

	// RetentionTrigger: what starts a retention period.
	{"RETENTION_TRIGGER_UNSPECIFIED", "not stated", "nicht angegeben"},
	{"RETENTION_TRIGGER_COLLECTION", "from when the data was last collected", "ab der letzten Erhebung der Daten"},
	{"RETENTION_TRIGGER_CONSENT_WITHDRAWN", "from the withdrawal of consent", "ab dem Widerruf der Einwilligung"},
	{"RETENTION_TRIGGER_OBJECTION_UPHELD", "from when an objection is upheld", "ab der Stattgabe eines Widerspruchs"},
	{"RETENTION_TRIGGER_REQUEST_FULFILLED", "from when a request has been fulfilled", "ab der Erfüllung eines Antrags"},
	{"RETENTION_TRIGGER_RELATIONSHIP_ENDED", "from the end of the contract or account", "ab dem Ende des Vertrags oder Kontos"},

	// CriminalDataBasis: Art. 10 GDPR.
	{"CRIMINAL_DATA_BASIS_UNSPECIFIED", "not stated", "nicht angegeben"},
	{"CRIMINAL_DATA_BASIS_OFFICIAL_AUTHORITY", "under the control of official authority (Art. 10 GDPR)", "unter behördlicher Aufsicht (Art. 10 DSGVO)"},
	{"CRIMINAL_DATA_BASIS_AUTHORISED_BY_LAW", "authorised by Union or Member State law (Art. 10 GDPR)", "nach Unionsrecht oder dem Recht eines Mitgliedstaats zulässig (Art. 10 DSGVO)"},

	// AutomatedDecision: Art. 22 GDPR.
	{"AUTOMATED_DECISION_UNSPECIFIED", "not stated", "nicht angegeben"},
	{"AUTOMATED_DECISION_WITHOUT_SIGNIFICANT_EFFECT", "automated decisions without legal or similarly significant effects", "automatisierte Entscheidungen ohne rechtliche oder ähnlich erhebliche Wirkung für Sie"},
	{"AUTOMATED_DECISION_SIGNIFICANT_EFFECT", "automated decisions with legal or similarly significant effects (Art. 22 GDPR)", "automatisierte Entscheidungen mit rechtlicher oder ähnlich erheblicher Wirkung für Sie (Art. 22 DSGVO)"},

	// Art22Exception: Art. 22(2) GDPR.
	{"ART22_EXCEPTION_UNSPECIFIED", "not stated", "nicht angegeben"},
	{"ART22_EXCEPTION_CONTRACT", "necessary for a contract with the data subject (Art. 22(2)(a) GDPR)", "für einen Vertrag mit der betroffenen Person erforderlich (Art. 22 Abs. 2 lit. a DSGVO)"},
	{"ART22_EXCEPTION_AUTHORISED_BY_LAW", "authorised by law with safeguards (Art. 22(2)(b) GDPR)", "gesetzlich zulässig mit Schutzmaßnahmen (Art. 22 Abs. 2 lit. b DSGVO)"},
	{"ART22_EXCEPTION_EXPLICIT_CONSENT", "explicit consent (Art. 22(2)(c) GDPR)", "ausdrückliche Einwilligung (Art. 22 Abs. 2 lit. c DSGVO)"},

	// Art18Exception: Art. 18(2) GDPR.
	{"ART18_EXCEPTION_UNSPECIFIED", "not stated", "nicht angegeben"},
	{"ART18_EXCEPTION_SUBJECT_CONSENT", "with the data subject's consent (Art. 18(2) GDPR)", "mit Einwilligung der betroffenen Person (Art. 18 Abs. 2 DSGVO)"},
	{"ART18_EXCEPTION_LEGAL_CLAIMS", "for legal claims (Art. 18(2) GDPR)", "für Rechtsansprüche (Art. 18 Abs. 2 DSGVO)"},
	{"ART18_EXCEPTION_PROTECTION_OF_OTHERS", "to protect the rights of another person (Art. 18(2) GDPR)", "zum Schutz der Rechte einer anderen Person (Art. 18 Abs. 2 DSGVO)"},
	{"ART18_EXCEPTION_IMPORTANT_PUBLIC_INTEREST", "for important reasons of public interest (Art. 18(2) GDPR)", "aus Gründen eines wichtigen öffentlichen Interesses (Art. 18 Abs. 2 DSGVO)"},

	// AgeBand.
	{"AGE_BAND_UNSPECIFIED", "not stated", "nicht angegeben"},
	{"AGE_BAND_UNDER_13", "under 13", "unter 13"},
	{"AGE_BAND_13", "13", "13"},
	{"AGE_BAND_14", "14", "14"},
	{"AGE_BAND_15", "15", "15"},
	{"AGE_BAND_16_TO_17", "16 or 17", "16 oder 17"},
	{"AGE_BAND_ADULT", "adult", "volljährig"},

	// RelationshipKind.
	{"RELATIONSHIP_KIND_UNSPECIFIED", "not stated", "nicht angegeben"},
	{"RELATIONSHIP_KIND_CONTRACT", "contract", "Vertrag"},
	{"RELATIONSHIP_KIND_ACCOUNT", "account", "Konto"},
	{"RELATIONSHIP_KIND_EMPLOYMENT", "employment", "Beschäftigung"},
	{"RELATIONSHIP_KIND_MEMBERSHIP", "membership", "Mitgliedschaft"},

	// ConsentMethod.
	{"CONSENT_METHOD_UNSPECIFIED", "not stated", "nicht angegeben"},
	{"CONSENT_METHOD_CHECKBOX", "a tick box", "ein Ankreuzfeld"},
	{"CONSENT_METHOD_DOUBLE_OPT_IN", "confirmed by email (double opt-in)", "per E-Mail bestätigt (Double-Opt-in)"},
	{"CONSENT_METHOD_COOKIE_BANNER", "a cookie banner", "ein Cookie-Banner"},
	{"CONSENT_METHOD_SIGNED_FORM", "a signed form", "ein unterschriebenes Formular"},
	{"CONSENT_METHOD_RECORDED_VERBAL", "spoken and recorded", "mündlich und aufgezeichnet"},
	{"CONSENT_METHOD_ACCOUNT_SETTINGS", "account settings", "Kontoeinstellungen"},
	{"CONSENT_METHOD_UNSUBSCRIBE_LINK", "an unsubscribe link", "ein Abmeldelink"},

	// Channel.
	{"CHANNEL_UNSPECIFIED", "not stated", "nicht angegeben"},
	{"CHANNEL_WEB", "website", "Website"},
	{"CHANNEL_MOBILE_APP", "mobile app", "Mobile App"},
	{"CHANNEL_EMAIL", "email", "E-Mail"},
	{"CHANNEL_PHONE", "phone", "Telefon"},
	{"CHANNEL_PAPER", "paper", "Papier"},
	{"CHANNEL_IN_PERSON", "in person", "persönlich"},
	{"CHANNEL_API", "programming interface (API)", "Programmierschnittstelle (API)"},

	// Right: Arts. 15 to 21 GDPR.
	{"RIGHT_UNSPECIFIED", "not stated", "nicht angegeben"},
	{"RIGHT_ACCESS", "access (Art. 15 GDPR)", "Auskunft (Art. 15 DSGVO)"},
	{"RIGHT_RECTIFICATION", "rectification (Art. 16 GDPR)", "Berichtigung (Art. 16 DSGVO)"},
	{"RIGHT_ERASURE", "erasure (Art. 17 GDPR)", "Löschung (Art. 17 DSGVO)"},
	{"RIGHT_RESTRICTION", "restriction of processing (Art. 18 GDPR)", "Einschränkung der Verarbeitung (Art. 18 DSGVO)"},
	{"RIGHT_OBJECTION", "objection (Art. 21 GDPR)", "Widerspruch (Art. 21 DSGVO)"},
	{"RIGHT_PORTABILITY", "data portability (Art. 20 GDPR)", "Datenübertragbarkeit (Art. 20 DSGVO)"},

	// DenialGround.
	{"DENIAL_GROUND_UNSPECIFIED", "not stated", "nicht angegeben"},
	{"DENIAL_GROUND_IDENTITY_NOT_VERIFIED", "the requester's identity could not be confirmed (Art. 12(6) GDPR)", "die Identität der antragstellenden Person konnte nicht bestätigt werden (Art. 12 Abs. 6 DSGVO)"},
	{"DENIAL_GROUND_MANIFESTLY_UNFOUNDED", "the request is manifestly unfounded (Art. 12(5) GDPR)", "der Antrag ist offenkundig unbegründet (Art. 12 Abs. 5 DSGVO)"},
	{"DENIAL_GROUND_EXCESSIVE", "the request is excessive (Art. 12(5) GDPR)", "der Antrag ist exzessiv (Art. 12 Abs. 5 DSGVO)"},
	{"DENIAL_GROUND_LEGAL_EXEMPTION", "an exemption in law applies", "eine gesetzliche Ausnahme greift"},
	{"DENIAL_GROUND_NO_DATA_HELD", "no data about the data subject is held", "über die betroffene Person sind keine Daten gespeichert"},

	// ObjectionOverrideGround: Art. 21(1) GDPR.
	{"OBJECTION_OVERRIDE_GROUND_UNSPECIFIED", "not stated", "nicht angegeben"},
	{"OBJECTION_OVERRIDE_GROUND_COMPELLING_LEGITIMATE_GROUNDS", "compelling legitimate grounds that override the data subject's interests (Art. 21(1) GDPR)", "zwingende schutzwürdige Gründe, die die Interessen der betroffenen Person überwiegen (Art. 21 Abs. 1 DSGVO)"},
	{"OBJECTION_OVERRIDE_GROUND_LEGAL_CLAIMS", "legal claims (Art. 21(1) GDPR)", "Rechtsansprüche (Art. 21 Abs. 1 DSGVO)"},

	// ExportFormat.
	{"EXPORT_FORMAT_UNSPECIFIED", "not stated", "nicht angegeben"},
	{"EXPORT_FORMAT_HTML", "web page (HTML)", "Webseite (HTML)"},
	{"EXPORT_FORMAT_JSON", "machine-readable (JSON)", "maschinenlesbar (JSON)"},

	// WaiverGround: Art. 19 GDPR.
	{"WAIVER_GROUND_UNSPECIFIED", "not stated", "nicht angegeben"},
	{"WAIVER_GROUND_IMPOSSIBLE", "impossible (Art. 19 GDPR)", "unmöglich (Art. 19 DSGVO)"},
	{"WAIVER_GROUND_DISPROPORTIONATE_EFFORT", "disproportionate effort (Art. 19 GDPR)", "unverhältnismäßiger Aufwand (Art. 19 DSGVO)"},

	// ErasureExemptionGround: Art. 17(3) GDPR.
	{"ERASURE_EXEMPTION_GROUND_UNSPECIFIED", "not stated", "nicht angegeben"},
	{"ERASURE_EXEMPTION_GROUND_FREEDOM_OF_EXPRESSION", "freedom of expression and information (Art. 17(3)(a) GDPR)", "Recht auf freie Meinungsäußerung und Information (Art. 17 Abs. 3 lit. a DSGVO)"},
	{"ERASURE_EXEMPTION_GROUND_LEGAL_OBLIGATION", "a legal obligation or public task (Art. 17(3)(b) GDPR)", "eine rechtliche Verpflichtung oder öffentliche Aufgabe (Art. 17 Abs. 3 lit. b DSGVO)"},
	{"ERASURE_EXEMPTION_GROUND_PUBLIC_HEALTH", "public health (Art. 17(3)(c) GDPR)", "öffentliche Gesundheit (Art. 17 Abs. 3 lit. c DSGVO)"},
	{"ERASURE_EXEMPTION_GROUND_ARCHIVING_RESEARCH", "archiving, research or statistics (Art. 17(3)(d) GDPR)", "Archivzwecke, Forschung oder Statistik (Art. 17 Abs. 3 lit. d DSGVO)"},
	{"ERASURE_EXEMPTION_GROUND_LEGAL_CLAIMS", "legal claims (Art. 17(3)(e) GDPR)", "Rechtsansprüche (Art. 17 Abs. 3 lit. e DSGVO)"},

	// BreachNotificationPhase: Art. 33(4) GDPR.
	{"BREACH_NOTIFICATION_PHASE_UNSPECIFIED", "not stated", "nicht angegeben"},
	{"BREACH_NOTIFICATION_PHASE_INITIAL", "first notification", "Erstmeldung"},
	{"BREACH_NOTIFICATION_PHASE_UPDATE", "further information", "Nachmeldung"},
	{"BREACH_NOTIFICATION_PHASE_FINAL", "final notification", "Abschlussmeldung"},

	// Art34Exception: Art. 34(3) GDPR.
	{"ART34_EXCEPTION_UNSPECIFIED", "not stated", "nicht angegeben"},
	{"ART34_EXCEPTION_UNINTELLIGIBLE", "the data was unintelligible to others, e.g. encrypted (Art. 34(3)(a) GDPR)", "die Daten waren für Unbefugte unverständlich, etwa verschlüsselt (Art. 34 Abs. 3 lit. a DSGVO)"},
	{"ART34_EXCEPTION_RISK_NO_LONGER_LIKELY", "later measures make the high risk no longer likely (Art. 34(3)(b) GDPR)", "nachfolgende Maßnahmen sorgen dafür, dass das hohe Risiko aller Wahrscheinlichkeit nach nicht mehr besteht (Art. 34 Abs. 3 lit. b DSGVO)"},
	{"ART34_EXCEPTION_DISPROPORTIONATE_EFFORT", "disproportionate effort; a public communication instead (Art. 34(3)(c) GDPR)", "unverhältnismäßiger Aufwand; stattdessen öffentliche Bekanntmachung (Art. 34 Abs. 3 lit. c DSGVO)"},

	// FindingStatus.
	{"FINDING_STATUS_UNSPECIFIED", "not stated", "nicht angegeben"},
	{"FINDING_STATUS_OPEN", "open", "offen"},
	{"FINDING_STATUS_ACKNOWLEDGED", "acknowledged", "zur Kenntnis genommen"},
	{"FINDING_STATUS_ASSIGNED", "assigned", "zugewiesen"},
	{"FINDING_STATUS_RISK_ACCEPTED", "risk accepted", "Risiko akzeptiert"},
	{"FINDING_STATUS_NOT_APPLICABLE", "not applicable", "nicht zutreffend"},
	{"FINDING_STATUS_RESOLVED", "resolved", "behoben"},
}
