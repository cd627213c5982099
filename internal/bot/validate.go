package bot

import (
	"regexp"

	"go.yaml.in/yaml/v3"
)

// Validation types that an input block accepts in `validate: {type: ...}`.
var validationTypes = []string{"date", "email", "number", "phone", "regex", "text", "time", "url"}

// Validate says what an input block accepts: a typed value, an entity's
// value, or one of a list of options. Exactly one of Type, Entity and
// Options is set.
type Validate struct {
	Type    string   `yaml:"type" enum:"text,number,email,phone,date,time,url,regex" doc:"A typed value."`
	Pattern string   `yaml:"pattern" doc:"The regular expression (Go syntax) the whole answer must match, with type: regex."`
	Entity  string   `yaml:"entity" doc:"A declared or system entity whose value is saved."`
	Options []string `yaml:"options" doc:"The answers accepted (case-insensitive); the option is saved as written here."`
	Min     *float64 `yaml:"min" doc:"The smallest number accepted, with type: number."`
	Max     *float64 `yaml:"max" doc:"The largest number accepted, with type: number."`

	Regexp *regexp.Regexp // compiled Pattern, anchored
	Pos    Pos
}

type validateFields Validate

func (v *Validate) decodeNode(d *decoder, n *yaml.Node) {
	v.Pos = posOf(n)
	d.decodeStruct(n, structValue((*validateFields)(v)), "validate")
	if n.Kind != yaml.MappingNode {
		return
	}
	set := 0
	for _, b := range []bool{v.Type != "", v.Entity != "", v.Options != nil} {
		if b {
			set++
		}
	}
	if set != 1 {
		d.errorf(n, "validate needs exactly one of type, entity or options")
	}
	switch {
	case v.Type == "regex" && v.Pattern == "":
		d.errorf(n, "validate type regex needs a pattern")
	case v.Type != "regex" && v.Pattern != "":
		d.errorf(n, "pattern is only used with type: regex")
	case v.Pattern != "":
		re, err := regexp.Compile(`^(?:` + v.Pattern + `)$`)
		if err != nil {
			d.errorf(n, "pattern does not compile: %v", err)
		}
		v.Regexp = re
	}
	if (v.Min != nil || v.Max != nil) && v.Type != "number" {
		d.errorf(n, "min and max are only used with type: number")
	}
	if v.Entity != "" {
		name, pos := v.Entity, v.Pos
		d.later(func(c *Checker) {
			if !c.HasEntity(name) {
				c.Errorf(pos, "validate uses the entity %q, which is neither declared in entities nor built in%s", name, suggest(name, c.EntityNames()))
			}
		})
	}
}
