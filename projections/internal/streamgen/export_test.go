package streamgen

// Vocabulary returns every taxonomy key the generator can draw: data
// categories, data uses and data subjects, for the black-box test to check
// against the taxonomy.
func Vocabulary() (categories, uses, subjects []string) {
	categories = append(categories, breachCategories...)
	categories = append(categories, restrictionCategories...)
	categories = append(categories, undeclaredSpecialCategory, fallbackCategory, criminalCategory)
	uses = append(uses, extraPurposes...)
	uses = append(uses, objectablePurposes...)
	uses = append(uses, fallbackPurpose, authorityPurpose)
	for _, t := range templates {
		categories = append(categories, t.categories...)
		uses = append(uses, t.purposes...)
		subjects = append(subjects, t.subjects...)
	}
	return categories, uses, subjects
}
