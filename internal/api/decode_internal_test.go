package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"
)

// kinds has a field of each kind a request body may hold, for the rules
// that the API's request types do not reach yet (free-form JSON, maps,
// bounded numbers, custom decoders).
type kinds struct {
	Count  int32             `json:"count"`
	Small  uint8             `json:"small"`
	Ratio  float32           `json:"ratio"`
	Pair   [2]int            `json:"pair"`
	Vars   map[string]any    `json:"vars"`
	ByNum  map[int]string    `json:"byNum"`
	Any    any               `json:"any"`
	Raw    json.RawMessage   `json:"raw"`
	Data   []byte            `json:"data"`
	When   *time.Time        `json:"when"`
	Nested []map[string]bool `json:"nested"`
	embedded
}

type embedded struct {
	Inner string `json:"inner"`
}

// TestDecodeKinds checks the rules on each kind of field.
func TestDecodeKinds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body, pointer, msg string
	}{
		{"duplicate in a map", `{"vars":{"a":1,"b":2,"a":3}}`, "/vars/a", "duplicate key"},
		{"duplicate deep in any", `{"any":{"list":[{},{"x":1,"x":1}]}}`, "/any/list/1/x", "duplicate key"},
		{"duplicate in raw JSON", `{"raw":{"x":{"y":null,"y":null}}}`, "/raw/x/y", "duplicate key"},
		{"duplicate field of an embedded struct", `{"inner":"a","inner":"b"}`, "/inner", "duplicate key"},
		{"name of an embedded field in another case", `{"Inner":"a"}`, "/Inner", "unknown field"},
		{"escaped pointer in a map", `{"vars":{"a/b":1,"a/b":2}}`, "/vars/a~1b", "duplicate key"},
		{"whole number too large", `{"count":2147483648}`, "/count", "must be a whole number from -2147483648 to 2147483647, not 2147483648"},
		{"negative for unsigned", `{"small":-1}`, "/small", "must be a whole number from 0 to 255, not -1"},
		{"exponent for a whole number", `{"count":1e3}`, "/count", "must be a whole number, not 1e3"},
		{"float32 out of range", `{"ratio":1e39}`, "/ratio", "is out of range: 1e39"},
		{"number out of range in any", `{"vars":{"n":[1e400]}}`, "/vars/n/0", "is out of range: 1e400"},
		{"too many elements", `{"pair":[1,2,3]}`, "/pair", "must have exactly 2 elements"},
		{"too few elements", `{"pair":[1]}`, "/pair", "must have exactly 2 elements"},
		{"map key not a number", `{"byNum":{"7":"a","x":"b"}}`, "/byNum/x", `must be a whole number, not "x"`},
		{"not base64", `{"data":"!!"}`, "/data", "illegal base64 data at input byte 0"},
		{"number for bytes", `{"data":5}`, "/data", "must be a base64 string, not number"},
		{"number for a time", `{"when":5}`, "/when", "must be a string, not number"},
		{"bad time", `{"when":"yesterday"}`, "/when", `parsing time "yesterday"`},
		{"wrong type deep in a list of maps", `{"nested":[{"a":true},{"b":"yes"}]}`, "/nested/1/b", "must be true or false, not string"},
		{"invalid UTF-8 in a map key", "{\"vars\":{\"\xff\":1}}", "/vars", "invalid UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var v kinds
			err := decodeJSON([]byte(tc.body), &v)
			var he *httpError
			if !errors.As(err, &he) || he.status != http.StatusBadRequest || he.pointer != tc.pointer || !bytes.Contains([]byte(he.msg), []byte(tc.msg)) {
				t.Errorf("decode(%s) = %#v, want 400 at %q with %q", tc.body, err, tc.pointer, tc.msg)
			}
		})
	}
}

// TestDecodeAcceptsFreeFormJSON checks that any, map and json.RawMessage
// fields take any JSON without duplicate keys, as written.
func TestDecodeAcceptsFreeFormJSON(t *testing.T) {
	t.Parallel()
	body := `{"vars":{"name":"Ada","Name":"ada","tags":["a",{"b":null}],"n":1.5},"any":[true,{"x":{}}],` +
		`"raw":{ "a" : [1, 2] },"byNum":{"-3":"c"},"count":-7,"pair":[4,5],"data":"AQI=","when":"2030-01-31T12:00:00Z","inner":"in","nested":null}`
	var got kinds
	if err := decodeJSON([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	when := time.Date(2030, 1, 31, 12, 0, 0, 0, time.UTC)
	want := kinds{
		Vars:     map[string]any{"name": "Ada", "Name": "ada", "tags": []any{"a", map[string]any{"b": nil}}, "n": 1.5},
		Any:      []any{true, map[string]any{"x": map[string]any{}}},
		Raw:      json.RawMessage(`{ "a" : [1, 2] }`),
		ByNum:    map[int]string{-3: "c"},
		Count:    -7,
		Pair:     [2]int{4, 5},
		Data:     []byte{1, 2},
		When:     &when,
		embedded: embedded{Inner: "in"},
	}
	if !got.When.Equal(when) {
		t.Errorf("when = %v, want %v", got.When, when)
	}
	got.When = &when
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded\n%#v\nwant\n%#v", got, want)
	}
}

// TestDecodeTypeFaultsAreNotBadRequests checks that a request type JSON
// cannot fill is an error of the server (500), not of the body.
func TestDecodeTypeFaultsAreNotBadRequests(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		v    any
	}{
		{"not a pointer", kinds{}},
		{"nil pointer", (*kinds)(nil)},
		{"two fields of one name", reflect.New(reflect.StructOf([]reflect.StructField{
			{Name: "A", Type: reflect.TypeFor[string](), Tag: `json:"x"`},
			{Name: "B", Type: reflect.TypeFor[string](), Tag: `json:"x"`},
		})).Interface()},
		{"a channel", &struct {
			C chan int `json:"x"`
		}{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var he *httpError
			if err := decodeJSON([]byte(`{"x":"a"}`), tc.v); err == nil || errors.As(err, &he) {
				t.Errorf("decode into %T = %v, want an error that is no *httpError", tc.v, err)
			}
		})
	}
}

// sendBody is a typical body of POST /v1/messages.
const sendBody = `{"channelID":"ch_9f2c4e1a7b3d","token":"cfb_chan_3q7XkP0mWz8rT2vY5nB4cJ6hL1dF9gS0",` +
	`"message":"Hi! I would like a large pizza with mushrooms and olives, delivered at 7 pm please.","userID":4217,` +
	`"attachments":[{"url":"https://files.example.com/menu/photo-1234.jpg"}]}`

// BenchmarkDecode decodes a typical /v1/messages body through decode,
// request included.
func BenchmarkDecode(b *testing.B) {
	body := []byte(sendBody)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		r, _ := http.NewRequest("POST", "/v1/messages", bytes.NewReader(body))
		var req sendRequest
		if err := decode(w, r, MaxMessageBody, &req); err != nil {
			b.Fatal(err)
		}
	}
}
