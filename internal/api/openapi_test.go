package api_test

import (
	"bytes"
	"context"
	"html"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/confab/confab/internal/api/openapi"
)

// document is the OpenAPI document loaded for checking answers against it.
type document struct {
	*openapi3.T
	router routers.Router
}

// loadDocument loads the served OpenAPI document with kin-openapi and
// validates it (its examples included), then closes every object schema of
// its components that does not say otherwise (additionalProperties: false)
// and validates it again. The document leaves answers open so that clients
// may ignore fields added later; the closed copy makes a field the server
// sends without documenting it fail the tests, and so does an example with
// a field its schema does not have.
func loadDocument(t testing.TB) *document {
	t.Helper()
	ctx := context.Background()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openapi.Document())
	if err != nil {
		t.Fatalf("openapi.json does not load: %v", err)
	}
	if err := doc.Validate(ctx, strict...); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	closed := false
	for _, s := range doc.Components.Schemas {
		if ap := s.Value.AdditionalProperties; s.Value.Type.Is("object") && len(s.Value.Properties) > 0 && ap.Has == nil && ap.Schema == nil {
			s.Value.AdditionalProperties.Has = &closed
		}
	}
	router, err := legacy.NewRouter(doc, strict...)
	if err != nil {
		t.Fatalf("openapi.json with closed objects: %v", err)
	}
	return &document{T: doc, router: router}
}

// strict are the checks a document must pass: examples, defaults,
// formats and patterns included, every problem reported at once.
var strict = []openapi3.ValidationOption{openapi3.EnableExamplesValidation(), openapi3.EnableSchemaDefaultsValidation(),
	openapi3.EnableSchemaFormatValidation(), openapi3.EnableSchemaPatternValidation(), openapi3.EnableMultiError()}

var registerHTML sync.Once

// validateResponse fails the test unless resp, the answer to req, is what
// the document says: the route is in the document, the status is listed
// for it (not only by a default), its headers and body match the
// response's schema, and a response without content has an empty body. It
// returns the route as "METHOD /path/{param}" and leaves resp.Body to read
// again.
func validateResponse(t testing.TB, doc *document, req *http.Request, resp *http.Response) string {
	t.Helper()
	registerHTML.Do(func() { openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder) })
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	if err != nil {
		t.Errorf("%s %s: reading the answer: %v", req.Method, req.URL.Path, err)
		return ""
	}
	route, params, err := doc.router.FindRoute(req)
	if err != nil {
		t.Errorf("%s %s is not in the OpenAPI document: %v", req.Method, req.URL.Path, err)
		return ""
	}
	name := route.Method + " " + route.Path
	documented := route.Operation.Responses.Status(resp.StatusCode)
	if documented == nil {
		t.Errorf("%s answered %d, a status the document does not list for it; body %.300s", name, resp.StatusCode, data)
		return name
	}
	if len(documented.Value.Content) == 0 && len(data) > 0 {
		t.Errorf("%s answered %d with a body, where the document says none: %.300s", name, resp.StatusCode, data)
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	input.SetBodyBytes(data)
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		t.Errorf("%s answered %d, which does not match the document: %v\nbody: %.500s", name, resp.StatusCode, err, data)
	}
	return name
}

// checkedTransport checks every answer against the document and counts
// the routes and statuses seen.
type checkedTransport struct {
	t    testing.TB
	doc  *document
	mu   sync.Mutex
	seen map[string]map[int]int // route → status → answers
}

func (c *checkedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	route := validateResponse(c.t, c.doc, req, resp)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen[route] == nil {
		c.seen[route] = map[int]int{}
	}
	c.seen[route][resp.StatusCode]++
	return resp, nil
}

// statuses returns the statuses seen of a route.
func (c *checkedTransport) statuses(route string) []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []int
	for s := range c.seen[route] {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// checkedClient returns an HTTP client whose every answer is checked
// against the document, and its transport.
func checkedClient(t testing.TB, doc *document) (*http.Client, *checkedTransport) {
	tr := &checkedTransport{t: t, doc: doc, seen: map[string]map[int]int{}}
	return &http.Client{Transport: tr}, tr
}

// operations returns every route of the document as "METHOD /path".
func operations(doc *document) []string {
	var out []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, method+" "+path)
		}
	}
	slices.Sort(out)
	return out
}

func TestOpenAPIDocumentIsServedAndValid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.do(t, "GET", "/v1/openapi.json", "", nil)
	if a.status != http.StatusOK || a.header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /v1/openapi.json = %d %q", a.status, a.header.Get("Content-Type"))
	}
	if !bytes.Equal(a.body, openapi.Document()) {
		t.Fatal("GET /v1/openapi.json is not the embedded document")
	}
	doc, err := openapi3.NewLoader().LoadFromData(a.body)
	if err != nil {
		t.Fatalf("the served document does not load: %v", err)
	}
	if err := doc.Validate(context.Background(), strict...); err != nil {
		t.Fatalf("the served document is not valid OpenAPI: %v", err)
	}
	if doc.OpenAPI != "3.1.0" || !doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	for _, name := range []string{"apiChannelReply", "apiChannelTest"} {
		if doc.Webhooks[name] == nil || doc.Webhooks[name].Post == nil {
			t.Errorf("the document has no webhook %s", name)
		}
	}
	// Every operation has an id, a tag, an example of each JSON body, and
	// the statuses every route of its kind can answer.
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path
			if op.OperationID == "" || len(op.Tags) == 0 {
				t.Errorf("%s has no operationId or tag", name)
			}
			if op.RequestBody != nil {
				for media, c := range op.RequestBody.Value.Content {
					if c.Example == nil && len(c.Examples) == 0 {
						t.Errorf("%s: the %s request body has no example", name, media)
					}
				}
			}
			for code, r := range op.Responses.Map() {
				for media, c := range r.Value.Content {
					if c.Example == nil && len(c.Examples) == 0 {
						t.Errorf("%s: the %s %s answer has no example", name, code, media)
					}
				}
			}
			if path != "/healthz" && path != "/metrics" && op.Responses.Value("503") == nil {
				t.Errorf("%s does not list 503 (answered while the server shuts down)", name)
			}
			admin := op.Security == nil
			if admin && (op.Responses.Value("401") == nil || op.Responses.Value("500") == nil) {
				t.Errorf("%s needs the admin token but does not list 401 and 500", name)
			}
		}
	}
}

