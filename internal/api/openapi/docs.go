package openapi

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
)

//go:embed docs.html
var docsTemplate string

// docsPolicy lets the page load nothing but itself: no script, no font,
// no image, no style sheet from anywhere.
const docsPolicy = "default-src 'none'; style-src 'unsafe-inline'"

// DocsHandler serves the document as one HTML page, rendered once from
// openapi.json, with the ETag rules of Handler.
func DocsHandler() http.Handler {
	page, err := DocsPage()
	if err != nil {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "the API document cannot be shown: "+err.Error(), http.StatusInternalServerError)
		})
	}
	return cached("docs.html", "text/html; charset=utf-8", page, http.Header{"Content-Security-Policy": {docsPolicy}})
}

// DocsPage returns the HTML page of the document, rendered on the first
// call.
func DocsPage() ([]byte, error) { return docsPage() }

var docsPage = sync.OnceValues(func() ([]byte, error) { return renderDocs(document) })

func renderDocs(doc []byte) ([]byte, error) {
	s, err := parseSpec(doc)
	if err != nil {
		return nil, err
	}
	t, err := template.New("docs").Parse(docsTemplate)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, newPage(s)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// page is what the template shows.
type page struct {
	Title       string
	Version     string
	Summary     string
	Description template.HTML
	Tags        []tagView
	Webhooks    []opView
	Auth        []authView
	Schemas     []schemaView
}

type tagView struct {
	Name        string
	Description template.HTML
	Ops         []opView
}

type authView struct {
	Name, Kind  string
	Description template.HTML
}

type opView struct {
	ID          string
	Method      string
	Path        string
	Summary     string
	Description template.HTML
	Auth        template.HTML
	Params      []paramView
	Body        []contentView
	Responses   []responseView
}

type paramView struct {
	Name, In    string
	Type        template.HTML
	Required    bool
	Description template.HTML
}

type contentView struct {
	MediaType string
	Type      template.HTML
	Examples  []exampleView
}

type exampleView struct {
	Summary string
	Text    string
}

type responseView struct {
	Status      string
	Description template.HTML
	Headers     []paramView
	Content     []contentView
}

type schemaView struct {
	Name        string
	Type        template.HTML
	Description template.HTML
	Props       []paramView
	Notes       []template.HTML
}

func newPage(s *spec) page {
	p := page{Title: s.Info.Title, Version: s.Info.Version, Summary: s.Info.Summary, Description: prose(s.Info.Description)}
	byTag := map[string]int{}
	for _, t := range s.Tags {
		byTag[t.Name] = len(p.Tags)
		p.Tags = append(p.Tags, tagView{Name: t.Name, Description: prose(t.Description)})
	}
	for _, item := range s.Paths {
		for _, op := range item.Value.operations() {
			tag := "Other"
			if len(op.Value.Tags) > 0 {
				tag = op.Value.Tags[0]
			}
			i, ok := byTag[tag]
			if !ok {
				i = len(p.Tags)
				byTag[tag] = i
				p.Tags = append(p.Tags, tagView{Name: tag})
			}
			p.Tags[i].Ops = append(p.Tags[i].Ops, s.opView(op.Name, item.Name, op.Value))
		}
	}
	for _, item := range s.Webhooks {
		for _, op := range item.Value.operations() {
			v := s.opView(op.Name, "", op.Value)
			v.ID = "webhook-" + item.Name
			v.Path = item.Name
			p.Webhooks = append(p.Webhooks, v)
		}
	}
	for _, a := range s.Components.SecuritySchemes {
		p.Auth = append(p.Auth, authView{Name: a.Name, Kind: a.Value.Type + " " + a.Value.Scheme, Description: prose(a.Value.Description)})
	}
	for _, sc := range s.Components.Schemas {
		p.Schemas = append(p.Schemas, schemaOf(sc.Name, sc.Value))
	}
	return p
}

func (s *spec) opView(method, path string, op *operation) opView {
	v := opView{ID: op.OperationID, Method: method, Path: path, Summary: op.Summary, Description: prose(op.Description)}
	security := s.Security
	if op.Security != nil {
		security = *op.Security
	}
	v.Auth = authText(security)
	for _, prm := range op.Parameters {
		v.Params = append(v.Params, paramView{Name: prm.Name, In: prm.In, Type: typeOf(prm.Schema), Required: prm.Required,
			Description: describe(prm.Description, prm.Schema, prm.Example)})
	}
	if op.RequestBody != nil {
		v.Body = contents(op.RequestBody.Content)
	}
	for _, r := range op.Responses {
		rv := responseView{Status: r.Name, Description: prose(r.Value.Description), Content: contents(r.Value.Content)}
		for _, h := range r.Value.Headers {
			rv.Headers = append(rv.Headers, paramView{Name: h.Name, Type: typeOf(h.Value.Schema), Required: h.Value.Required,
				Description: describe(h.Value.Description, h.Value.Schema, h.Value.Example)})
		}
		v.Responses = append(v.Responses, rv)
	}
	return v
}

// authText says which credentials an operation takes: any one of the
// requirements, {} meaning none.
func authText(reqs []map[string][]string) template.HTML {
	if len(reqs) == 0 {
		return "none"
	}
	var alts []string
	for _, r := range reqs {
		if len(r) == 0 {
			alts = append(alts, "none")
			continue
		}
		var all []string
		for _, name := range slices.Sorted(maps.Keys(r)) {
			all = append(all, fmt.Sprintf(`<a href="#auth-%s">%s</a>`, html.EscapeString(name), html.EscapeString(name)))
		}
		alts = append(alts, strings.Join(all, " and "))
	}
	return template.HTML(strings.Join(alts, " or "))
}

func contents(cs ordered[*mediaType]) []contentView {
	var out []contentView
	for _, c := range cs {
		cv := contentView{MediaType: c.Name, Type: typeOf(c.Value.Schema)}
		if len(c.Value.Example) > 0 {
			cv.Examples = append(cv.Examples, exampleView{Text: pretty(c.Value.Example)})
		}
		for _, e := range c.Value.Examples {
			summary := e.Value.Summary
			if summary == "" {
				summary = e.Name
			}
			cv.Examples = append(cv.Examples, exampleView{Summary: summary, Text: pretty(e.Value.Value)})
		}
		out = append(out, cv)
	}
	return out
}

func schemaOf(name string, sc *schema) schemaView {
	v := schemaView{Name: name, Type: typeOf(&schema{Type: sc.Type, Format: sc.Format}), Description: prose(sc.Description)}
	required := map[string]bool{}
	for _, r := range sc.Required {
		required[r] = true
	}
	for _, p := range sc.Properties {
		v.Props = append(v.Props, paramView{Name: p.Name, Type: typeOf(p.Value), Required: required[p.Name],
			Description: describe(p.Value.Description, p.Value, nil)})
	}
	if len(sc.OneOf) > 0 {
		var alts []string
		for _, o := range sc.OneOf {
			switch {
			case o.Ref != "" || len(o.Type) > 0:
				alts = append(alts, string(typeOf(o)))
			case len(o.Required) > 0:
				alts = append(alts, "<code>"+html.EscapeString(strings.Join(o.Required, "</code> and <code>"))+"</code>")
			}
		}
		v.Notes = append(v.Notes, template.HTML("Exactly one of: "+strings.Join(alts, " or ")+"."))
	}
	if string(sc.AdditionalProperties) == "false" {
		v.Notes = append(v.Notes, "Other fields are refused (400).")
	}
	return v
}

// typeOf names a schema's type, linking to a component schema.
func typeOf(sc *schema) template.HTML {
	if sc == nil {
		return ""
	}
	if name, ok := strings.CutPrefix(sc.Ref, "#/components/schemas/"); ok {
		n := html.EscapeString(name)
		return template.HTML(`<a href="#schema-` + n + `">` + n + `</a>`)
	}
	types := sc.types()
	if len(types) == 1 && types[0] == "array" && sc.Items != nil {
		return "array of " + typeOf(sc.Items)
	}
	t := html.EscapeString(strings.Join(types, " or "))
	if sc.Format != "" {
		t += " (" + html.EscapeString(sc.Format) + ")"
	}
	return template.HTML(t)
}

// describe is a description followed by the schema's constraints and an
// example.
func describe(text string, sc *schema, ex json.RawMessage) template.HTML {
	out := string(prose(text))
	var notes []string
	if sc != nil {
		if len(sc.Const) > 0 {
			notes = append(notes, "always "+code(string(sc.Const)))
		}
		if len(sc.Enum) > 0 {
			var vs []string
			for _, e := range sc.Enum {
				vs = append(vs, code(string(e)))
			}
			notes = append(notes, "one of "+strings.Join(vs, ", "))
		}
		if sc.Pattern != "" {
			notes = append(notes, "matches "+code(sc.Pattern))
		}
		if sc.Minimum != nil {
			notes = append(notes, "at least "+code(sc.Minimum.String()))
		}
		if sc.Maximum != nil {
			notes = append(notes, "at most "+code(sc.Maximum.String()))
		}
		if sc.MinLength != nil {
			notes = append(notes, fmt.Sprintf("at least %d characters", *sc.MinLength))
		}
		if sc.MaxLength != nil {
			notes = append(notes, fmt.Sprintf("at most %d characters", *sc.MaxLength))
		}
		if len(sc.Default) > 0 {
			notes = append(notes, "default "+code(string(sc.Default)))
		}
	}
	if len(ex) > 0 {
		notes = append(notes, "for example "+code(string(ex)))
	}
	if len(notes) > 0 {
		out += `<p class="notes">` + strings.Join(notes, "; ") + "</p>"
	}
	return template.HTML(out)
}

func code(s string) string { return "<code>" + html.EscapeString(s) + "</code>" }

// pretty indents a JSON example; a string example is shown as its text.
func pretty(raw json.RawMessage) string {
	var text string
	if json.Unmarshal(raw, &text) == nil {
		return text
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return string(raw)
	}
	return buf.String()
}

var (
	boldRE = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	linkRE = regexp.MustCompile(`\[([^\]]+)\]\(((?:https?://|/|#)[^)\s]*)\)`)
)

// prose renders the few Markdown forms the document's descriptions use:
// paragraphs (split at blank lines), `code`, **bold** and [links](url).
// Everything else is text.
func prose(text string) template.HTML {
	if text == "" {
		return ""
	}
	var out strings.Builder
	for para := range strings.SplitSeq(text, "\n\n") {
		out.WriteString("<p>")
		for i, part := range strings.Split(para, "`") {
			part = html.EscapeString(part)
			if i%2 == 1 {
				out.WriteString("<code>" + part + "</code>")
				continue
			}
			part = boldRE.ReplaceAllString(part, "<strong>$1</strong>")
			part = linkRE.ReplaceAllString(part, `<a href="$2">$1</a>`)
			out.WriteString(part)
		}
		out.WriteString("</p>")
	}
	return template.HTML(out.String())
}
