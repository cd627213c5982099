package expr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Stringify formats a value for a message: nil gives "", a string is kept as
// is, a bool gives true or false, integers and integral floats are written
// without decimals (3.0 gives "3"), other floats in their shortest form
// (0.75, 1e-7), a time.Time in RFC 3339, slices and maps as compact JSON
// with sorted keys, a value with a String method through it, and anything
// else through fmt.Sprint.
func Stringify(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return formatFloat(x, 64)
	case float32:
		return formatFloat(float64(x), 32)
	case time.Time:
		return x.Format(time.RFC3339)
	case []byte:
		return string(x)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return ""
		}
	}
	if _, ok := v.(fmt.Stringer); ok {
		return fmt.Sprint(v)
	}
	switch rv.Kind() {
	case reflect.Bool:
		return strconv.FormatBool(rv.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(rv.Uint(), 10)
	case reflect.Float32:
		return formatFloat(rv.Float(), 32)
	case reflect.Float64:
		return formatFloat(rv.Float(), 64)
	case reflect.String:
		return rv.String()
	case reflect.Slice, reflect.Map:
		if rv.IsNil() {
			if rv.Kind() == reflect.Map {
				return "{}"
			}
			return "[]"
		}
		return toJSON(v)
	case reflect.Array:
		return toJSON(v)
	}
	return fmt.Sprint(v)
}

// toJSON writes v as compact JSON without HTML escaping; encoding/json sorts
// map keys. A value JSON cannot hold (a NaN, a map with non-string keys)
// falls back to fmt.Sprint.
func toJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// formatFloat formats f, a float of the given bit size, as Stringify does.
func formatFloat(f float64, bits int) string {
	var buf [32]byte
	return string(appendFloat(buf[:0], f, bits))
}

// appendFloat appends f the way JavaScript and encoding/json write numbers:
// integral values without decimals, plain notation from 1e-6 to 1e21 and
// exponent notation outside it, always the shortest form that reads back as
// the same value.
func appendFloat(dst []byte, f float64, bits int) []byte {
	if f == 0 {
		return append(dst, '0') // also for -0
	}
	abs := math.Abs(f)
	if abs < 1e-6 || abs >= 1e21 {
		n := len(dst)
		dst = strconv.AppendFloat(dst, f, 'e', -1, bits)
		// Shorten a two-digit exponent as JavaScript does: 1e-07 → 1e-7.
		if m := len(dst); m-n >= 4 && dst[m-4] == 'e' && dst[m-2] == '0' {
			dst[m-2] = dst[m-1]
			dst = dst[:m-1]
		}
		return dst
	}
	return strconv.AppendFloat(dst, f, 'f', -1, bits)
}

// appendValue appends Stringify(v) to b, without allocating for the common
// value types.
func appendValue(b *strings.Builder, v any) {
	var buf [32]byte
	switch x := v.(type) {
	case nil:
	case string:
		b.WriteString(x)
	case int:
		b.Write(strconv.AppendInt(buf[:0], int64(x), 10))
	case int64:
		b.Write(strconv.AppendInt(buf[:0], x, 10))
	case float64:
		b.Write(appendFloat(buf[:0], x, 64))
	case bool:
		b.WriteString(strconv.FormatBool(x))
	default:
		b.WriteString(Stringify(v))
	}
}
