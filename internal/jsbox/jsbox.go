package jsbox

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"modernc.org/quickjs"

	"github.com/confab/confab/internal/flow"
)

// Limits of a run.
const (
	// DefaultTimeout is the budget of a request without one; MaxTimeout is
	// the most a request may ask for (more is cut to it).
	DefaultTimeout = time.Second
	MaxTimeout     = 10 * time.Second
	// DefaultMemoryLimit caps a run's heap when Config.MemoryLimit is zero.
	DefaultMemoryLimit = 32 << 20
	// StackSlots caps the call depth: about one slot per JavaScript call
	// frame (QuickJS's own default is 5,000).
	StackSlots = 2000
	// MaxSayBytes caps what one run says: the bytes of its texts, and of
	// its rich messages written as JSON. MaxSayMessages caps their number.
	MaxSayBytes    = 64 << 10
	MaxSayMessages = 25
	// MaxVarsBytes caps the variables after a run, written as JSON.
	MaxVarsBytes = 256 << 10
	// MaxFetches is how many fetch requests one run may make.
	MaxFetches = 5
	// MaxFetchBodyBytes caps the body of a fetch request and of its answer.
	MaxFetchBodyBytes = 1 << 20
	// MaxArrayLength is the longest array (or array-like object, or
	// string) the Array methods, TypedArray.prototype.set and
	// JSON.stringify work on: QuickJS runs some of them without checking
	// the time (see prelude.js).
	MaxArrayLength = 1 << 18
	// DefaultMaxRuns is how many scripts a Box made by New runs at once
	// when Config.MaxRuns is zero.
	DefaultMaxRuns = 8
	// abandonAfter is how long past its budget Run waits for a script
	// stuck in a built-in function that does not check the time. Then it
	// answers with a time-out and lets the script finish on its own; the
	// script keeps its slot until it does.
	abandonAfter = 100 * time.Millisecond
)

// Error classes of a failed run (CallResult.ErrClass). A fetch that fails
// and that the script does not catch ends the run with the fetch's own
// class: "blocked" for an address the safe client refuses, "timeout",
// "dns", "refused", "network", "too_large", or what the host's executor
// answered.
const (
	ClassTimeout    = "timeout"     // the budget ran out
	ClassMemory     = "memory"      // the heap limit was reached
	ClassStack      = "stack"       // the call depth limit was reached
	ClassOutput     = "output"      // too much said, or variables too large
	ClassException  = "exception"   // the script threw, or cannot end
	ClassFetchLimit = "fetch_limit" // more than MaxFetches requests
	ClassCanceled   = "canceled"    // the caller's context was canceled
	ClassBusy       = "busy"        // no free slot within the budget
	ClassInternal   = "internal"    // the sandbox itself failed
)

// Config configures a Box. The zero Config is valid.
type Config struct {
	// MemoryLimit caps each run's heap, in bytes. Zero means
	// DefaultMemoryLimit; QuickJS does not honour less than 128 KiB.
	MemoryLimit int64
	// MaxRuns caps the scripts the Box runs at once; a run waits for a
	// free slot at most its own budget (then fails with ClassBusy). Zero
	// means DefaultMaxRuns; negative means no cap.
	MaxRuns int
}

// Box runs the scripts of code calls. It is safe for concurrent use. A nil
// *Box runs scripts with the default limits and no cap on concurrent runs;
// New makes one from a Config.
type Box struct {
	cfg   Config
	slots chan struct{} // nil: no cap
}

// New returns a Box for cfg.
func New(cfg Config) *Box {
	b := &Box{cfg: cfg}
	n := cfg.MaxRuns
	if n == 0 {
		n = DefaultMaxRuns
	}
	if n > 0 {
		b.slots = make(chan struct{}, n)
	}
	return b
}

