package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"testing"
)

// The fuzz tests feed decode arbitrary bodies for each request type and
// check that it never panics, that every refusal is a 400 or 413
// *httpError whose pointer is a well-formed JSON pointer, and that an
// accepted body means what encoding/json reads in it and survives
// re-encoding. CI runs each briefly:
//
//	go test -run '^$' -fuzz '^FuzzDecodeSendRequest$' -fuzztime 5s ./internal/api/

// fuzzSeeds are bodies every fuzz test starts from, besides its own.
var fuzzSeeds = []string{
	``, ` `, `null`, `[]`, `{}`, `"x"`, `{} {}`, `{"a":1}x`, `{"a":`, `{"a" 1}`, "{\"a\":\"\xff\"}",
	`{"a/b~c":1}`, `{"a":1,"a":2}`, `{"\u0061":1,"a":2}`, `{"x":[{"y":1,"y":2}]}`, `{"x":[[[[[[[[[[]]]]]]]]]]}`,
}

// jsonPointer matches an RFC 6901 JSON pointer (empty for the whole body).
var jsonPointer = regexp.MustCompile(`^(/([^~/]|~[01])*)*$`)

// fuzzDecode checks decode's invariants for request type T; same says
// whether a decoded T can be compared with reflect.DeepEqual to what
// encoding/json decodes.
func fuzzDecode[T any](f *testing.F, same bool, seeds ...string) {
	for _, s := range append(seeds, fuzzSeeds...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var got T
		err := decodeBody(body, &got)
		if err != nil {
			var he *httpError
			var mbe *http.MaxBytesError
			switch {
			case errors.As(err, &mbe):
			case !errors.As(err, &he):
				t.Fatalf("decode(%q) = %T %v, want an *httpError", body, err, err)
			case he.status != http.StatusBadRequest || he.msg == "":
				t.Fatalf("decode(%q) = %d %q, want a 400 with a message", body, he.status, he.msg)
			case !jsonPointer.MatchString(he.pointer):
				t.Fatalf("decode(%q) names %q, not a JSON pointer", body, he.pointer)
			}
			return
		}
		// encoding/json reads the same in an accepted body.
		var lax T
		if err := json.Unmarshal(body, &lax); err != nil {
			t.Fatalf("decode accepted %q, encoding/json did not: %v", body, err)
		}
		if same && !reflect.DeepEqual(got, lax) {
			t.Fatalf("decode(%q) = %#v, encoding/json reads %#v", body, got, lax)
		}
		// It survives re-encoding.
		again, err := json.Marshal(got)
		if err != nil {
			t.Fatalf("%#v does not encode: %v", got, err)
		}
		var back T
		if err := decodeBody(again, &back); err != nil {
			t.Fatalf("decode accepted %q but not its re-encoding %q: %v", body, again, err)
		}
		if same && !reflect.DeepEqual(got, back) {
			t.Fatalf("decode(%q) = %#v, but decoding its re-encoding gives %#v", body, got, back)
		}
		if third, _ := json.Marshal(back); !bytes.Equal(again, third) {
			t.Fatalf("%q re-encodes as %q, then as %q", body, again, third)
		}
	})
}

// decodeBody decodes body as the request of a JSON route.
func decodeBody(body []byte, v any) error {
	r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
	return decode(httptest.NewRecorder(), r, MaxBody, v)
}

func FuzzDecodeSendRequest(f *testing.F) {
	fuzzDecode[sendRequest](f, true,
		`{"channelID": "ch_...", "token": "cfb_chan_...", "message": "hi"}`,
		sendBody,
		`{"channelID":"ch_1","message":"photo","senderID":"+4915112345678","attachments":[{"base64":"data:image/png;base64,iVBORw0KGgo="},{"url":"https://x.example.com/a.png"}]}`,
		`{"channelID":"ch_1","message":"hi","userID":1.5}`,
		`{"channelID":"ch_1","message":"hi","userID":9223372036854775808}`,
		`{"channelID":"ch_1","message":null,"userID":null,"attachments":null}`,
		`{"channelID":"ch_1","Message":"hi"}`,
		`{"message":"hi","attachments":[{"url":"https://x.example.com/a.png","url":"x"}]}`,
		`{"message":"hi","attachments":[{"url":7}]}`,
	)
}

