package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// spec is the part of an OpenAPI 3.1 document that the docs page shows.
// It is read with encoding/json; objects whose order matters to a reader
// (paths, properties, responses, examples) keep the document's order.
type spec struct {
	Info struct {
		Title       string `json:"title"`
		Version     string `json:"version"`
		Summary     string `json:"summary"`
		Description string `json:"description"`
	} `json:"info"`
	Tags []struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"tags"`
	Security   []map[string][]string `json:"security"`
	Paths      ordered[pathItem]     `json:"paths"`
	Webhooks   ordered[pathItem]     `json:"webhooks"`
	Components struct {
		SecuritySchemes ordered[securityScheme] `json:"securitySchemes"`
		Parameters      map[string]*parameter   `json:"parameters"`
		Headers         map[string]*header      `json:"headers"`
		Responses       map[string]*response    `json:"responses"`
		Schemas         ordered[*schema]        `json:"schemas"`
	} `json:"components"`
}

type securityScheme struct {
	Type        string `json:"type"`
	Scheme      string `json:"scheme"`
	Description string `json:"description"`
}

type pathItem struct {
	Get     *operation `json:"get"`
	Post    *operation `json:"post"`
	Put     *operation `json:"put"`
	Patch   *operation `json:"patch"`
	Delete  *operation `json:"delete"`
	Head    *operation `json:"head"`
	Options *operation `json:"options"`
	Trace   *operation `json:"trace"`
}

// operations returns the item's operations by upper-case method, in a
// fixed order.
func (p pathItem) operations() []named[*operation] {
	var out []named[*operation]
	for _, m := range []named[*operation]{{"GET", p.Get}, {"POST", p.Post}, {"PUT", p.Put}, {"PATCH", p.Patch},
		{"DELETE", p.Delete}, {"HEAD", p.Head}, {"OPTIONS", p.Options}, {"TRACE", p.Trace}} {
		if m.Value != nil {
			out = append(out, m)
		}
	}
	return out
}

type operation struct {
	Tags        []string               `json:"tags"`
	Summary     string                 `json:"summary"`
	Description string                 `json:"description"`
	OperationID string                 `json:"operationId"`
	Security    *[]map[string][]string `json:"security"`
	Parameters  []*parameter           `json:"parameters"`
	RequestBody *requestBody           `json:"requestBody"`
	Responses   ordered[*response]     `json:"responses"`
}

type parameter struct {
	Ref         string          `json:"$ref"`
	Name        string          `json:"name"`
	In          string          `json:"in"`
	Description string          `json:"description"`
	Required    bool            `json:"required"`
	Schema      *schema         `json:"schema"`
	Example     json.RawMessage `json:"example"`
}

type header struct {
	Ref         string          `json:"$ref"`
	Description string          `json:"description"`
	Required    bool            `json:"required"`
	Schema      *schema         `json:"schema"`
	Example     json.RawMessage `json:"example"`
}

type requestBody struct {
	Description string              `json:"description"`
	Required    bool                `json:"required"`
	Content     ordered[*mediaType] `json:"content"`
}

type response struct {
	Ref         string              `json:"$ref"`
	Description string              `json:"description"`
	Headers     ordered[*header]    `json:"headers"`
	Content     ordered[*mediaType] `json:"content"`
}

type mediaType struct {
	Schema   *schema           `json:"schema"`
	Example  json.RawMessage   `json:"example"`
	Examples ordered[*example] `json:"examples"`
}

type example struct {
	Summary string          `json:"summary"`
	Value   json.RawMessage `json:"value"`
}

type schema struct {
	Ref                  string            `json:"$ref"`
	Type                 json.RawMessage   `json:"type"`
	Description          string            `json:"description"`
	Format               string            `json:"format"`
	Pattern              string            `json:"pattern"`
	Properties           ordered[*schema]  `json:"properties"`
	Required             []string          `json:"required"`
	Items                *schema           `json:"items"`
	AdditionalProperties json.RawMessage   `json:"additionalProperties"`
	Enum                 []json.RawMessage `json:"enum"`
	Const                json.RawMessage   `json:"const"`
	Default              json.RawMessage   `json:"default"`
	Minimum              *json.Number      `json:"minimum"`
	Maximum              *json.Number      `json:"maximum"`
	MinLength            *int              `json:"minLength"`
	MaxLength            *int              `json:"maxLength"`
	OneOf                []*schema         `json:"oneOf"`
}

// types returns the schema's type names ("string", or several for a type
// array).
func (s *schema) types() []string {
	if len(s.Type) == 0 {
		return nil
	}
	var one string
	if json.Unmarshal(s.Type, &one) == nil {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(s.Type, &many)
	return many
}

// named is one member of a JSON object.
type named[T any] struct {
	Name  string
	Value T
}

// ordered is a JSON object read in the order of its members.
type ordered[T any] []named[T]

// UnmarshalJSON reads an object member by member.
func (o *ordered[T]) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("want a JSON object, got %.20s", data)
	}
	*o = nil
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		var v T
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		*o = append(*o, named[T]{key, v})
	}
	_, err := dec.Token()
	return err
}

// parseSpec reads a document and resolves the references of parameters,
// responses and headers to components (schemas stay references: the page
// links to them).
func parseSpec(data []byte) (*spec, error) {
	var s spec
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	for _, items := range []ordered[pathItem]{s.Paths, s.Webhooks} {
		for _, item := range items {
			for _, op := range item.Value.operations() {
				if err := s.resolve(op.Value); err != nil {
					return nil, fmt.Errorf("openapi.json: %s %s: %w", op.Name, item.Name, err)
				}
			}
		}
	}
	return &s, nil
}

func (s *spec) resolve(op *operation) error {
	for i, p := range op.Parameters {
		if p.Ref == "" {
			continue
		}
		c, ok := s.Components.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
		if !ok {
			return fmt.Errorf("no parameter %s", p.Ref)
		}
		op.Parameters[i] = c
	}
	for i, r := range op.Responses {
		if r.Value.Ref != "" {
			c, ok := s.Components.Responses[strings.TrimPrefix(r.Value.Ref, "#/components/responses/")]
			if !ok {
				return fmt.Errorf("no response %s", r.Value.Ref)
			}
			op.Responses[i].Value = c
		}
		for j, h := range op.Responses[i].Value.Headers {
			if h.Value.Ref == "" {
				continue
			}
			c, ok := s.Components.Headers[strings.TrimPrefix(h.Value.Ref, "#/components/headers/")]
			if !ok {
				return fmt.Errorf("no header %s", h.Value.Ref)
			}
			op.Responses[i].Value.Headers[j].Value = c
		}
	}
	return nil
}
