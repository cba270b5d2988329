package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Everything in this file is invented: the names are common given names and
// surnames combined at random, the towns and streets do not exist, phone
// numbers are in ranges reserved for drama and documentation, email
// addresses use the reserved example domains, IP addresses the documentation
// ranges, and bank accounts carry the impossible check digits "00".

var firstNames = []string{
	"Aoife", "Ciaran", "Niamh", "Declan", "Saoirse", "Ronan", "Orla", "Padraig", "Maeve", "Eoin",
	"Grainne", "Fionn", "Siobhan", "Cathal", "Roisin", "Tadhg", "Clodagh", "Darragh", "Aisling", "Colm",
	"Hannah", "Lukas", "Sofie", "Jonas", "Marta", "Pieter", "Ines", "Mateo", "Elena", "Tomas",
	"Amelia", "Oliver", "Isla", "Harvey", "Freya", "Rhys", "Evie", "Callum", "Nia", "Owen",
	"Leonie", "Bastian", "Camille", "Yannick", "Agnieszka", "Piotr", "Lucia", "Marco", "Annika", "Henrik",
}

var lastNames = []string{
	"Brennan", "Callaghan", "Doherty", "Fennelly", "Gallagher", "Hegarty", "Kinsella", "Lyons", "MacNamara", "Nolan",
	"O'Driscoll", "Quigley", "Redmond", "Sheridan", "Tierney", "Whelan", "Ashdown", "Blackwood", "Carrow", "Dunmore",
	"Ellery", "Fairbairn", "Greaves", "Hollis", "Ingram", "Jessop", "Kettering", "Lindqvist", "Moreau", "Nowak",
	"Oyelaran", "Petrakis", "Rautio", "Silvani", "Thorsen", "Uhlig", "Vasquez", "Wendell", "Yilmaz", "Zeller",
}

// towns are invented places with an invented postal code prefix and a
// country code.
var towns = []struct{ name, postal, country string }{
	{"Kilmarragh", "K41", "IE"}, {"Ballynure Cross", "B73", "IE"}, {"Dunvarra", "D19", "IE"},
	{"Ashmoor", "AM4", "GB"}, {"Kellsbridge", "KB2", "GB"}, {"Westerholt Green", "WH7", "GB"},
	{"Lindenfurt", "584", "DE"}, {"Oberhalden", "773", "DE"}, {"Vreeswijkerveen", "3891", "NL"},
	{"Saint-Aubrac", "482", "FR"}, {"Valmorena", "361", "ES"}, {"Pietrasanta Alta", "551", "IT"},
}

var streetNames = []string{
	"Harbour View", "Millrace Lane", "Quarry Road", "Rowan Terrace", "Lanternwick Street", "Old Forge Way",
	"Sallyport Close", "Heron Quay", "Tanner's Row", "Beacon Hill Road", "Cooper's Yard", "Larkspur Avenue",
	"Chapel Meadow", "Granary Court", "Windlass Street", "Brackenfield Drive",
}

var companyStems = []string{
	"Ferncastle", "Bluegate", "Oakhollow", "Pennant", "Silverlough", "Tidewater", "Cobblestone", "Marrowby",
	"Kestrel", "Northbrook", "Driftwood", "Amberline", "Stonecrop", "Wrenfield", "Hazelmere", "Glenarden",
}

var companyTrades = []string{
	"Joinery", "Dental Practice", "Architects", "Accountancy", "Veterinary Clinic", "Print Studio",
	"Bakery", "Solicitors", "Engineering", "Travel", "Surveyors", "Physiotherapy", "Garden Centre", "Media",
}

var companyForms = []string{"Ltd", "Ltd", "GmbH", "B.V.", "& Co.", "Partners", "Ltd"}

var emailDomains = []string{"example.com", "example.org", "example.net"}

var plans = []struct {
	name    string
	monthly bool
	cents   int
}{
	{"Harbourline Home 500 GB, monthly", true, 499},
	{"Harbourline Pro 2 TB, monthly", true, 1490},
	{"Harbourline Office 10 TB, monthly", true, 4900},
	{"Harbourline Home 500 GB, yearly", false, 4990},
	{"Harbourline Pro 2 TB, yearly", false, 14900},
}

var ticketTexts = []string{
	"The restore of my photo library stops at about 40 percent with a timeout.",
	"Scheduled backups did not run while the laptop was on battery.",
	"How do I move my backup set to a new external disk?",
	"The client asks for my encryption password after every update.",
	"Please explain the difference between the Home and Pro plans.",
	"Backup of the shared office folder is much slower since last week.",
	"I was charged twice this month, please check my subscription.",
	"Can I exclude the downloads folder from the nightly backup?",
	"The NAS target shows as offline although it is reachable.",
	"I need an invoice with our VAT number on it.",
}

