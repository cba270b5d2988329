package taxonomy

// DefaultDigitalConsentAge is the age of digital consent of Art. 8(1) GDPR
// where a member state's law sets no lower one: 16.
const DefaultDigitalConsentAge = 16

// DigitalConsent is one EEA state's age of digital consent (Art. 8(1):
// 16, or lower by member state law, not below 13) with the provision that
// sets it.
type DigitalConsent struct {
	Country string // ISO 3166-1 alpha-2
	Age     int
	// Source is the national provision; "Art. 8(1) GDPR" where the state
	// made no use of the derogation.
	Source string
}

// digitalConsent lists the EEA states' ages with the provisions that set
// them, as compiled from the national laws in force in 2025: the section
// numbers are to check against each state's official journal, and a
// state's law can change. A controller whose age differs sets
// ControllerProfile.digital_consent_age, which wins over this table.
var digitalConsent = []DigitalConsent{
	{"AT", 14, "Datenschutzgesetz (DSG) § 4(4)"},
	{"BE", 13, "Law of 30 July 2018 on the protection of natural persons, Art. 7"},
	{"BG", 14, "Personal Data Protection Act, Art. 25c"},
	{"CY", 14, "Law 125(I)/2018, Art. 8"},
	{"CZ", 15, "Act No. 110/2019 Coll., § 7"},
	{"DE", 16, "Art. 8(1) GDPR (the BDSG sets no other age)"},
	{"DK", 13, "Databeskyttelsesloven (Act No. 502 of 23 May 2018), § 6(2)"},
	{"EE", 13, "Isikuandmete kaitse seadus (2018), § 8"},
	{"ES", 14, "Ley Orgánica 3/2018 (LOPDGDD), Art. 7"},
	{"FI", 13, "Tietosuojalaki 1050/2018, § 5"},
	{"FR", 15, "Loi n° 78-17 du 6 janvier 1978, Art. 45"},
	{"GR", 15, "Law 4624/2019, Art. 21"},
	{"HR", 16, "Act on the Implementation of the GDPR (NN 42/2018), Art. 19"},
	{"HU", 16, "Art. 8(1) GDPR (the Infotv. sets no other age)"},
	{"IE", 16, "Data Protection Act 2018, s. 31"},
	{"IT", 14, "Codice in materia di protezione dei dati personali, Art. 2-quinquies"},
	{"LT", 14, "Law on the Legal Protection of Personal Data, Art. 6"},
	{"LU", 16, "Art. 8(1) GDPR (the Law of 1 August 2018 sets no other age)"},
	{"LV", 13, "Personal Data Processing Law, s. 33"},
	{"MT", 13, "Data Protection Act (Cap. 586), S.L. 586.11, reg. 3"},
	{"NL", 16, "Uitvoeringswet AVG, Art. 5"},
	{"PL", 16, "Art. 8(1) GDPR (the Act of 10 May 2018 sets no other age)"},
	{"PT", 13, "Lei n.º 58/2019, Art. 16"},
	{"RO", 16, "Art. 8(1) GDPR (Law 190/2018 sets no other age)"},
	{"SE", 13, "Lag (2018:218), 2 kap. 4 §"},
	{"SI", 15, "Zakon o varstvu osebnih podatkov (ZVOP-2, 2022), Art. 8"},
	{"SK", 16, "Act No. 18/2018 Coll., § 15(1)"},
	{"IS", 13, "Act No. 90/2018, Art. 10"},
	{"LI", 16, "Art. 8(1) GDPR (the Datenschutzgesetz 2018 sets no other age)"},
	{"NO", 13, "Personopplysningsloven (2018), § 5"},
}

// regionOf maps the EEA codes that are part of a member state (outermost
// regions, Åland) to that state: its law sets their age.
var regionOf = map[string]string{"GF": "FR", "GP": "FR", "MQ": "FR", "RE": "FR", "YT": "FR", "MF": "FR", "AX": "FI"}

// DigitalConsentAge returns the age of digital consent (Art. 8(1)) of an
// EEA country code, and false when the code is not one (InEEA).
func DigitalConsentAge(country string) (DigitalConsent, bool) {
	if s, ok := regionOf[country]; ok {
		country = s
	}
	for _, d := range digitalConsent {
		if d.Country == country {
			return d, true
		}
	}
	return DigitalConsent{}, false
}
