// The prelude of every run. It is trusted code: it runs first, in the
// script's own VM, takes the host functions off the global object, defines
// what the script sees (vars, input, intent, confidence, entities, user,
// conversation, channel, env, say, goto, fetch), compiles the script as the
// body of an async function and starts it. Its value is the report
// function, which Go calls once the script's promise has settled (or the
// jobs ran out) and which answers with a JSON text.
//
// Nothing here is a security boundary: the script could reach everything
// the prelude holds and gain nothing, since the host functions check every
// argument themselves. The prelude takes care only that a script which
// replaces a built-in (JSON, Promise.prototype.then, Object.keys) cannot
// make its own result be read wrongly.
(function (global) {
  "use strict";
  const hostContext = global.__jsbox_context;
  const hostSay = global.__jsbox_say;
  const hostGoto = global.__jsbox_goto;
  const hostFetch = global.__jsbox_fetch;
  const hostSettled = global.__jsbox_settled;
  delete global.__jsbox_context;
  delete global.__jsbox_say;
  delete global.__jsbox_goto;
  delete global.__jsbox_fetch;
  delete global.__jsbox_settled;

  const parse = JSON.parse;
  const stringify = JSON.stringify;
  const toString = String;
  const keys = Object.keys;
  const isArray = Array.isArray;
  const defineProperty = Object.defineProperty;
  const apply = Reflect.apply;
  const then = Promise.prototype.then;
  const strSlice = String.prototype.slice;
  const strLower = String.prototype.toLowerCase;
  const strMatch = String.prototype.match;
  const AsyncFunction = (async function () {}).constructor;
  const ErrorBase = Error;
  const TypeErr = TypeError;

  const ctx = parse(hostContext());
  const varsLimit = ctx.limits.vars;
  const messageLimit = ctx.limits.message;

  function define(name, value) {
    defineProperty(global, name, { value: value, writable: true, configurable: true, enumerable: false });
  }

  // FetchError is what a failed fetch rejects with: name "FetchError",
  // message, and class (the error class: "blocked", "timeout", ...).
  class FetchError extends ErrorBase {
    constructor(message, errClass) {
      super(message);
      this.name = "FetchError";
      this.class = errClass;
    }
  }

  // Headers is the headers of a fetch answer: names lower-cased.
  class Headers {
    constructor(h) { this._h = h; }
    get(name) {
      const v = this._h[apply(strLower, toString(name), [])];
      return v === undefined ? null : v;
    }
    has(name) { return this.get(name) !== null; }
    keys() { return keys(this._h); }
    entries() {
      const out = [];
      const k = keys(this._h);
      for (let i = 0; i < k.length; i++) out[i] = [k[i], this._h[k[i]]];
      return out;
    }
    toJSON() { return this._h; }
  }

  // Response is the answer to a fetch: status, ok, headers, and the body
  // read with text() or json().
  class Response {
    constructor(r, url) {
      this.status = r.status;
      this.ok = r.status >= 200 && r.status <= 299;
      this.url = url;
      this.headers = new Headers(r.headers);
      this._body = r.body;
    }
    async text() { return this._body; }
    async json() { return parse(this._body); }
  }

  function say(message) {
    if (typeof message === "string") {
      hostSay(message, "");
      return;
    }
    if (typeof message === "number" || typeof message === "boolean" || typeof message === "bigint") {
      hostSay(toString(message), "");
      return;
    }
    if (message === null || typeof message !== "object") {
      throw new TypeErr("say: give a text or a message object, not " + (message === null ? "null" : typeof message));
    }
    const json = stringify(message);
    if (typeof json !== "string") {
      throw new TypeErr("say: the message cannot be written as JSON");
    }
    if (json.length > messageLimit) {
      // Go checks the size in bytes too; this spares it a huge string.
      hostSay("", "{\"tooLarge\":" + json.length + "}");
      return;
    }
    hostSay("", json);
  }

  function gotoBlock(block) {
    if (typeof block !== "string") {
      throw new TypeErr("goto: give a block id (a string), not " + (block === null ? "null" : typeof block));
    }
    hostGoto(block);
  }

  async function fetch(url, options) {
    if (typeof url !== "string") {
      if (url === null || url === undefined) throw new TypeErr("fetch: give a URL");
      url = toString(url);
    }
    const opts = options === undefined || options === null ? {} : options;
    if (typeof opts !== "object") throw new TypeErr("fetch: the options must be an object");
    const req = { url: url, method: "GET", headers: [], body: null, json: false };
    if (opts.method !== undefined) req.method = toString(opts.method);
    const h = opts.headers;
    if (h !== undefined && h !== null) {
      if (h instanceof Headers) {
        const e = h.entries();
        for (let i = 0; i < e.length; i++) req.headers[i] = [e[i][0], toString(e[i][1])];
      } else if (isArray(h)) {
        for (let i = 0; i < h.length; i++) {
          if (!isArray(h[i]) || h[i].length !== 2) throw new TypeErr("fetch: headers as a list must hold [name, value] pairs");
          req.headers[i] = [toString(h[i][0]), toString(h[i][1])];
        }
      } else if (typeof h === "object") {
        const k = keys(h);
        for (let i = 0; i < k.length; i++) req.headers[i] = [k[i], toString(h[k[i]])];
      } else {
        throw new TypeErr("fetch: headers must be an object or a list of [name, value] pairs");
      }
    }
    const b = opts.body;
    if (b !== undefined && b !== null) {
      if (typeof b === "string") {
        req.body = b;
      } else if (typeof b === "object") {
        req.body = stringify(b);
        req.json = true;
      } else {
        req.body = toString(b);
      }
    }
    const answer = parse(hostFetch(stringify(req)));
    if (answer.error !== undefined) throw new FetchError(answer.error, answer.class);
    return new Response(answer, url);
  }

  define("vars", ctx.vars);
  define("input", ctx.input);
  define("intent", ctx.intent);
  define("confidence", ctx.confidence);
  define("entities", ctx.entities);
  define("user", ctx.user);
  define("conversation", ctx.conversation);
  define("channel", ctx.channel);
  define("env", ctx.env);
  define("say", say);
  define("goto", gotoBlock);
  define("fetch", fetch);
  define("Headers", Headers);

  // state: 0 running, 1 returned, 2 threw (error holds what it threw).
  // Once the script's promise settles, hostSettled ends the run: promise
  // jobs still queued are dropped.
  let state = 0;
  let error;
  try {
    const main = new AsyncFunction(ctx.script);
    apply(then, main(), [
      function () { state = 1; hostSettled(); },
      function (e) { state = 2; error = e; hostSettled(); },
    ]);
  } catch (e) {
    state = 2;
    error = e;
  }

  // lineOf finds the script's line in a stack trace: the first frame in
  // the compiled script, less the two lines AsyncFunction puts before it.
  function lineOf(stack) {
    if (typeof stack !== "string") return 0;
    const m = apply(strMatch, stack, [/<input>:(\d+)/]);
    if (m === null) return 0;
    const n = +m[1] - 2;
    return n > 0 ? n : 0;
  }

  function cut(s) {
    return s.length > 500 ? apply(strSlice, s, [0, 500]) + "…" : s;
  }

  // describe turns whatever the script threw into {name, message, line}
  // without trusting it: getters that throw are survived, and getters
  // that loop run into the time limit.
  function describe(e) {
    const out = { name: "", message: "", line: 0, fetchClass: "" };
    if (e === null) {
      out.name = "null";
      return out;
    }
    try {
      const t = typeof e;
      if (t === "object" || t === "function") {
        let name, message, stack;
        try { name = e.name; } catch (_) { name = undefined; }
        try { message = e.message; } catch (_) { message = undefined; }
        try { stack = e.stack; } catch (_) { stack = undefined; }
        if (typeof name === "string") out.name = cut(name);
        if (typeof message === "string") {
          out.message = cut(message);
        } else {
          let json;
          try { json = stringify(e); } catch (_) { json = undefined; }
          out.message = typeof json === "string" ? "the script threw " + cut(json) : "the script threw an object";
        }
        out.line = lineOf(stack);
        if (e instanceof FetchError && typeof e.class === "string") out.fetchClass = cut(e.class);
      } else if (t === "symbol") {
        out.message = "the script threw a symbol";
      } else if (t === "string") {
        out.message = cut(e);
      } else {
        out.message = "the script threw " + cut(toString(e));
      }
    } catch (_) {
      out.message = "the script threw a value that cannot be read";
    }
    return out;
  }

  // report answers Go: {"state": "running"}, {"state": "error", "error":
  // {...}}, {"state": "vars", "error": {...}} when the variables cannot be
  // read back, {"state": "large", "size": n}, or {"state": "ok", "vars":
  // {...}}.
  return function report() {
    if (state === 0) return "{\"state\":\"running\"}";
    if (state === 2) return stringify({ state: "error", error: describe(error) });
    const v = global.vars;
    if (v === null || typeof v !== "object" || isArray(v)) {
      return stringify({ state: "vars", error: { name: "TypeError", message: "vars must be an object, not " + (v === null ? "null" : isArray(v) ? "a list" : typeof v), line: 0 } });
    }
    let json;
    try {
      json = stringify(v);
    } catch (e) {
      return stringify({ state: "vars", error: describe(e) });
    }
    if (typeof json !== "string") {
      return stringify({ state: "vars", error: { name: "TypeError", message: "vars cannot be written as JSON", line: 0 } });
    }
    if (json.length > varsLimit) return "{\"state\":\"large\",\"size\":" + json.length + "}";
    return "{\"state\":\"ok\",\"vars\":" + json + "}";
  };
})(globalThis)
