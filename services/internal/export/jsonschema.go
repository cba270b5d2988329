package export

import _ "embed"

// PortabilitySchema is the published JSON Schema (draft 2020-12) of the
// JSON export (Schema, "docket.export.v1"): its members, the Art. 20
// scope of "provided", and the rules a consumer may rely on — an erased
// or unreadable value is never current and carries no value, nor does a
// credential (NeverExported). docketd serves it at SchemaPath.
//
//go:embed schema/portability.schema.json
var PortabilitySchema []byte

// SchemaPath is where docketd serves PortabilitySchema, without
// authentication: it holds no data.
const SchemaPath = "/schemas/docket.export.v1.json"
