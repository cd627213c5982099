package api

import (
	"bytes"
	"encoding"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Body limits.
const (
	MaxBody        = 1 << 20  // 1 MiB for JSON routes
	MaxMessageBody = 10 << 20 // 10 MiB for /v1/messages (base64 attachments)
)

// strict are the decoding rules of request bodies. They are the defaults
// of github.com/go-json-experiment/json (the prototype of encoding/json/v2,
// still an experiment in Go 1.26) but for unknown members, spelled out so
// that a change of defaults cannot loosen them. encoding/json cannot do
// this: it matches names case-insensitively, keeps the last of duplicate
// keys, replaces invalid UTF-8 and drops array indexes from its errors.
var strict = jsonv2.JoinOptions(
	jsonv2.RejectUnknownMembers(true),
	jsonv2.MatchCaseInsensitiveNames(false),
	jsontext.AllowDuplicateNames(false),
	jsontext.AllowInvalidUTF8(false),
)

// decode reads a JSON object from the body into v, a non-nil pointer to a
// request struct. Field names match their json tags exactly (case
// included); unknown fields, duplicate keys at any depth (also inside any,
// map and json.RawMessage fields), wrong types, numbers that do not fit,
// invalid UTF-8, data after the object and an empty body are 400s
// (*httpError) naming the JSON pointer (RFC 6901) of the value at fault,
// "" for the body as a whole. null leaves a field at its zero value. A
// body over limit bytes is an *http.MaxBytesError (413): refused unread
// when Content-Length says so, else after reading at most limit+1 bytes.
func decode(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	if r.ContentLength > limit {
		return &http.MaxBytesError{Limit: limit}
	}
	data, err := readBody(http.MaxBytesReader(w, r.Body, limit), r.ContentLength)
	if err != nil {
		return err
	}
	return decodeJSON(data, v)
}

// readBody reads body whole, starting with a buffer of the size announced
// (size; -1 if unknown), but at most 1 MiB so that a false Content-Length
// cannot reserve more.
func readBody(body io.Reader, size int64) ([]byte, error) {
	if size < 0 {
		size = 511
	}
	buf := make([]byte, 0, min(size, 1<<20)+1)
	for {
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		var mbe *http.MaxBytesError
		switch {
		case err == io.EOF:
			return buf, nil
		case errors.As(err, &mbe):
			return nil, err
		case err != nil:
			return nil, badRequest("", "the body could not be read: "+err.Error())
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

// decodeJSON decodes data into v by the rules of decode.
func decodeJSON(data []byte, v any) error {
	if rv := reflect.ValueOf(v); rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("api: decode needs a non-nil pointer, not %T", v)
	}
	body := bytes.TrimLeft(data, " \t\r\n")
	if len(body) == 0 {
		return badRequest("", "the body is empty; send a JSON object")
	}
	err := jsonv2.Unmarshal(data, v, strict)
	if err == nil && body[0] == 'n' {
		return badRequest("", "the body must be an object, not null")
	}
	if err == nil {
		return nil
	}
	var sem *jsonv2.SemanticError
	var syn *jsontext.SyntacticError
	switch {
	case errors.As(err, &syn) && syn.Err == jsontext.ErrDuplicateName:
		return badRequest(string(syn.JSONPointer), "duplicate key")
	case syn != nil && jsontext.Value(data[:syn.ByteOffset]).IsValid(strict):
		return badRequest("", fmt.Sprintf("the body goes on after its JSON value, at offset %d", syn.ByteOffset))
	case syn != nil && syn.Err == io.ErrUnexpectedEOF:
		return badRequest("", "the body is not valid JSON: it ends inside a value")
	case syn != nil:
		return badRequest(string(syn.JSONPointer), fmt.Sprintf("the body is not valid JSON at offset %d: %v", syn.ByteOffset, syn.Err))
	case !errors.As(err, &sem) || badType(sem):
		return fmt.Errorf("api: decoding into %T: %w", v, err)
	}
	msg := semanticMessage(sem)
	if sem.JSONPointer == "" {
		msg = "the body " + msg
	}
	return badRequest(string(sem.JSONPointer), msg)
}

var (
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	jsonUnmarshaler = reflect.TypeFor[jsonv2.Unmarshaler]()
	jsonFrom        = reflect.TypeFor[jsonv2.UnmarshalerFrom]()
)

// badType says whether e is the fault of the Go type, not of the body: a
// type that JSON cannot fill (no JSON kind involved), or a struct or map
// that cannot take an object (struct fields with the same JSON name, map
// keys of a kind JSON cannot name), which only a type's own decoding
// method may refuse for the object's contents.
func badType(e *jsonv2.SemanticError) bool {
	if e.JSONKind == 0 || e.GoType == nil {
		return true
	}
	k, p := e.GoType.Kind(), reflect.PointerTo(e.GoType)
	return e.JSONKind == '{' && (k == reflect.Struct || k == reflect.Map) && e.Err != nil && e.Err != jsonv2.ErrUnknownName &&
		!p.Implements(textUnmarshaler) && !p.Implements(jsonUnmarshaler) && !p.Implements(jsonFrom)
}

// semanticMessage says what is wrong with a well-formed value, as
// "must be a string, not number".
func semanticMessage(e *jsonv2.SemanticError) string {
	t, found := e.GoType, jsonKinds[e.JSONKind]
	value := fmt.Sprintf("%.40s", e.JSONValue)
	if len(e.JSONValue) > 40 {
		value += "..."
	}
	var want string
	switch k := t.Kind(); {
	case e.Err == jsonv2.ErrUnknownName:
		return "unknown field"
	case reflect.PointerTo(t).Implements(textUnmarshaler):
		want = "a string"
	case k == reflect.String:
		want = "a string"
	case k == reflect.Bool:
		want = "true or false"
	case k >= reflect.Int && k <= reflect.Uintptr && e.Err != nil:
		if strings.ContainsAny(value, `.eE"`) {
			return "must be a whole number, not " + value
		}
		lo, hi := -int64(1)<<(t.Bits()-1), uint64(1)<<(t.Bits()-1)-1
		if k >= reflect.Uint {
			lo, hi = 0, uint64(1)<<t.Bits()-1
		}
		return fmt.Sprintf("must be a whole number from %d to %d, not %s", lo, hi, value)
	case (k == reflect.Float32 || k == reflect.Float64) && e.Err != nil:
		return "is out of range: " + value
	case k >= reflect.Int && k <= reflect.Float64:
		want = "a number"
	case k == reflect.Array && e.JSONKind == ']':
		return fmt.Sprintf("must have exactly %d elements", t.Len())
	case k == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		want = "a base64 string"
	case k == reflect.Slice || k == reflect.Array:
		want = "an array"
	case k == reflect.Map || k == reflect.Struct:
		want = "an object"
	}
	switch {
	case e.Err != nil:
		return e.Err.Error()
	case want == "":
		return "must not be " + found
	}
	return "must be " + want + ", not " + found
}

// jsonKinds names the JSON kinds.
var jsonKinds = map[jsontext.Kind]string{'n': "null", 'f': "boolean", 't': "boolean", '"': "string", '0': "number",
	'{': "object", '}': "object", '[': "array", ']': "array"}