var pagePaths = []string{
	"/", "/pricing", "/download", "/features/encryption", "/features/nas", "/docs/restore",
	"/docs/getting-started", "/blog/three-copies-rule", "/blog/ransomware-checklist", "/contact", "/partners",
}

var absences = []string{
	"sick leave 2 days, respiratory infection",
	"sick leave 5 days, back injury",
	"sick leave 1 day, migraine",
	"sick leave 3 days, gastroenteritis",
	"sick leave 10 days, recovery after minor surgery",
}

// vettingResults are the answers of the (fictional) vetting bureau to a
// criminal record check: data relating to criminal convictions (Art. 10)
// whatever they say.
var vettingResults = []string{
	"no convictions recorded",
	"no convictions recorded",
	"no convictions recorded",
	"one spent conviction, road traffic offence, 2014",
}

// person is one invented data subject's personal data.
type person struct {
	first, last, email, phone     string
	street, city, postal, country string
	company                       string
	username, accountID           string
	iban, cardLast4, cardBrand    string
	birthDate                     string
}

func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

// newPerson invents a person; n (the subject's index) keeps emails unique.
func newPerson(r *rand.Rand, n int) person {
	p := person{first: pick(r, firstNames), last: pick(r, lastNames)}
	local := strings.ToLower(strings.NewReplacer("'", "", " ", "").Replace(p.first + "." + p.last))
	p.email = fmt.Sprintf("%s.%d@%s", local, n, pick(r, emailDomains))
	if r.IntN(2) == 0 {
		p.phone = fmt.Sprintf("+44 7700 900%03d", r.IntN(1000)) // Ofcom drama range
	} else {
		p.phone = fmt.Sprintf("+44 20 7946 0%03d", r.IntN(1000)) // Ofcom drama range
	}
	t := pick(r, towns)
	p.city, p.country = t.name, t.country
	p.postal = fmt.Sprintf("%s %c%d%c", t.postal, 'A'+rune(r.IntN(26)), r.IntN(10), 'A'+rune(r.IntN(26)))
	p.street = fmt.Sprintf("%d %s", 1+r.IntN(180), pick(r, streetNames))
	p.company = fmt.Sprintf("%s %s %s", pick(r, companyStems), pick(r, companyTrades), pick(r, companyForms))
	p.username = fmt.Sprintf("%c%s%d", strings.ToLower(p.first)[0], strings.ToLower(strings.ReplaceAll(p.last, "'", "")), r.IntN(100))
	p.accountID = fmt.Sprintf("HBL-%07d", 1000000+n*7+r.IntN(7))
	p.iban = fmt.Sprintf("IE00 HRBL 9912 %04d %04d %02d", r.IntN(10000), r.IntN(10000), r.IntN(100))
	p.cardLast4 = fmt.Sprintf("%04d", r.IntN(10000))
	p.cardBrand = pick(r, []string{"Visa", "Mastercard", "Amex"})
	p.birthDate = fmt.Sprintf("%d-%02d-%02d", 1960+r.IntN(42), 1+r.IntN(12), 1+r.IntN(28))
	return p
}

// ipAddress returns an address from the documentation ranges (RFC 5737, RFC 3849).
func ipAddress(r *rand.Rand) string {
	switch r.IntN(4) {
	case 0:
		return fmt.Sprintf("192.0.2.%d", 1+r.IntN(254))
	case 1:
		return fmt.Sprintf("198.51.100.%d", 1+r.IntN(254))
	case 2:
		return fmt.Sprintf("203.0.113.%d", 1+r.IntN(254))
	}
	return fmt.Sprintf("2001:db8:%x:%x::%x", r.IntN(0x10000), r.IntN(0x10000), 1+r.IntN(0xfffe))
}

func cookieID(r *rand.Rand) string {
	return fmt.Sprintf("mf1.%08x.%08x", r.Uint32(), r.Uint32())
}

func credentialHash(r *rand.Rand) string {
	return fmt.Sprintf("argon2id$v=19$m=65536,t=3,p=2$%016x$%016x%016x", r.Uint64(), r.Uint64(), r.Uint64())
}

func browsingTrail(r *rand.Rand) string {
	n := 2 + r.IntN(4)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = pick(r, pagePaths)
	}
	return strings.Join(parts, " > ")
}

func money(cents int) string { return fmt.Sprintf("EUR %d.%02d", cents/100, cents%100) }
