package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Body limits.
const (
	MaxBody        = 1 << 20  // 1 MiB for JSON routes
	MaxMessageBody = 10 << 20 // 10 MiB for /v1/messages (base64 attachments)
)

// decode reads a JSON body strictly into v: unknown fields, wrong types,
// trailing data and bodies over limit are errors that name the JSON
// pointer of the field at fault.
func decode(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return badRequest("", "the body holds more than one JSON value")
	}
	return nil
}

// jsonError turns encoding/json's errors into messages with a JSON pointer.
func jsonError(err error) error {
	var mbe *http.MaxBytesError
	var ute *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &mbe):
		return err
	case errors.Is(err, io.EOF):
		return badRequest("", "the body is empty; send a JSON object")
	case errors.As(err, &ute):
		ptr := pointer(ute.Field)
		return badRequest(ptr, fmt.Sprintf("must be %s, not %s", jsonType(ute.Type.Kind().String()), ute.Value))
	case errors.As(err, &se):
		return badRequest("", fmt.Sprintf("the body is not valid JSON at byte %d: %v", se.Offset, se))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return badRequest("/"+name, "unknown field")
	}
	return badRequest("", "the body is not valid JSON: "+err.Error())
}

// pointer turns encoding/json's dotted field path into a JSON pointer.
func pointer(field string) string {
	if field == "" {
		return ""
	}
	return "/" + strings.ReplaceAll(field, ".", "/")
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "slice":
		return "an array"
	case "map", "struct":
		return "an object"
	}
	return kind
}
