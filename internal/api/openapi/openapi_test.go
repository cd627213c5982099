package openapi

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestProseRendersTheDescriptionsMarkdown(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want template.HTML
	}{
		{"", ""},
		{"plain <b>text</b> & more", "<p>plain &lt;b&gt;text&lt;/b&gt; &amp; more</p>"},
		{"one\n\ntwo", "<p>one</p><p>two</p>"},
		{"send `{\"a\": 1}` as **JSON**", "<p>send <code>{&#34;a&#34;: 1}</code> as <strong>JSON</strong></p>"},
		{"code keeps `**stars**` and `[a](#b)`", "<p>code keeps <code>**stars**</code> and <code>[a](#b)</code></p>"},
		{"see [the spec](https://example.com/x?a=1&b=2) and [here](#ops)", `<p>see <a href="https://example.com/x?a=1&amp;b=2">the spec</a> and <a href="#ops">here</a></p>`},
		{"no [script](javascript:alert(1)) links", "<p>no [script](javascript:alert(1)) links</p>"},
	} {
		if got := prose(tc.in); got != tc.want {
			t.Errorf("prose(%q) =\n%s\nwant\n%s", tc.in, got, tc.want)
		}
	}
}

func TestOrderedKeepsTheDocumentsOrder(t *testing.T) {
	t.Parallel()
	var o ordered[int]
	if err := json.Unmarshal([]byte(`{"z": 1, "a": 2, "m": 3}`), &o); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range o {
		names = append(names, n.Name)
	}
	if strings.Join(names, ",") != "z,a,m" || o[1].Value != 2 {
		t.Errorf("ordered = %+v", o)
	}
	if err := json.Unmarshal([]byte(`[1]`), &o); err == nil {
		t.Error("an array was read as an object")
	}
	if err := json.Unmarshal([]byte(`{"a": "x"}`), &o); err == nil || !strings.Contains(err.Error(), "a: ") {
		t.Errorf("a wrong member's error %v does not name it", err)
	}
}

func TestRenderNamesWhatIsWrong(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ doc, want string }{
		{`{"paths": []}`, "openapi.json: want a JSON object"},
		{`{"paths": {"/x": {"get": {"parameters": [{"$ref": "#/components/parameters/nope"}]}}}}`, "GET /x: no parameter #/components/parameters/nope"},
		{`{"paths": {"/x": {"get": {"responses": {"200": {"$ref": "#/components/responses/nope"}}}}}}`, "GET /x: no response #/components/responses/nope"},
	} {
		if _, err := renderDocs([]byte(tc.doc)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("renderDocs(%s) = %v, want an error with %q", tc.doc, err, tc.want)
		}
	}
}

func TestHandlersServeTheDocumentAndThePage(t *testing.T) {
	t.Parallel()
	page, err := DocsPage()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		handler     http.Handler
		contentType string
		body        []byte
	}{
		{Handler(), "application/json", Document()},
		{DocsHandler(), "text/html; charset=utf-8", page},
	} {
		w := httptest.NewRecorder()
		tc.handler.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		if w.Code != 200 || w.Header().Get("Content-Type") != tc.contentType || w.Body.String() != string(tc.body) {
			t.Errorf("%s: %d %q, body of %d bytes", tc.contentType, w.Code, w.Header().Get("Content-Type"), w.Body.Len())
		}
		etag := w.Header().Get("ETag")
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("If-None-Match", etag)
		w = httptest.NewRecorder()
		tc.handler.ServeHTTP(w, r)
		if w.Code != http.StatusNotModified || w.Body.Len() != 0 {
			t.Errorf("%s with If-None-Match %s: %d", tc.contentType, etag, w.Code)
		}
	}
}