// Run runs the script of a code call and answers with what it did, or
// with an error and its class. The script's fetch requests go to fetch,
// each as a Call with an HTTPRequest, the ID of the code call followed by
// "/fetch-N" (so it stays the same when the step is retried), and the code
// call's Block and Kind; a nil fetch makes every fetch fail with the class
// "unsupported".
//
// Run never takes longer than the budget (the request's Timeout,
// DefaultTimeout when zero, MaxTimeout at most), plus the wait for a free
// slot (at most the budget again) and the time to free the runtime. A call
// that is not a code call fails with the class "unsupported".
func (b *Box) Run(ctx context.Context, c *flow.Call, fetch flow.Executor) *flow.CallResult {
	start := time.Now()
	if c == nil || c.Code == nil {
		return &flow.CallResult{Err: "jsbox runs code calls only", ErrClass: "unsupported"}
	}
	budget := c.Code.Timeout
	if budget <= 0 {
		budget = DefaultTimeout
	}
	budget = min(budget, MaxTimeout)
	release := func() {}
	if b != nil && b.slots != nil {
		wait := time.NewTimer(budget)
		select {
		case b.slots <- struct{}{}:
			wait.Stop()
			release = func() { <-b.slots }
		case <-wait.C:
			return &flow.CallResult{Err: fmt.Sprintf("no free slot to run the script within %s", budget), ErrClass: ClassBusy, Latency: time.Since(start)}
		case <-ctx.Done():
			wait.Stop()
			return &flow.CallResult{Err: "canceled before the script ran", ErrClass: ClassCanceled, Latency: time.Since(start)}
		}
	}
	var memory int64
	if b != nil {
		memory = b.cfg.MemoryLimit
	}
	if memory <= 0 {
		memory = DefaultMemoryLimit
	}
	done := make(chan *flow.CallResult, 1)
	go func() {
		defer release()
		runScript(ctx, c, budget, memory, fetch, done)
	}()
	hard := time.NewTimer(budget + abandonAfter)
	defer hard.Stop()
	var res *flow.CallResult
	select {
	case res = <-done:
	case <-hard.C:
		res = &flow.CallResult{Err: fmt.Sprintf("the script ran longer than %s (in a built-in function that does not check the time)", budget), ErrClass: ClassTimeout}
	}
	res.Latency = time.Since(start)
	return res
}

//go:embed prelude.js
var prelude string

// preludeCode is the prelude compiled to bytecode once per process: a run
// then loads it instead of parsing it, which is most of what a fresh
// runtime would otherwise cost.
var preludeCode = sync.OnceValues(func() ([]byte, error) {
	vm, err := quickjs.NewVM()
	if err != nil {
		return nil, err
	}
	defer vm.Close()
	return vm.Compile(prelude, quickjs.EvalGlobal)
})

// failure is a classified error of a run.
type failure struct {
	class, msg string
}

// run is one script running.
type run struct {
	ctx      context.Context
	call     *flow.Call
	fetch    flow.Executor
	memory   int64 // the heap limit, in bytes
	budget   time.Duration
	deadline time.Time
	vm       *quickjs.VM

	context   string // the JSON the prelude reads
	say       []flow.Message
	sayBytes  int
	gotoBlock string
	fetches   int
	fetchErrs map[string]string // message → class of the fetch errors handed to the script
	settled   bool              // the script's promise settled
	fatal     *failure          // a limit a host function enforced
}

// runScript runs one script and sends its result to done; the runtime is
// freed after the result is sent, so that the caller need not wait for it.
func runScript(ctx context.Context, c *flow.Call, budget time.Duration, memory int64, fetch flow.Executor, done chan<- *flow.CallResult) {
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	r := &run{ctx: ctx, call: c, fetch: fetch, memory: memory, budget: budget}
	r.deadline, _ = ctx.Deadline()
	defer func() {
		if r.vm != nil {
			r.vm.Close()
		}
	}()
	res, f := r.run()
	if f != nil {
		done <- &flow.CallResult{Err: f.msg, ErrClass: f.class}
		return
	}
	done <- &flow.CallResult{Code: res}
}

