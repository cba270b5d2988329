package ropa

import (
	"html/template"
	"time"
)

type htmlData struct {
	D *Document
	L words
}

func (h htmlData) Key(k string) string          { return h.L.key(k) }
func (h htmlData) Enum(e string) string         { return h.L.enum(e) }
func (h htmlData) Transfer(r Recipient) string  { return transferWords(h.L, r) }
func (h htmlData) Recipient(r Recipient) string { return recipientWords(h.L, r) }
func (h htmlData) Retention(r Retention) string { return retentionWords(h.L, r) }
func (h htmlData) Date(t time.Time) string      { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// Style is the document's stylesheet: the tables wrap instead of running
// off the page, and print on A4 with a header per activity kept together.
const Style = `body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;line-height:1.4}
table{border-collapse:collapse;width:100%;table-layout:fixed;margin:.5rem 0 1rem}
th,td{border:1px solid #999;padding:.25rem .4rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{width:16rem;background:#eee}
ul{margin:0;padding-left:1.1rem}
code{font-size:.85em;color:#555}
.activity{break-inside:avoid;page-break-inside:avoid}
@media print{@page{size:A4;margin:15mm}body{max-width:none;margin:0;font-size:10pt}th{background:none}a{color:inherit;text-decoration:none}a[href]::after{content:" <" attr(href) ">";font-size:.8em}}`

var page = template.Must(template.New("ropa").Parse(`<!DOCTYPE html>
<html lang="{{.L.Lang}}"><head><meta charset="utf-8"><title>{{.L.T "title"}}{{with .D.Controller}} — {{.Name}}{{end}}</title>
<style>` + Style + `</style></head><body>
<h1>{{.L.T "title"}}</h1>
<p>{{.L.T "as_of"}}: {{.Date .D.AsOf}} — {{if eq .D.Axis "recorded"}}{{.L.T "axis_recorded"}}{{else}}{{.L.T "axis_occurred"}}{{end}}. <code>{{.D.Tenant}}</code></p>
<h2>{{.L.T "controller"}}</h2>
{{with .D.Controller}}<table>
<tr><th>{{$.L.T "name"}}</th><td>{{.Name}}</td></tr>
{{if .Address}}<tr><th>{{$.L.T "address"}}</th><td>{{.Address}}</td></tr>{{end}}
<tr><th>{{$.L.T "contact"}}</th><td>{{if .ContactURL}}<a href="{{.ContactURL}}">{{.ContactURL}}</a>{{end}}{{with .ContactEmail}}<br>{{.}}{{end}}{{with .ContactPhone}}<br>{{.}}{{end}}</td></tr>
<tr><th>{{$.L.T "dpo"}}</th><td>{{if .DPOContactURL}}<a href="{{.DPOContactURL}}">{{.DPOContactURL}}</a>{{end}}{{with .DPOEmail}}<br>{{.}}{{end}}</td></tr>
<tr><th>{{$.L.T "joint_controllers"}}</th><td>{{range .JointControllers}}<p>{{.Name}}{{with .Country}} ({{.}}){{end}}{{with .Address}}<br>{{.}}{{end}}{{with .ContactURL}}<br><a href="{{.}}">{{.}}</a>{{end}}{{with .ArrangementURL}}<br>{{$.L.T "arrangement"}}: <a href="{{.}}">{{.}}</a>{{end}}</p>{{else}}{{$.L.T "none"}}{{end}}</td></tr>
<tr><th>{{$.L.T "representative"}}</th><td>{{with .Representative}}{{.Name}}{{with .Country}} ({{.}}){{end}}{{with .Address}}<br>{{.}}{{end}}{{with .ContactURL}}<br><a href="{{.}}">{{.}}</a>{{end}}{{else}}{{if .EstablishedInUnion}}{{$.L.T "no_representative"}}{{else}}{{$.L.T "representative_none"}}{{end}}{{end}}</td></tr>
<tr><th>{{$.L.T "authority"}}</th><td>{{.SupervisoryAuthority}}{{with .SupervisoryAuthorityURL}}<br><a href="{{.}}">{{.}}</a>{{end}}</td></tr>
<tr><th>{{$.L.T "member_state"}}</th><td>{{.MemberState}}</td></tr>
<tr><th>{{$.L.T "time_zone"}}</th><td>{{.TimeZone}}</td></tr>
</table>{{else}}<p>{{.L.T "no_profile"}}</p>{{end}}
<h2>{{.L.T "activities"}}</h2>
{{range .D.Activities}}<section class="activity"><h3>{{.Name}} <code>{{.ID}}</code></h3><table>
<tr><th>{{$.L.T "purposes"}}</th><td><ul>{{range .Purposes}}<li>{{$.Key .}} <code>{{.}}</code></li>{{end}}</ul></td></tr>
<tr><th>{{$.L.T "legal_basis"}}</th><td>{{$.Enum .LegalBasis}}</td></tr>
{{if .SpecialCategoryCondition}}<tr><th>{{$.L.T "special_condition"}}</th><td>{{$.Enum .SpecialCategoryCondition}}</td></tr>{{end}}
{{if .CriminalDataBasis}}<tr><th>{{$.L.T "criminal_basis"}}</th><td>{{$.Enum .CriminalDataBasis}}</td></tr>{{end}}
{{if or .LegitimateInterest .LegitimateInterestRef}}<tr><th>{{$.L.T "legitimate_interest"}}</th><td>{{.LegitimateInterest}}{{with .LegitimateInterestRef}} ({{$.L.T "lia"}}: {{.}}){{end}}</td></tr>{{end}}
<tr><th>{{$.L.T "data_subjects"}}</th><td><ul>{{range .DataSubjects}}<li>{{$.Key .}} <code>{{.}}</code></li>{{end}}</ul></td></tr>
<tr><th>{{$.L.T "data_categories"}}</th><td><ul>{{range .DataCategories}}<li>{{$.Key .}} <code>{{.}}</code></li>{{end}}</ul></td></tr>
<tr><th>{{$.L.T "recipients"}}</th><td><ul>{{range .Recipients}}<li>{{$.Recipient .}}</li>{{else}}<li>{{$.L.T "none"}}</li>{{end}}</ul></td></tr>
<tr><th>{{$.L.T "transfers"}}</th><td><ul>{{range .Transfers}}<li>{{$.Transfer .}}{{with .SafeguardsURL}} — <a href="{{.}}">{{$.L.T "safeguards"}}</a>{{end}}</li>{{else}}<li>{{$.L.T "no_transfers"}}</li>{{end}}</ul></td></tr>
<tr><th>{{$.L.T "retention"}}</th><td>{{$.Retention .Retention}}</td></tr>
<tr><th>{{$.L.T "automated"}}</th><td>{{if or .Profiling .AutomatedDecision}}{{$p := .Profiling}}{{if $p}}{{$.L.T "profiling"}}{{end}}{{with .AutomatedDecision}}{{if $p}}; {{end}}{{$.Enum .}}{{end}}{{with .AutomatedLogic}}<br>{{.}}{{end}}{{else}}{{$.L.T "no_automated"}}{{end}}</td></tr>
</table></section>
{{else}}<p>{{.L.T "no_activities"}}</p>{{end}}
<h2>{{.L.T "security"}}</h2>
{{with .D.SecurityMeasures}}<ul>{{range .}}<li>{{.}}</li>{{end}}</ul>{{else}}<p>{{.L.T "no_security"}}</p>{{end}}
<h2>{{.L.T "processor"}}</h2>
{{range .D.Processor}}<section class="activity"><h3>{{.Name}} <code>{{.ID}}</code></h3><table>
<tr><th>{{$.L.T "processed_for"}}</th><td>{{.For.Name}}{{with .For.Country}} ({{.}}){{end}}{{with .For.Address}}<br>{{.}}{{end}}{{with .For.ContactURL}}<br><a href="{{.}}">{{.}}</a>{{end}}</td></tr>
<tr><th>{{$.L.T "categories_of_processing"}}</th><td><ul>{{range .Purposes}}<li>{{$.Key .}} <code>{{.}}</code></li>{{end}}</ul></td></tr>
<tr><th>{{$.L.T "data_subjects_2"}}</th><td><ul>{{range .DataSubjects}}<li>{{$.Key .}} <code>{{.}}</code></li>{{end}}</ul></td></tr>
<tr><th>{{$.L.T "data_categories"}}</th><td><ul>{{range .DataCategories}}<li>{{$.Key .}} <code>{{.}}</code></li>{{end}}</ul></td></tr>
<tr><th>{{$.L.T "transfers_2"}}</th><td><ul>{{range .Transfers}}<li>{{$.Transfer .}}</li>{{else}}<li>{{$.L.T "no_transfers"}}</li>{{end}}</ul></td></tr>
</table><p>{{$.L.T "security_2"}}</p></section>
{{else}}<p>{{.L.T "no_processor"}}</p>{{end}}
{{with .D.Drift}}<h2>{{$.L.T "drift"}}</h2><ul>{{range .}}<li><code>{{.Key}}</code> ({{$.Enum .Kind}}), {{$.L.T "first_seen"}} {{$.Date .FirstSeen}}</li>{{end}}</ul>{{end}}
<footer><p>{{.L.T "generated"}}</p></footer>
</body></html>
`))
