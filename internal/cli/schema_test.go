package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestSchemaPrintsTheJSONSchema(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	if code := Main([]string{"schema"}, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	var doc struct {
		Schema string                     `json:"$schema"`
		Defs   map[string]json.RawMessage `json:"$defs"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("confab schema printed no JSON: %v\n%s", err, out.String())
	}
	if doc.Schema != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %q", doc.Schema)
	}
	if _, ok := doc.Defs["block_message"]; !ok {
		t.Error("the schema has no $defs/block_message")
	}
	if !strings.HasSuffix(out.String(), "}\n") {
		t.Error("the output does not end with a newline")
	}
}

func TestSchemaTakesNoArguments(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	if code := Main([]string{"schema", "extra"}, strings.NewReader(""), &out, &errOut); code == 0 {
		t.Errorf("confab schema extra exited 0")
	}
}
