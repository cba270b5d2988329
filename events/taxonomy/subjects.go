package taxonomy

// dataSubjects are fideslang's default data subject categories.
var dataSubjects = set(
	"anonymous_user",
	"citizen_voter",
	"commuter",
	"consultant",
	"customer",
	"employee",
	"job_applicant",
	"next_of_kin",
	"passenger",
	"patient",
	"prospect",
	"shareholder",
	"supplier_vendor",
	"trainee",
	"visitor",
)
