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
  const arrayLimit = ctx.limits.array;

  const ObjectOf = Object;
  const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  const getPrototypeOf = Object.getPrototypeOf;
  const RangeErr = RangeError;
  const BoxedNumber = Number;
  const BoxedString = String;
  const BoxedBoolean = Boolean;
  const isConcatSpreadable = Symbol.isConcatSpreadable;

  // The engine checks the time only when JavaScript runs or calls a
  // function. A few built-ins loop without doing either: the Array
  // methods over the holes of a sparse array (or over an array-like
  // object) whose length is huge, the default comparison of sort, and
  // JSON.stringify over a sparse array. Left alone, [].indexOf.call({length:
  // 2**53-1}, 1) would run for days whatever the time-out. So those
  // methods refuse to work on more than arrayLimit elements, the length
  // they see is one the script cannot change under them (Proxy is gone,
  // and a length getter is refused), the default comparisons are written
  // in JavaScript, and concat, flat and flatMap are written in JavaScript.
  delete global.Proxy;

  function define(name, value) {
    defineProperty(global, name, { value: value, writable: true, configurable: true, enumerable: false });
  }

  function defineIndex(target, i, value) {
    defineProperty(target, i, { value: value, writable: true, enumerable: true, configurable: true });
  }

  function tooLong(what, n) {
    return new RangeErr(what + ": the sandbox handles at most " + arrayLimit + " elements, not " + n);
  }

  // lengthOf returns the length a built-in will read from o, checked
  // against arrayLimit. The length must be a number held in a data
  // property (own or inherited): a getter, or an object with valueOf,
  // could answer differently when the built-in reads it again.
  function lengthOf(what, o) {
    if (o === null || o === undefined) throw new TypeErr(what + " called on " + o);
    if (typeof o === "string") {
      if (o.length > arrayLimit) throw tooLong(what, o.length);
      return o.length;
    }
    for (let p = ObjectOf(o); p !== null; p = getPrototypeOf(p)) {
      const d = getOwnPropertyDescriptor(p, "length");
      if (d === undefined) continue;
      if (!("value" in d)) throw new TypeErr(what + ": the sandbox does not read a length through a getter");
      const v = d.value;
      if (v === undefined) return 0;
      if (typeof v !== "number") throw new TypeErr(what + ": the length must be a number");
      const n = v > 0 ? (v === Infinity ? 2 ** 53 - 1 : v - (v % 1)) : 0;
      if (n > arrayLimit) throw tooLong(what, n);
      return n;
    }
    return 0;
  }

  function wrap(proto, name, body) {
    const native = proto[name];
    if (typeof native !== "function") return;
    const f = body(native);
    defineProperty(f, "name", { value: name, configurable: true });
    defineProperty(f, "length", { value: native.length, configurable: true });
    defineProperty(proto, name, { value: f, writable: true, enumerable: false, configurable: true });
  }

  function compareAsStrings(x, y) {
    const a = toString(x);
    const b = toString(y);
    return a < b ? -1 : (a > b ? 1 : 0);
  }

  function compareNumbers(x, y) {
    if (x !== x) return y !== y ? 0 : 1;
    if (y !== y) return -1;
    if (x < y) return -1;
    if (x > y) return 1;
    if (typeof x === "number" && x === 0 && y === 0) {
      const nx = 1 / x < 0;
      const ny = 1 / y < 0;
      return nx === ny ? 0 : (nx ? -1 : 1);
    }
    return 0;
  }

  const ArrayProto = Array.prototype;
  const guarded = ["copyWithin", "every", "fill", "filter", "find", "findIndex", "findLast", "findLastIndex",
    "forEach", "includes", "indexOf", "join", "lastIndexOf", "map", "reduce", "reduceRight", "reverse",
    "shift", "slice", "some", "splice", "toLocaleString", "toReversed", "toSpliced", "unshift", "with"];
  for (let i = 0; i < guarded.length; i++) {
    const name = guarded[i];
    wrap(ArrayProto, name, (native) => function () {
      lengthOf("Array.prototype." + name, this);
      return apply(native, this, arguments);
    });
  }
  for (const name of ["sort", "toSorted"]) {
    wrap(ArrayProto, name, (native) => function (compare) {
      lengthOf("Array.prototype." + name, this);
      return apply(native, this, [compare === undefined ? compareAsStrings : compare]);
    });
  }
  const TypedArrayProto = getPrototypeOf(Uint8Array.prototype);
  for (const name of ["sort", "toSorted"]) {
    wrap(TypedArrayProto, name, (native) => function (compare) {
      return apply(native, this, [compare === undefined ? compareNumbers : compare]);
    });
  }
  const isView = ArrayBuffer.isView;
  wrap(TypedArrayProto, "set", (native) => function (source) {
    if (!isView(source)) lengthOf("TypedArray.prototype.set", source);
    return apply(native, this, arguments);
  });

  // flatten is FlattenIntoArray of the standard, in JavaScript.
  function flatten(what, target, source, sourceLen, start, depth, mapper, thisArg) {
    let at = start;
    for (let i = 0; i < sourceLen; i++) {
      if (!(i in source)) continue;
      let el = source[i];
      if (mapper !== undefined) el = apply(mapper, thisArg, [el, i, source]);
      if (depth > 0 && isArray(el)) {
        at = flatten(what, target, el, lengthOf(what, el), at, depth - 1);
      } else {
        if (at >= arrayLimit) throw tooLong(what, at + 1);
        defineIndex(target, at, el);
        at++;
      }
    }
    return at;
  }
  wrap(ArrayProto, "flat", () => function () {
    const len = lengthOf("Array.prototype.flat", this);
    const o = ObjectOf(this);
    const d = arguments[0] === undefined ? 1 : +arguments[0];
    const out = [];
    flatten("Array.prototype.flat", out, o, len, 0, d !== d ? 0 : d);
    return out;
  });
  wrap(ArrayProto, "flatMap", () => function (mapper, thisArg) {
    const len = lengthOf("Array.prototype.flatMap", this);
    const o = ObjectOf(this);
    if (typeof mapper !== "function") throw new TypeErr("Array.prototype.flatMap: the mapper is not a function");
    const out = [];
    flatten("Array.prototype.flatMap", out, o, len, 0, 1, mapper, thisArg);
    return out;
  });
  wrap(ArrayProto, "concat", () => function () {
    lengthOf("Array.prototype.concat", this);
    const out = [];
    let n = 0;
    for (let a = -1; a < arguments.length; a++) {
      const e = a < 0 ? ObjectOf(this) : arguments[a];
      let spread = false;
      if (e !== null && (typeof e === "object" || typeof e === "function")) {
        const s = e[isConcatSpreadable];
        spread = s !== undefined ? !!s : isArray(e);
      }
      if (spread) {
        const len = lengthOf("Array.prototype.concat", e);
        if (n + len > arrayLimit) throw tooLong("Array.prototype.concat", n + len);
        for (let k = 0; k < len; k++, n++) {
          if (k in e) defineIndex(out, n, e[k]);
        }
      } else {
        if (n >= arrayLimit) throw tooLong("Array.prototype.concat", n + 1);
        defineIndex(out, n, e);
        n++;
      }
    }
    out.length = n;
    return out;
  });

  // The JSON.stringify the script sees (and the read-back uses) refuses
  // arrays longer than arrayLimit: its replacer runs for every value, in
  // JavaScript, so the time limit holds all along.
  function checkJSONValue(v) {
    if (isArray(v) && v.length > arrayLimit) throw tooLong("JSON.stringify", v.length);
  }
  function isBoxed(v) {
    return v instanceof BoxedNumber || v instanceof BoxedString || v instanceof BoxedBoolean;
  }
  function guardedStringify(value, replacer, space) {
    let fn;
    if (typeof replacer === "function") {
      fn = function (k, v) {
        const r = apply(replacer, this, [k, v]);
        checkJSONValue(r);
        return r;
      };
    } else if (isArray(replacer)) {
      const names = [];
      const len = lengthOf("JSON.stringify", replacer);
      for (let i = 0; i < len; i++) {
        const x = replacer[i];
        let name;
        if (typeof x === "string") name = x;
        else if (typeof x === "number" || isBoxed(x)) name = toString(x);
        else continue;
        let dup = false;
        for (let j = 0; j < names.length; j++) if (names[j] === name) dup = true;
        if (!dup) names[names.length] = name;
      }
      fn = function (k, v) {
        checkJSONValue(v);
        if (v === null || typeof v !== "object" || isArray(v) || isBoxed(v)) return v;
        const o = {};
        for (let i = 0; i < names.length; i++) {
          const x = v[names[i]];
          if (x !== undefined) defineProperty(o, names[i], { value: x, writable: true, enumerable: true, configurable: true });
        }
        return o;
      };
    } else {
      fn = function (k, v) {
        checkJSONValue(v);
        return v;
      };
    }
    return stringify(value, fn, space);
  }
  defineProperty(guardedStringify, "name", { value: "stringify", configurable: true });
  defineProperty(JSON, "stringify", { value: guardedStringify, writable: true, enumerable: false, configurable: true });

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
    const json = guardedStringify(message);
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
        req.body = guardedStringify(b);
        req.json = true;
      } else {
        req.body = toString(b);
      }
    }
    const answer = parse(hostFetch(guardedStringify(req)));
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
          try { json = guardedStringify(e); } catch (_) { json = undefined; }
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
    if (state === 2) return guardedStringify({ state: "error", error: describe(error) });
    const v = global.vars;
    if (v === null || typeof v !== "object" || isArray(v)) {
      return guardedStringify({ state: "vars", error: { name: "TypeError", message: "vars must be an object, not " + (v === null ? "null" : isArray(v) ? "a list" : typeof v), line: 0 } });
    }
    let json;
    try {
      json = guardedStringify(v);
    } catch (e) {
      return guardedStringify({ state: "vars", error: describe(e) });
    }
    if (typeof json !== "string") {
      return guardedStringify({ state: "vars", error: { name: "TypeError", message: "vars cannot be written as JSON", line: 0 } });
    }
    if (json.length > varsLimit) return "{\"state\":\"large\",\"size\":" + json.length + "}";
    return "{\"state\":\"ok\",\"vars\":" + json + "}";
  };
})(globalThis)
