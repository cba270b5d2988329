package taxonomy

// dataUses are fideslang's default data uses (purposes).
var dataUses = set(
	"analytics",
	"analytics.reporting",
	"analytics.reporting.ad_performance",
	"analytics.reporting.campaign_insights",
	"analytics.reporting.content_performance",
	"analytics.reporting.system",
	"analytics.reporting.system.performance",

	"collect",

	"employment",
	"employment.recruitment",

	"essential",
	"essential.fraud_detection",
	"essential.legal_obligation",
	"essential.service",
	"essential.service.authentication",
	"essential.service.notifications",
	"essential.service.notifications.email",
	"essential.service.notifications.sms",
	"essential.service.operations",
	"essential.service.operations.improve",
	"essential.service.operations.support",
	"essential.service.payment_processing",
	"essential.service.security",
	"essential.service.upgrades",

	"finance",

	"functional",
	"functional.service",
	"functional.service.improve",
	"functional.storage",
	"functional.storage.privacy_preferences",

	"marketing",
	"marketing.advertising",
	"marketing.advertising.first_party",
	"marketing.advertising.first_party.contextual",
	"marketing.advertising.first_party.targeted",
	"marketing.advertising.frequency_capping",
	"marketing.advertising.negative_targeting",
	"marketing.advertising.profiling",
	"marketing.advertising.serving",
	"marketing.advertising.third_party",
	"marketing.advertising.third_party.targeted",
	"marketing.communications",
	"marketing.communications.email",
	"marketing.communications.sms",

	"operations",
	// Docket extension: fideslang's support use is
	// essential.service.operations.support; demo data uses this short form.
	"operations.support",

	"personalize",
	"personalize.content",
	"personalize.content.limited",
	"personalize.content.profiled",
	"personalize.content.profiling",
	"personalize.profiling",
	"personalize.system",

	"sales",

	"third_party_sharing",
	"third_party_sharing.legal_obligation",

	"train_ai_system",
)