func TestOpenAPIDocumentNamesEveryRouteAndNoOther(t *testing.T) {
	t.Parallel()
	doc := loadDocument(t)
	documented := operations(doc)
	served := newEnv(t).api.Routes()
	if len(served) == 0 {
		t.Fatal("the server registered no routes")
	}
	for _, r := range served {
		if !slices.Contains(documented, r) {
			t.Errorf("the server has %s but the OpenAPI document (internal/api/openapi/openapi.json) does not", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(served, d) {
			t.Errorf("the OpenAPI document names %s but the server has no such route", d)
		}
	}
}

var (
	tagRE      = regexp.MustCompile(`<[^>]*>`)
	externalRE = regexp.MustCompile(`(?i)<(script|link|img|iframe|object|embed|audio|video|source|base)\b|\bsrc\s*=|@import|url\(|\bhref\s*=\s*"(?:https?:)?//`)
	anchorRE   = regexp.MustCompile(`(?i)<a\s[^>]*href\s*=\s*"(?:https?:)?//[^"]*"[^>]*>`)
)

func TestDocsPageShowsEveryRouteAndLoadsNothingFromElsewhere(t *testing.T) {
	t.Parallel()
	doc := loadDocument(t)
	e := newEnv(t)
	a := e.do(t, "GET", "/docs", "", nil)
	if a.status != http.StatusOK || a.header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET /docs = %d %q", a.status, a.header.Get("Content-Type"))
	}
	if csp := a.header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy %q does not forbid loading from elsewhere", csp)
	}
	page := string(a.body)
	text := html.UnescapeString(tagRE.ReplaceAllString(page, ""))
	for _, op := range operations(doc) {
		if !strings.Contains(text, op) {
			t.Errorf("/docs does not show %s", op)
		}
		method, path, _ := strings.Cut(op, " ")
		id := doc.Paths.Find(path).GetOperation(method).OperationID
		if !strings.Contains(page, `id="`+id+`"`) {
			t.Errorf("/docs has no anchor for %s (#%s)", op, id)
		}
	}
	for name := range doc.Webhooks {
		if !strings.Contains(page, `id="webhook-`+name+`"`) {
			t.Errorf("/docs does not show the webhook %s", name)
		}
	}
	for name := range doc.Components.Schemas {
		if !strings.Contains(page, `id="schema-`+name+`"`) {
			t.Errorf("/docs does not show the schema %s", name)
		}
	}
	// Links in the text may point elsewhere; nothing may be loaded from
	// elsewhere (scripts, style sheets, fonts, images, frames).
	if m := externalRE.FindString(anchorRE.ReplaceAllString(page, "<a>")); m != "" {
		t.Errorf("/docs loads something from elsewhere: %q", m)
	}
	for _, ref := range regexp.MustCompile(`href="#([^"]+)"`).FindAllStringSubmatch(page, -1) {
		if !strings.Contains(page, `id="`+ref[1]+`"`) {
			t.Errorf("/docs links to #%s, which it does not have", ref[1])
		}
	}
}

func TestOpenAPIAndDocsAnswer304WhileUnchanged(t *testing.T) {
	t.Parallel()
	doc := loadDocument(t)
	e := newEnv(t)
	hc, tr := checkedClient(t, doc)
	for _, path := range []string{"/v1/openapi.json", "/docs"} {
		resp, err := hc.Get(e.url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		etag := resp.Header.Get("ETag")
		if resp.StatusCode != http.StatusOK || etag == "" || resp.Header.Get("Cache-Control") != "no-cache" {
			t.Fatalf("GET %s = %d, ETag %q, Cache-Control %q", path, resp.StatusCode, etag, resp.Header.Get("Cache-Control"))
		}
		for _, tc := range []struct {
			ifNoneMatch string
			want        int
		}{
			{etag, http.StatusNotModified},
			{`"0000000000000000"`, http.StatusOK},
		} {
			req, _ := http.NewRequest("GET", e.url+path, nil)
			req.Header.Set("If-None-Match", tc.ifNoneMatch)
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("GET %s with If-None-Match %s = %d, want %d", path, tc.ifNoneMatch, resp.StatusCode, tc.want)
			}
		}
		if got := tr.statuses("GET " + path); !slices.Equal(got, []int{200, 304}) {
			t.Errorf("GET %s answered %v", path, got)
		}
	}
}
