package jsbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/confab/confab/internal/flow"
)

// maxBlockID caps the argument of goto; block ids are short.
const maxBlockID = 200

// register gives the VM the host functions the prelude takes (and takes
// off the global object before the script runs). Each checks its
// arguments itself: the script could call it with anything.
func (r *run) register() error {
	for name, fn := range map[string]func([]any) (any, error){
		"__jsbox_context": func([]any) (any, error) { return r.context, nil },
		"__jsbox_say":     r.hostSay,
		"__jsbox_goto":    r.hostGoto,
		"__jsbox_fetch":   r.hostFetch,
		"__jsbox_settled": func([]any) (any, error) {
			r.settled = true
			r.vm.Interrupt() // drop the jobs still queued
			return nil, nil
		},
	} {
		if err := r.vm.RegisterHostFunc(name, fn); err != nil {
			return fmt.Errorf("registering %s: %w", name, err)
		}
	}
	return nil
}

// stop ends the run with a failure from a host function: the VM is
// interrupted, so the script cannot catch it, and the error the host
// function returns is what the script sees if it ever could.
func (r *run) stop(class, msg string) error {
	if r.fatal == nil {
		r.fatal = &failure{class, msg}
	}
	r.vm.Interrupt()
	return errors.New(msg)
}

func stringArgs(name string, args []any, n int) ([]string, error) {
	if len(args) != n {
		return nil, fmt.Errorf("%s takes %d arguments", name, n)
	}
	out := make([]string, n)
	for i, a := range args {
		s, ok := a.(string)
		if !ok {
			return nil, fmt.Errorf("%s: argument %d is not a string", name, i+1)
		}
		out[i] = s
	}
	return out, nil
}

// hostSay takes (text, "") for a text and ("", json) for a rich message.
func (r *run) hostSay(args []any) (any, error) {
	a, err := stringArgs("say", args, 2)
	if err != nil {
		return nil, err
	}
	text, data := a[0], a[1]
	size := len(text) + len(data)
	var tooLarge struct {
		TooLarge int `json:"tooLarge"`
	}
	if strings.HasPrefix(data, `{"tooLarge":`) && json.Unmarshal([]byte(data), &tooLarge) == nil && tooLarge.TooLarge > 0 {
		size = tooLarge.TooLarge
	}
	if r.sayBytes+size > MaxSayBytes {
		return nil, r.stop(ClassOutput, fmt.Sprintf("the script said more than %d KiB", MaxSayBytes>>10))
	}
	if len(r.say) >= MaxSayMessages {
		return nil, r.stop(ClassOutput, fmt.Sprintf("the script said more than %d messages", MaxSayMessages))
	}
	var m flow.Message
	if data == "" {
		if text == "" {
			return nil, errors.New("say: the text is empty")
		}
		m.Text = text
	} else if m, err = decodeMessage([]byte(data)); err != nil {
		return nil, fmt.Errorf("say: %w", err)
	}
	r.sayBytes += size
	r.say = append(r.say, m)
	return nil, nil
}

func (r *run) hostGoto(args []any) (any, error) {
	a, err := stringArgs("goto", args, 1)
	if err != nil {
		return nil, err
	}
	id := a[0]
	if id == "" || len(id) > maxBlockID {
		return nil, fmt.Errorf("goto: %q is not a block id", truncate(id, 40))
	}
	r.gotoBlock = id
	return nil, nil
}

// fetchRequest is a fetch as the prelude writes it.
type fetchRequest struct {
	URL     string      `json:"url"`
	Method  string      `json:"method"`
	Headers [][2]string `json:"headers"`
	Body    *string     `json:"body"`
	JSON    bool        `json:"json"` // the body is an object the prelude wrote as JSON
}

// fetchAnswer is a fetch's answer for the prelude: status, headers and
// body, or error and class.
type fetchAnswer struct {
	Status  int               `json:"status,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body"`
	Error   string            `json:"error,omitempty"`
	Class   string            `json:"class,omitempty"`
}

var fetchMethods = map[string]bool{
	http.MethodGet: true, http.MethodPost: true, http.MethodPut: true, http.MethodPatch: true,
	http.MethodDelete: true, http.MethodHead: true, http.MethodOptions: true,
}

