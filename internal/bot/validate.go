package bot

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"

	"go.yaml.in/yaml/v3"
)

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
	var has []string
	for _, f := range []struct {
		name string
		set  bool
	}{{"type", v.Type != ""}, {"entity", v.Entity != ""}, {"options", v.Options != nil}} {
		if f.set {
			has = append(has, f.name)
		}
	}
	switch len(has) {
	case 0:
		d.errorf(n, "validate needs one of type, entity or options")
	case 1:
	default:
		d.errorf(n, "validate has %s; give only one of type, entity or options", andList(has))
	}
	switch {
	case v.Type == "regex" && v.Pattern == "":
		d.errorf(n, "validate type regex needs a pattern")
	case v.Type != "regex" && v.Pattern != "":
		d.errorf(valueOf(n, "pattern"), "pattern is only used with type: regex")
	case v.Pattern != "":
		_, err := regexp.Compile(v.Pattern) // for a message about the pattern as written
		if err == nil {
			v.Regexp, err = regexp.Compile(`^(?:` + v.Pattern + `)$`)
		}
		if err != nil {
			d.errorf(valueOf(n, "pattern"), "the pattern does not compile: %s", regexpError(err))
		}
	}
	if (v.Min != nil || v.Max != nil) && v.Type != "number" {
		d.errorf(n, "min and max are only used with type: number")
	}
	if v.Entity != "" {
		name, pos := v.Entity, posOf(valueOf(n, "entity"))
		d.later(func(c *Checker) {
			if !c.HasEntity(name) {
				c.Errorf(pos, "validate uses the entity %q, which is neither declared in entities nor built in%s", name, suggest(name, c.EntityNames()))
			}
		})
	}
}

// regexpError says what is wrong with a regular expression, without the
// "error parsing regexp" that the regexp package puts first.
func regexpError(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		return fmt.Sprintf("%s in `%s`", se.Code, se.Expr)
	}
	return err.Error()
}