func FuzzDecodeChannelRequest(f *testing.F) {
	fuzzDecode[channelRequest](f, true,
		`{"bot": "pizza", "webhookUrl": "https://example.com/hooks/confab"}`,
		`{"channelID":"shop-web","bot":"shop","webhookUrl":"https://x.example.com/","keywords":["#go","pizza"],"token":"0123456789abcdef0123456789abcdef"}`,
		`{"webhookUrl":"https://y.example.com/","rotateToken":true,"rotateSecret":true,"enableWebhook":true}`,
		`{"keywords":["#go",true]}`,
		`{"rotateToken":"yes"}`,
		`{"bot":"echo","webhookURL":"https://x.example.com/"}`,
	)
}

func FuzzDecodeTokenRequest(f *testing.F) {
	fuzzDecode[tokenRequest](f, true,
		`{"name":"ci"}`,
		`{"name":"ci","expiresAt":"2030-01-31T12:00:00Z"}`,
		`{"name":"ci","scopes":["all"]}`,
		`{"name":5}`,
	)
}

// FuzzDecodeKinds covers free-form JSON, maps, bounded numbers and custom
// decoders, which request types will use; values are compared by their
// encoding (json.RawMessage keeps the spaces of the body).
func FuzzDecodeKinds(f *testing.F) {
	fuzzDecode[kinds](f, false,
		`{"vars":{"name":"Ada","tags":["a",{"b":null}],"n":1.5},"any":[true,{"x":{}}],"raw":{ "a" : [1, 2] }}`,
		`{"byNum":{"-3":"c"},"count":-7,"small":255,"ratio":0.5,"pair":[4,5],"data":"AQI=","when":"2030-01-31T12:00:00Z","inner":"in"}`,
		`{"nested":[{"a":true},{"b":false}]}`,
		`{"vars":{"a":1,"a":2}}`,
		`{"count":2147483648}`,
		`{"ratio":1e39}`,
		`{"pair":[1,2,3]}`,
		`{"byNum":{"x":"y"}}`,
		`{"data":"!!"}`,
		`{"when":"yesterday"}`,
	)
}

func FuzzDecodeOperatorMessage(f *testing.F) {
	fuzzDecode[operatorMessage](f, false,
		`{"text":"Ana here, let me check.","as":"agent","adminID":7}`,
		`{"rich":{"text":"Pick one","quick_replies":["a","b"]},"as":"bot"}`,
		`{"text":"hi","as":"agent","adminID":"7"}`,
		`{"text":"hi","text":"again"}`,
	)
}

func FuzzDecodeSessionRequest(f *testing.F) {
	fuzzDecode[sessionRequest](f, false,
		`{"vars":{"name":"Kim","plan":null,"n":3}}`,
		`{"vars":{"a":{"b":[1,2,{"c":true}]}}}`,
		`{"vars":{"a":1,"a":2}}`,
		`{"vars":[]}`,
	)
}

func FuzzDecodeTriggerRequest(f *testing.F) {
	fuzzDecode[triggerRequest](f, false,
		`{"block":"menu"}`,
		`{"block":"checkout","vars":{"coupon":"WELCOME"}}`,
		`{"block":7}`,
		`{"Block":"menu"}`,
	)
}

func FuzzDecodeParseRequest(f *testing.F) {
	fuzzDecode[parseRequest](f, true,
		`{"bot":"pizza","text":"I'd like a large pizza"}`,
		`{"bot":"pizza","text":""}`,
		`{"bot":"pizza","text":"hi","lang":"en"}`,
	)
}

func FuzzDecodeFunctionCallRequest(f *testing.F) {
	fuzzDecode[functionCallRequest](f, false,
		`{"params":{"order_id":1234,"detail":"short"}}`,
		`{"conversationId":"conv_4fj2kq7c9x0m1a2b","params":{"order_id":"#1234"}}`,
		`{"params":{"a":{"b":[1,2,{"c":true}]}}}`,
		`{"params":[]}`,
		`{"conversationId":7}`,
		`{"conversationID":"x"}`,
	)
}
