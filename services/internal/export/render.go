package export

import (
	"bytes"
	"encoding/json"
	"html/template"
	"strings"
	"time"
)

func renderJSON(r *Report) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func renderHTML(r *Report) ([]byte, error) {
	var buf bytes.Buffer
	if err := page.Execute(&buf, r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var page = template.Must(template.New("export").Funcs(template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2 January 2006, 15:04 UTC")
	},
	"whenp": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format("2 January 2006")
	},
	"day":    func(t time.Time) string { return t.UTC().Format("2 January 2006") },
	"list":   func(s []string) string { return strings.Join(s, ", ") },
	"basis":  basisText,
	"bundle": func(b any) (string, error) { j, err := json.MarshalIndent(b, "", "  "); return string(j), err },
	"inc":    func(i int) int { return i + 1 },
	"plain":  plainText,
}).Parse(pageHTML))

// plainText renders an automated decision or an Art. 22(2) exception enum
// name for a person.
func plainText(name string) string {
	if t, ok := decisions[name]; ok {
		return t
	}
	return strings.ToLower(strings.ReplaceAll(name, "_", " "))
}

var decisions = map[string]string{
	"AUTOMATED_DECISION_WITHOUT_SIGNIFICANT_EFFECT": "decisions based solely on automated processing, without legal or similarly significant effect",
	"AUTOMATED_DECISION_SIGNIFICANT_EFFECT":         "decisions based solely on automated processing with legal or similarly significant effect on you (Art. 22)",
	"ART22_EXCEPTION_CONTRACT":                      "necessary for a contract with you (Art. 22(2)(a))",
	"ART22_EXCEPTION_AUTHORISED_BY_LAW":             "authorised by law (Art. 22(2)(b))",
	"ART22_EXCEPTION_EXPLICIT_CONSENT":              "your explicit consent (Art. 22(2)(c))",
}

// basisText renders a legal basis enum name for a person.
func basisText(name string) string {
	if t, ok := bases[name]; ok {
		return t
	}
	return strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(name, "LEGAL_BASIS_"), "_", " "))
}

var bases = map[string]string{
	"LEGAL_BASIS_ART6_1_A_CONSENT":              "your consent (Art. 6(1)(a))",
	"LEGAL_BASIS_ART6_1_B_CONTRACT":             "a contract with you (Art. 6(1)(b))",
	"LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION":     "a legal obligation (Art. 6(1)(c))",
	"LEGAL_BASIS_ART6_1_D_VITAL_INTERESTS":      "vital interests (Art. 6(1)(d))",
	"LEGAL_BASIS_ART6_1_E_PUBLIC_TASK":          "a task in the public interest (Art. 6(1)(e))",
	"LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS": "legitimate interests (Art. 6(1)(f))",
}

const pageHTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Your personal data held by {{.Controller}}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #111; line-height: 1.4; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; font-size: .9rem; }
th, td { border: 1px solid #ccc; padding: .25rem .4rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.erased { color: #666; font-style: italic; }
pre { white-space: pre-wrap; word-break: break-all; background: #f7f7f7; padding: .5rem; font-size: .75rem; }
@media print { details { display: block; } details > summary { display: none; } }
</style>
</head>
<body>
<h1>Your personal data held by {{.Controller}}</h1>
<p>Report for the data subject known to {{.Controller}} as <code>{{.SubjectRef}}</code>, produced {{when .GeneratedAt}}{{if .RequestID}} in answer to request <code>{{.RequestID}}</code>{{end}} (GDPR Art. 15).
It reflects the ledger up to stream sequence {{.ThroughSequence}}.</p>

<h2>The data held about you</h2>
{{if .Data}}<table>
<tr><th>Category</th><th>Value</th><th>Collected</th><th>Purposes</th><th>Legal basis</th><th>Source</th></tr>
{{range .Data}}<tr><td>{{.Category}}{{if not .Current}} (superseded){{end}}</td>
<td>{{if .Erased}}<span class="erased">erased: the key that could read it was destroyed</span>{{else if .Unreadable}}<span class="erased">unreadable: it does not open under the subject's key</span>{{else}}{{.Value}}{{end}}</td>
<td>{{when .CollectedAt}}</td><td>{{list .Purposes}}</td><td>{{basis .LegalBasis}}</td><td>{{.Source}}{{if .System}} ({{.System}}){{end}}</td></tr>
{{end}}</table>{{else}}<p>No personal data values are recorded.</p>{{end}}

<h2>Why and how it is processed</h2>
{{if .Processing}}<table>
<tr><th>Activity</th><th>Purposes</th><th>Categories</th><th>Legal basis</th><th>Sources</th><th>Kept for</th><th>Period</th></tr>
{{range .Processing}}<tr><td>{{if .Name}}{{.Name}}{{else}}{{.Activity}}{{end}}{{if .Profiling}}<br>It evaluated personal aspects of you (profiling, Art. 4(4)).{{end}}{{if .AutomatedDecision}}<br>It took {{plain .AutomatedDecision}}{{if .Art22Exceptions}}, on the ground{{if gt (len .Art22Exceptions) 1}}s{{end}}: {{range $i, $e := .Art22Exceptions}}{{if $i}}; {{end}}{{plain $e}}{{end}}{{end}}.{{end}}</td><td>{{list .Purposes}}</td><td>{{list .Categories}}</td>
<td>{{range $i, $b := .LegalBases}}{{if $i}}; {{end}}{{basis $b}}{{end}}</td><td>{{list .Sources}}</td><td>{{.Retention}}</td><td>{{day .FirstAt}} – {{day .LastAt}}</td></tr>
{{end}}</table>{{else}}<p>No processing is recorded.</p>{{end}}

<h2>Who received your data</h2>
{{if .Recipients}}{{range .Recipients}}<h3>{{.Name}} ({{.ID}})</h3>
<p>{{.Kind}}{{if .Country}}, processing in {{.Country}}{{end}}{{if .TransferMechanism}}, transfer under {{.TransferMechanism}}{{end}}{{if .Art49Derogation}} ({{.Art49Derogation}}){{end}}{{if .DPFCertified}}, certified under the EU-US Data Privacy Framework{{end}}.</p>
<table><tr><th>When</th><th>Categories</th><th>Purpose</th><th>Legal basis</th><th>Instrument</th></tr>
{{range .Received}}<tr><td>{{when .At}}</td><td>{{list .Categories}}</td><td>{{.Purpose}}</td><td>{{basis .LegalBasis}}</td><td>{{.LegalInstrumentRef}}</td></tr>
{{end}}</table>{{end}}{{else}}<p>Your data was not disclosed to anyone.</p>{{end}}

<h2>Your consents</h2>
{{if .Consents}}<table><tr><th>Purpose</th><th>State</th><th>Given</th><th>Withdrawn</th><th>Notice</th></tr>
{{range .Consents}}<tr><td>{{.Purpose}}</td><td>{{if .Given}}given{{else}}not given{{end}}</td><td>{{whenp .GivenAt}}</td><td>{{whenp .WithdrawnAt}}</td><td>{{.NoticeVersion}}</td></tr>
{{end}}</table>{{else}}<p>No consent is recorded.</p>{{end}}

<h2>Your requests</h2>
{{if .Requests}}<table><tr><th>Request</th><th>Right</th><th>Received</th><th>Due</th><th>Status</th><th>Closed</th></tr>
{{range .Requests}}<tr><td>{{.ID}}</td><td>{{.Right}}</td><td>{{day .ReceivedAt}}</td><td>{{day .DueAt}}</td><td>{{.Status}}{{if .Outcome}}: {{.Outcome}}{{end}}</td><td>{{whenp .ClosedAt}}</td></tr>
{{end}}</table>{{else}}<p>No request is recorded.</p>{{end}}
{{if .Restrictions}}<h3>Restrictions (Art. 18)</h3><ul>{{range .Restrictions}}<li>{{if .Purposes}}{{list .Purposes}}{{else}}all processing but storage{{end}}, from {{day .AppliedAt}}{{if .LiftedAt}} until {{whenp .LiftedAt}}{{end}}</li>{{end}}</ul>{{end}}
{{if .Objections}}<h3>Objections (Art. 21)</h3><ul>{{range .Objections}}<li>{{list .Purposes}}, {{day .At}}</li>{{end}}</ul>{{end}}
{{if .Notes}}<h3>What was written down</h3><table><tr><th>When</th><th>Field</th><th>Text</th></tr>
{{range .Notes}}<tr><td>{{when .At}}</td><td>{{.Field}}</td><td>{{if .Erased}}(erased){{else}}{{.Text}}{{end}}</td></tr>
{{end}}</table>{{end}}
{{if or .Erasure.Systems .Erasure.Shredded}}<h3>Erasure (Art. 17)</h3><ul>
{{range $s, $t := .Erasure.Systems}}<li>{{$s}} erased your data on {{when $t}}</li>{{end}}
{{range $g, $t := .Erasure.Shredded}}<li>the key of key group {{$g}} was destroyed on {{when $t}}: what it sealed can no longer be read by anyone</li>{{end}}</ul>{{end}}

{{if .PassedOn}}<h3>Whom we told (Art. 19)</h3>
<table><tr><th>Recipient</th><th>Of your</th><th>Request</th><th>Status</th><th>Due</th><th>Done</th></tr>
{{range .PassedOn}}<tr><td>{{.RecipientID}}</td><td>{{.Right}}</td><td>{{.RequestID}}</td><td>{{.Status}}</td><td>{{whenp .DueAt}}</td><td>{{whenp .ClosedAt}}</td></tr>
{{end}}</table>{{end}}

<h2>Your rights</h2>
<ul>{{range .Rights}}<li>{{.}}</li>{{end}}</ul>

<h2>Verification</h2>
{{if .Verification.Checkpoint}}<p>The {{len .Verification.Bundles}} events this report rests on are in {{.Controller}}'s tamper-evident ledger, whose checkpoint of {{.Verification.TreeSize}} events is signed below.
Anyone holding the ledger's public key can check each one without trusting {{.Controller}}: save a block below as a file and run
<code>docket verify event FILE --key PUBLIC_KEY</code>.{{if .Verification.Pending}} {{.Verification.Pending}} events were recorded after this checkpoint and are not covered yet.{{end}}</p>
<pre>{{.Verification.Checkpoint}}</pre>
<details><summary>Proofs ({{len .Verification.Bundles}})</summary>
{{range $i, $b := .Verification.Bundles}}<p>Event {{inc $i}}: stream sequence {{$b.Sequence}}</p><pre>{{bundle $b}}</pre>
{{end}}</details>{{else}}<p>The ledger has not signed a checkpoint yet; ask again later for proofs.</p>{{end}}
</body>
</html>
`
