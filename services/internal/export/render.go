package export

import (
	"bytes"
	"encoding/json"
	"html/template"
	"time"

	"github.com/docketledger/docket/events/taxonomy/labels"
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

// page is the HTML form. Its functions are bound per rendering to the
// report's language (view.funcs); those given here only let it parse.
var page = template.Must(template.New("export").Funcs(newView(&Report{}, time.Time{}, nil, nil, labels.For("en")).funcs()).Parse(pageHTML))

const pageHTML = `{{define "keys"}}{{range $i, $k := .}}{{if $i}}, {{end}}<span title="{{$k}}">{{key $k}}</span>{{end}}{{end}}
{{- define "enums"}}{{range $i, $e := .}}{{if $i}}; {{end}}<span title="{{$e}}">{{enum $e}}</span>{{end}}{{end}}
{{- define "party"}}{{.Name}}{{if .Address}}, {{.Address}}{{end}}{{if .Country}} ({{.Country}}){{end}}{{if .ContactUrl}}, <a href="{{.ContactUrl}}">{{.ContactUrl}}</a>{{end}}{{end}}
{{- define "sources"}}{{range $i, $s := .}}{{if $i}}; {{end}}{{source $s}}{{end}}{{end -}}
<!doctype html>
<html lang="{{lang}}">
<head>
<meta charset="utf-8">
<title>{{tf "title" .Who}}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #111; line-height: 1.4; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; font-size: .9rem; }
th, td { border: 1px solid #ccc; padding: .25rem .4rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } dt { font-weight: bold; } dd { margin: 0 0 .5rem 1rem; }
.erased { color: #666; font-style: italic; }
pre { white-space: pre-wrap; word-break: break-all; background: #f7f7f7; padding: .5rem; font-size: .75rem; }
</style>
</head>
<body>
<h1>{{tf "title" .Who}}</h1>
<p>{{tf "intro" .Who}} <code>{{.SubjectRef}}</code>.{{if .RequestID}} {{t "answers"}} <code>{{.RequestID}}</code>.{{end}}</p>
<p><strong>{{t "as_of"}} {{when .AsOf}}</strong>. {{tf "through" .ThroughSequence}}</p>

<h2>{{t "h_controller"}}</h2>
{{with .Profile}}<dl>
<dt>{{t "controller"}}</dt><dd>{{.Name}}{{if .Address}}<br>{{.Address}}{{end}}</dd>
<dt>{{t "contact"}}</dt><dd>{{if .ContactUrl}}<a href="{{.ContactUrl}}">{{.ContactUrl}}</a>{{end}}{{if .ContactEmail}}<br>{{.ContactEmail}}{{end}}{{if .ContactPhone}}<br>{{.ContactPhone}}{{end}}</dd>
<dt>{{t "dpo"}}</dt><dd>{{if or .DpoContactUrl .DpoEmail}}{{if .DpoContactUrl}}<a href="{{.DpoContactUrl}}">{{.DpoContactUrl}}</a>{{end}}{{if .DpoEmail}}<br>{{.DpoEmail}}{{end}}{{else}}{{t "no_dpo"}}{{end}}</dd>
{{with .Representative}}<dt>{{t "representative"}}</dt><dd>{{template "party" .}}</dd>
{{end}}{{if .JointControllers}}<dt>{{t "joint"}}</dt>{{range .JointControllers}}<dd>{{template "party" .}}{{if .ArrangementUrl}}; {{t "arrangement"}}: <a href="{{.ArrangementUrl}}">{{.ArrangementUrl}}</a>{{end}}</dd>{{end}}
{{end}}<dt>{{t "authority"}}</dt><dd>{{.SupervisoryAuthority}}{{if .SupervisoryAuthorityUrl}}, <a href="{{.SupervisoryAuthorityUrl}}">{{.SupervisoryAuthorityUrl}}</a>{{end}}</dd>
</dl>{{else}}<p>{{tf "no_profile" .Controller}}</p>{{end}}
<p>{{t "complain"}}</p>

<h2>{{t "h_data"}}</h2>
{{if .Data}}<table>
<tr><th>{{t "category"}}</th><th>{{t "value"}}</th><th>{{t "collected"}}</th><th>{{t "purposes"}}</th><th>{{t "basis"}}</th><th>{{t "source"}}</th></tr>
{{range .Data}}<tr><td><span title="{{.Category}}">{{key .Category}}</span>{{if not (or .Current .Erased .Unreadable .Withheld)}} {{t "superseded"}}{{end}}</td>
<td>{{if .Withheld}}<span class="erased">{{t "secret"}}</span>{{else if .Erased}}<span class="erased">{{t "erased"}}</span>{{else if .Unreadable}}<span class="erased">{{t "unreadable"}}</span>{{else}}{{.Value}}{{end}}</td>
<td>{{when .CollectedAt}}</td><td>{{template "keys" .Purposes}}</td><td>{{if .LegalBasis}}{{enum .LegalBasis}}{{end}}</td><td>{{source .Source}}</td></tr>
{{end}}</table>{{else}}<p>{{t "no_data"}}</p>{{end}}

<h2>{{t "h_processing"}}</h2>
{{range .Processing}}{{$a := activity .Activity}}<h3>{{if .Name}}{{.Name}}{{else}}{{.Activity}}{{end}}</h3>
<dl>
<dt>{{t "purposes"}}</dt><dd>{{template "keys" .Purposes}}</dd>
<dt>{{t "categories"}}</dt><dd>{{template "keys" .Categories}}</dd>
<dt>{{t "basis"}}</dt><dd>{{template "enums" .LegalBases}}</dd>
{{if interests .LegalBases}}<dt>{{t "legit"}}</dt><dd>{{with $a.GetLegitimateInterest}}{{.}}{{else}}{{t "legit_missing"}}{{end}}</dd>
{{end}}{{if .Sources}}<dt>{{t "source"}}</dt><dd>{{template "sources" .Sources}}</dd>
{{end}}<dt>{{t "kept"}}</dt><dd>{{retention .Activity}}</dd>
<dt>{{t "period"}}</dt><dd>{{day .FirstAt}} – {{day .LastAt}}</dd>
</dl>
{{else}}<p>{{t "no_processing"}}</p>{{end}}

<h2>{{t "h_automated"}}</h2>
{{range .Automated}}{{$a := activity .Activity}}<h3>{{if .Name}}{{.Name}}{{else}}{{.Activity}}{{end}}</h3>
<ul>{{if or .Profiling $a.GetProfiling}}<li>{{t "profiling"}}</li>{{end}}
{{if .AutomatedDecision}}<li>{{t "decision"}} <span title="{{.AutomatedDecision}}">{{enum .AutomatedDecision}}</span>.{{if .Art22Exceptions}} {{t "exceptions"}} {{template "enums" .Art22Exceptions}}.{{end}}</li>{{end}}
<li>{{t "logic"}} {{with $a.GetAutomatedLogic}}{{.}}{{else}}{{t "logic_missing"}}{{end}}</li></ul>
{{else}}<p>{{t "no_automated"}}</p>{{end}}{{if .Automated}}<p>{{t "review"}}</p>{{end}}

<h2>{{t "h_recipients"}}</h2>
{{range .Recipients}}<h3>{{.Name}} <small>({{.ID}})</small></h3>
<p><span title="{{.Kind}}">{{enum .Kind}}</span>{{if .Country}}, {{tf "in_country" .Country}}{{end}}{{if .DPFCertified}}, {{t "dpf"}}{{end}}.</p>
{{if outside .TransferMechanism}}<p>{{t "transfer"}}: <span title="{{.TransferMechanism}}">{{enum .TransferMechanism}}</span>{{if .Art49Derogation}}: <span title="{{.Art49Derogation}}">{{enum .Art49Derogation}}</span>{{end}}.
{{if .SafeguardsURL}}{{t "copy"}} <a href="{{.SafeguardsURL}}">{{.SafeguardsURL}}</a>{{else}}{{t "copy_ask"}}{{end}}</p>
{{end}}<table><tr><th>{{t "when"}}</th><th>{{t "categories"}}</th><th>{{t "purpose"}}</th><th>{{t "basis"}}</th><th>{{t "instrument"}}</th></tr>
{{range .Received}}<tr><td>{{when .At}}</td><td>{{template "keys" .Categories}}</td><td><span title="{{.Purpose}}">{{key .Purpose}}</span></td><td>{{enum .LegalBasis}}</td><td>{{.LegalInstrumentRef}}</td></tr>
{{end}}</table>
{{else}}<p>{{t "no_recipients"}}</p>{{end}}

<h2>{{t "h_consents"}}</h2>
{{if .Consents}}<table><tr><th>{{t "purpose"}}</th><th>{{t "state"}}</th><th>{{t "given_at"}}</th><th>{{t "withdrawn"}}</th><th>{{t "notice"}}</th></tr>
{{range .Consents}}<tr><td><span title="{{.Purpose}}">{{key .Purpose}}</span></td><td>{{if .Given}}{{t "given"}}{{else}}{{t "not_given"}}{{end}}</td><td>{{whenp .GivenAt}}</td><td>{{whenp .WithdrawnAt}}</td><td>{{.NoticeVersion}}</td></tr>
{{end}}</table>{{else}}<p>{{t "no_consents"}}</p>{{end}}

<h2>{{t "h_requests"}}</h2>
{{if .Requests}}<table><tr><th>{{t "request"}}</th><th>{{t "right"}}</th><th>{{t "received"}}</th><th>{{t "due"}}</th><th>{{t "status"}}</th><th>{{t "closed"}}</th></tr>
{{range .Requests}}<tr><td>{{.ID}}</td><td><span title="{{.Right}}">{{enum .Right}}</span></td><td>{{day .ReceivedAt}}</td><td>{{day .DueAt}}</td><td>{{status .Status}}{{if .Outcome}}: {{.Outcome}}{{end}}</td><td>{{whenp .ClosedAt}}</td></tr>
{{end}}</table>{{else}}<p>{{t "no_requests"}}</p>{{end}}
{{if .Restrictions}}<h3>{{t "restrictions"}}</h3><ul>{{range .Restrictions}}<li>{{if .Purposes}}{{template "keys" .Purposes}}{{else}}{{t "all_but_store"}}{{end}}, {{t "from"}} {{day .AppliedAt}}{{if .LiftedAt}} {{t "until"}} {{whenp .LiftedAt}}{{end}}</li>{{end}}</ul>{{end}}
{{if .Objections}}<h3>{{t "objections"}}</h3><ul>{{range .Objections}}<li>{{template "keys" .Purposes}}, {{day .At}}</li>{{end}}</ul>{{end}}
{{if .Notes}}<h3>{{t "notes"}}</h3><table><tr><th>{{t "when"}}</th><th>{{t "field"}}</th><th>{{t "text"}}</th></tr>
{{range .Notes}}<tr><td>{{when .At}}</td><td>{{field .Field}}</td><td>{{if .Erased}}{{t "erased_short"}}{{else}}{{.Text}}{{end}}</td></tr>
{{end}}</table>{{end}}
{{if or .Erasure.Systems .Erasure.Shredded}}<h3>{{t "erasure"}}</h3><ul>
{{range $s, $t := .Erasure.Systems}}<li>{{tf "system_erased" $s}} {{when $t}}</li>{{end}}
{{range $g, $t := .Erasure.Shredded}}<li>{{tf "key_shredded" $g}} {{when $t}}: {{t "shred_means"}}</li>{{end}}</ul>{{end}}

{{if .PassedOn}}<h3>{{t "passed_on"}}</h3>
<table><tr><th>{{t "recipient"}}</th><th>{{t "of_your"}}</th><th>{{t "request"}}</th><th>{{t "status"}}</th><th>{{t "due"}}</th><th>{{t "done"}}</th></tr>
{{range .PassedOn}}<tr><td>{{.RecipientID}}</td><td><span title="{{.Right}}">{{enum .Right}}</span></td><td>{{.RequestID}}</td><td>{{status .Status}}</td><td>{{whenp .DueAt}}</td><td>{{whenp .ClosedAt}}</td></tr>
{{end}}</table>{{end}}

<h2>{{t "h_rights"}}</h2>
<ul><li>{{t "right_access"}}</li><li>{{t "right_rectification"}}</li><li>{{t "right_erasure"}}</li><li>{{t "right_restriction"}}</li><li>{{t "right_notification"}}</li><li>{{t "right_portability"}}</li><li>{{t "right_objection"}}</li><li>{{t "right_withdraw"}}</li><li>{{t "right_complain"}}</li></ul>

<h2>{{t "h_limits"}}</h2>
<p>{{t "art23"}}</p>

<h2>{{t "h_verify"}}</h2>
{{if .Verification.Checkpoint}}<p>{{tf "verify" (len .Verification.Bundles) .Who .Verification.TreeSize .Who}}{{if .Verification.Pending}} {{tf "pending" .Verification.Pending}}{{end}}</p>
<pre>{{.Verification.Checkpoint}}</pre>
<p>{{t "proofs_where"}}</p>{{else}}<p>{{t "no_checkpoint"}}</p>{{end}}
</body>
</html>
`
