package bot

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Parse reads one bot file's bytes. It returns the bot and every problem
// found (warnings included). The bot is nil when an error makes it unusable;
// callers must not run a bot whose problems HasErrors.
func Parse(file string, data []byte, kinds Kinds) (*Bot, Problems) {
	d := &decoder{file: file, kinds: kinds, lines: strings.Split(string(data), "\n")}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, Problems{syntaxProblem(file, err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		d.errorf(&extra, "a bot file holds one YAML document; this is a second one")
	}
	root := resolve(&doc)
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = resolve(root.Content[0])
	}
	b := &Bot{File: file}
	d.decodeStruct(root, structValue(b), "the bot")
	if root.Kind != yaml.MappingNode {
		d.problems.Sort()
		return nil, d.problems
	}
	check(d, b)
	d.problems.Sort()
	if d.problems.HasErrors() {
		return b, d.problems
	}
	return b, d.problems
}

var yamlLineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// syntaxProblem turns a YAML parser error ("yaml: line 3: mapping values
// are not allowed in this context") into a positioned problem.
func syntaxProblem(file string, err error) Problem {
	msg := err.Error()
	p := Problem{File: file, Severity: Error, Pos: Pos{Line: 1, Col: 1}}
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		fmt.Sscan(m[1], &p.Pos.Line)
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	p.Msg = "YAML syntax error: " + msg
	return p
}

// Load reads and checks one bot file.
func Load(path string, kinds Kinds) (*Bot, Problems, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	b, ps := Parse(path, data, kinds)
	return b, ps, nil
}

// IsBotFile reports whether a path names a bot file: *.yaml or *.yml that
// is not a conversation test (*.test.yaml).
func IsBotFile(path string) bool {
	ext := filepath.Ext(path)
	if ext != ".yaml" && ext != ".yml" {
		return false
	}
	return !strings.HasSuffix(strings.TrimSuffix(path, ext), ".test")
}

// Files expands paths (files or folders, searched recursively) into the bot
// files they hold, sorted. A file named explicitly is taken whatever its
// name.
func Files(paths []string, match func(string) bool) ([]string, error) {
	var out []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if e.IsDir() && path != p && strings.HasPrefix(e.Name(), ".") {
				return filepath.SkipDir
			}
			if !e.IsDir() && match(path) {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(out)
	return out, nil
}

// Set is the bots of a folder, by id.
type Set struct {
	Bots     map[string]*Bot
	Problems Problems
}

// ErrInvalid is returned by LoadSet when a bot has errors.
var ErrInvalid = errors.New("bot files have errors")

// LoadSet loads every bot file under paths, checking that ids are unique.
// Problems of all files are collected; err is ErrInvalid when any is an
// error.
func LoadSet(paths []string, kinds Kinds) (*Set, error) {
	files, err := Files(paths, IsBotFile)
	if err != nil {
		return nil, err
	}
	s := &Set{Bots: map[string]*Bot{}}
	for _, f := range files {
		b, ps, err := Load(f, kinds)
		if err != nil {
			return nil, err
		}
		s.Problems = append(s.Problems, ps...)
		if b == nil || ps.HasErrors() {
			continue
		}
		if other, dup := s.Bots[b.ID]; dup {
			s.Problems = append(s.Problems, Problem{File: f, Severity: Error, Msg: fmt.Sprintf("bot id %q is also used by %s", b.ID, other.File)})
			continue
		}
		s.Bots[b.ID] = b
	}
	if s.Problems.HasErrors() {
		return s, ErrInvalid
	}
	return s, nil
}