// hostFetch carries out one fetch through the host's executor. It waits
// for the answer: the script's requests run one at a time, bounded by
// what is left of the budget.
func (r *run) hostFetch(args []any) (any, error) {
	a, err := stringArgs("fetch", args, 1)
	if err != nil {
		return nil, err
	}
	r.fetches++
	if r.fetches > MaxFetches {
		return nil, r.stop(ClassFetchLimit, fmt.Sprintf("the script made more than %d fetch requests", MaxFetches))
	}
	var fr fetchRequest
	if err := json.Unmarshal([]byte(a[0]), &fr); err != nil {
		return nil, fmt.Errorf("fetch: %v", err)
	}
	req, err := fr.httpRequest()
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	left := time.Until(r.deadline)
	if left <= 0 {
		return nil, r.stop(r.timedOut().class, r.timedOut().msg)
	}
	req.Timeout = left
	ans := r.answer(req)
	if ans.Error != "" {
		if r.fetchErrs == nil {
			r.fetchErrs = map[string]string{}
		}
		r.fetchErrs[ans.Error] = ans.Class
	}
	data, err := json.Marshal(ans)
	if err != nil {
		return nil, fmt.Errorf("fetch: %v", err)
	}
	return string(data), nil
}

func (fr *fetchRequest) httpRequest() (*flow.HTTPRequest, error) {
	method := strings.ToUpper(fr.Method)
	if !fetchMethods[method] {
		return nil, fmt.Errorf("the method %q is not one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS", truncate(fr.Method, 20))
	}
	if !strings.HasPrefix(fr.URL, "http://") && !strings.HasPrefix(fr.URL, "https://") {
		return nil, fmt.Errorf("the URL %q is not an http or https URL", truncate(fr.URL, 80))
	}
	req := &flow.HTTPRequest{Method: method, URL: fr.URL}
	hasType := false
	for _, h := range fr.Headers {
		if h[0] == "" || strings.ContainsAny(h[0], "\r\n:") || strings.ContainsAny(h[1], "\r\n") {
			return nil, fmt.Errorf("the header %q is not a valid header", truncate(h[0], 40))
		}
		hasType = hasType || strings.EqualFold(h[0], "Content-Type")
		req.Header = append(req.Header, h)
	}
	if fr.Body != nil {
		if len(*fr.Body) > MaxFetchBodyBytes {
			return nil, fmt.Errorf("the body is larger than %d KiB", MaxFetchBodyBytes>>10)
		}
		if method == http.MethodGet || method == http.MethodHead {
			return nil, fmt.Errorf("a %s request cannot have a body", method)
		}
		req.Body = []byte(*fr.Body)
		if fr.JSON && !hasType {
			req.Header = append(req.Header, [2]string{"Content-Type", "application/json"})
		}
	}
	return req, nil
}

// answer asks the host's executor for one fetch.
func (r *run) answer(req *flow.HTTPRequest) fetchAnswer {
	if r.fetch == nil {
		return fetchAnswer{Error: "this host does not make fetch requests", Class: "unsupported"}
	}
	c := &flow.Call{
		ID:    fmt.Sprintf("%s/fetch-%d", r.call.ID, r.fetches),
		Block: r.call.Block,
		Kind:  r.call.Kind,
		HTTP:  req,
	}
	res := r.fetch.Execute(r.ctx, c)
	switch {
	case res == nil:
		return fetchAnswer{Error: "the host answered nothing", Class: ClassInternal}
	case res.Err != "":
		class := res.ErrClass
		if class == "" {
			class = "network"
		}
		return fetchAnswer{Error: res.Err, Class: class}
	case res.HTTP == nil:
		return fetchAnswer{Error: "the host answered without an HTTP response", Class: ClassInternal}
	case len(res.HTTP.Body) > MaxFetchBodyBytes:
		return fetchAnswer{Error: fmt.Sprintf("the answer is larger than %d KiB", MaxFetchBodyBytes>>10), Class: "too_large"}
	}
	h := make(map[string]string, len(res.HTTP.Header))
	for k, v := range res.HTTP.Header {
		h[strings.ToLower(k)] = strings.Join(v, ", ")
	}
	body := res.HTTP.Body
	if !utf8.Valid(body) {
		body = []byte(strings.ToValidUTF8(string(body), "\uFFFD"))
	}
	return fetchAnswer{Status: res.HTTP.Status, Headers: h, Body: string(body)}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