func (r *run) run() (*flow.CodeResult, *failure) {
	req := r.call.Code
	ctxJSON, err := contextJSON(req)
	if err != nil {
		return nil, &failure{ClassInternal, err.Error()}
	}
	r.context = ctxJSON
	vm, err := quickjs.NewVM()
	if err != nil {
		return nil, &failure{ClassInternal, "cannot start a JavaScript runtime: " + err.Error()}
	}
	r.vm = vm // closed by runScript
	vm.SetMemoryLimit(uintptr(r.memory))
	vm.SetMaxStackSize(StackSlots)
	vm.SetCanBlock(false)
	stop := context.AfterFunc(r.ctx, vm.Interrupt)
	defer stop()
	if err := r.register(); err != nil {
		return nil, &failure{ClassInternal, err.Error()}
	}

	if f := r.arm(); f != nil {
		return nil, f
	}
	code, err := preludeCode()
	if err != nil {
		return nil, &failure{ClassInternal, "compiling the prelude: " + err.Error()}
	}
	report, err := vm.EvalBytecodeValue(code)
	if err != nil {
		return nil, r.failed(err)
	}
	defer report.Free()
	for !r.settled {
		if f := r.arm(); f != nil {
			return nil, f
		}
		n, err := vm.ExecutePendingJobs()
		if r.settled {
			break
		}
		if err != nil {
			return nil, r.failed(err)
		}
		if n == 0 {
			break // nothing left that could settle the script
		}
	}
	if f := r.arm(); f != nil {
		return nil, f
	}
	out, err := report.Call(quickjs.UndefinedValue)
	if err != nil {
		return nil, r.failed(err)
	}
	if f := r.over(); f != nil {
		return nil, f
	}
	text, ok := out.(string)
	if !ok {
		return nil, &failure{ClassInternal, fmt.Sprintf("the prelude reported %T", out)}
	}
	vars, f := r.result(text)
	if f != nil {
		return nil, f
	}
	return &flow.CodeResult{Vars: vars, Say: r.say, Goto: r.gotoBlock}, nil
}

// arm reports a failure when the run is over (a limit, the deadline, the
// caller's cancel); else it sets the VM's eval time-out to what is left of
// the budget, for the call into JavaScript that follows. The VM re-arms
// its time-out, and forgets a pending Interrupt, at every such call.
func (r *run) arm() *failure {
	if f := r.over(); f != nil {
		return f
	}
	left := time.Until(r.deadline)
	if left <= 0 {
		return r.timedOut()
	}
	r.vm.SetEvalTimeout(left)
	return nil
}

// over reports the failure that ended the run from outside the script,
// if any: a limit a host function enforced, the deadline, a cancel.
func (r *run) over() *failure {
	switch {
	case r.fatal != nil:
		return r.fatal
	case r.ctx.Err() != nil:
		return r.timedOut()
	}
	return nil
}

func (r *run) timedOut() *failure {
	if r.ctx.Err() == context.Canceled {
		return &failure{ClassCanceled, "the script was canceled"}
	}
	return &failure{ClassTimeout, fmt.Sprintf("the script ran longer than %s", r.budget)}
}

// failed classifies an error of a call into JavaScript.
func (r *run) failed(err error) *failure {
	if f := r.over(); f != nil {
		return f
	}
	var je *quickjs.Error
	if errors.As(err, &je) {
		return r.classify(jsError{Name: je.Name, Message: je.Message})
	}
	if err.Error() == "null" {
		return r.classify(jsError{Name: "null"})
	}
	return &failure{ClassInternal, err.Error()}
}

// jsError is a thrown value as the prelude describes it.
type jsError struct {
	Name       string `json:"name"`
	Message    string `json:"message"`
	Line       int    `json:"line"`
	FetchClass string `json:"fetchClass"`
}

