// Package openapi holds the OpenAPI 3.1 document of Confab's HTTP API and
// serves it twice: as JSON at GET /v1/openapi.json and as a web page at
// GET /docs that works offline.
//
// The document, openapi.json, is written by hand: the handlers are plain
// ServeMux functions whose bodies keep the seeds' exact shapes, so a
// code-first generator would have to be taught every shape anyway (see
// docs/decisions/0007-openapi-hand-written.md). Tests in internal/api keep
// it honest: it must load and validate with kin-openapi, name exactly the
// routes the server registers, and describe every answer the end-to-end
// tests get.
//
// Adding a route: register it in api.Server.routes, then add its path and
// operation to openapi.json (a tag, an operationId, parameters, the
// request body with an example, and every status it can answer, reusing
// components/responses for the problem+json errors), add a method to the
// Go client in client/, and call it from the end-to-end test. The route
// coverage test names what is missing until all of it is there.
package openapi

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"time"
)

//go:embed openapi.json
var document []byte

// Document returns the OpenAPI document as served. The caller must not
// change it.
func Document() []byte { return document }

// Handler serves the document as application/json with a strong ETag;
// a request whose If-None-Match holds it gets 304.
func Handler() http.Handler {
	return cached("openapi.json", "application/json", document, nil)
}

// cached serves content with its ETag and Cache-Control: no-cache, so that
// caches revalidate and get a 304 while the content is the same.
func cached(name, contentType string, content []byte, header http.Header) http.Handler {
	sum := sha256.Sum256(content)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for k, v := range header {
			h[k] = v
		}
		h.Set("Content-Type", contentType)
		h.Set("ETag", etag)
		h.Set("Cache-Control", "no-cache")
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(content))
	})
}
