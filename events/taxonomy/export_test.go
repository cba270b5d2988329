package taxonomy

// Exposed to the black-box tests, which check the lists' shape.
var (
	DataCategoriesForTest = dataCategories
	DataUsesForTest       = dataUses
	DataSubjectsForTest   = dataSubjects
)