// classify turns what the script threw (or the engine threw at it) into a
// failure.
func (r *run) classify(e jsError) *failure {
	if f := r.over(); f != nil {
		return f
	}
	switch {
	case e.Name == "null":
		// QuickJS throws null when it runs out of memory while it makes
		// the out-of-memory error itself.
		return &failure{ClassMemory, fmt.Sprintf("the script ran out of memory (the limit is %s), or threw null", mib(r.memory))}
	case e.Name == "InternalError" && (e.Message == "out of memory" || e.Message == "string too long"),
		e.Name == "RangeError" && e.Message == "BigInt is too large to allocate":
		return &failure{ClassMemory, fmt.Sprintf("the script ran out of memory (the limit is %s)", mib(r.memory))}
	case (e.Name == "InternalError" || e.Name == "SyntaxError" || e.Name == "RangeError") && e.Message == "stack overflow":
		return &failure{ClassStack, "the script nested calls too deeply (stack overflow)"}
	case e.Name == "InternalError" && e.Message == "interrupted":
		return r.timedOut()
	case e.Name == "FetchError" && e.FetchClass != "" && r.fetchErrs[e.Message] == e.FetchClass:
		return &failure{e.FetchClass, "fetch: " + e.Message}
	}
	msg := e.Message
	if e.Name != "" {
		msg = e.Name + ": " + msg
	}
	if e.Line > 0 {
		msg = fmt.Sprintf("%s (line %d)", msg, e.Line)
	}
	return &failure{ClassException, msg}
}

func mib(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// report is what the prelude's report function answers.
type report struct {
	State string          `json:"state"`
	Error *jsError        `json:"error"`
	Size  int             `json:"size"`
	Vars  json.RawMessage `json:"vars"`
}

// result reads the prelude's report into the variables after the run.
func (r *run) result(text string) (map[string]any, *failure) {
	var rep report
	if err := json.Unmarshal([]byte(text), &rep); err != nil {
		return nil, &failure{ClassInternal, "the prelude's report does not read: " + err.Error()}
	}
	switch rep.State {
	case "running":
		return nil, &failure{ClassException, "the script waits for a promise that nothing will settle"}
	case "error":
		return nil, r.classify(*rep.Error)
	case "vars":
		f := r.classify(*rep.Error)
		if f.class == ClassException {
			f.msg = "reading vars back: " + f.msg
		}
		return nil, f
	case "large":
		return nil, varsTooLarge(rep.Size)
	case "ok":
	default:
		return nil, &failure{ClassInternal, "the prelude reported the state " + rep.State}
	}
	if len(rep.Vars) > MaxVarsBytes {
		return nil, varsTooLarge(len(rep.Vars))
	}
	var vars map[string]any
	if err := json.Unmarshal(rep.Vars, &vars); err != nil || vars == nil {
		return nil, &failure{ClassException, "vars must be written as a JSON object (does it have a toJSON method?)"}
	}
	// A variable that comes back as it went in keeps its Go value (an
	// integer stays an integer), so that only real changes are changes.
	for k, v := range vars {
		if old, ok := r.call.Code.Vars[k]; ok && sameJSON(old, v) {
			vars[k] = old
		}
	}
	return vars, nil
}

func varsTooLarge(n int) *failure {
	return &failure{ClassOutput, fmt.Sprintf("vars take %d bytes as JSON; the most is %d", n, MaxVarsBytes)}
}

// sameJSON reports whether a and b are written as the same JSON.
func sameJSON(a, b any) bool {
	ja, err := json.Marshal(a)
	if err != nil {
		return false
	}
	jb, err := json.Marshal(b)
	return err == nil && string(ja) == string(jb)
}

// contextJSON is what the script sees, for the prelude.
func contextJSON(req *flow.CodeRequest) (string, error) {
	data, err := json.Marshal(map[string]any{
		"script":       req.Script,
		"vars":         orEmpty(req.Vars),
		"input":        req.Input.Text,
		"intent":       req.Input.Intent,
		"confidence":   req.Input.Confidence,
		"entities":     orEmpty(req.Input.Entities),
		"user":         orEmpty(req.User),
		"conversation": orEmpty(req.Conversation),
		"channel":      req.Channel,
		"env":          orEmpty(req.Env),
		"limits":       map[string]int{"vars": MaxVarsBytes, "message": MaxSayBytes, "array": MaxArrayLength},
	})
	if err != nil {
		return "", fmt.Errorf("the variables cannot be written as JSON: %w", err)
	}
	return string(data), nil
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
