package overrideclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"flyteoverride/goclient/gen/corepb"
	"google.golang.org/protobuf/reflect/protoreflect"
	"gopkg.in/yaml.v3"
)

// yamlHook is one hook of a YAML override map, as the proto3 JSON value
// protojson reads.
type yamlHook struct {
	name  string
	line  int
	value interface{}
}

// yamlOverrideMap turns a YAML override map into proto3 JSON values, guided by
// the message types: a scalar where a string belongs is that string as
// written (`value: 2` is the quantity "2", `cacheVersion: 2.1` the version
// "2.1"), as the service's own YAML reader does; free-form config
// (taskConfig) keeps YAML's types. Problems are reported with their line, all
// together.
func yamlOverrideMap(text string) ([]yamlHook, error) {
	decoder := yaml.NewDecoder(strings.NewReader(text))
	var doc yaml.Node
	if err := decoder.Decode(&doc); err == io.EOF {
		return nil, nil // only comments: an empty map
	} else if err != nil {
		return nil, fmt.Errorf("YAML: %v", err)
	}
	var second yaml.Node
	if err := decoder.Decode(&second); err != io.EOF {
		if err != nil {
			return nil, fmt.Errorf("YAML: %v", err)
		}
		return nil, errors.New("YAML: a second document; an override map is one document")
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	c := &yamlConverter{}
	hooks := c.hookMap(root)
	if len(c.problems) > 0 {
		return nil, errors.New(strings.Join(c.problems, "; "))
	}
	return hooks, nil
}

type yamlConverter struct {
	problems []string
}

func (c *yamlConverter) fail(n *yaml.Node, path, format string, args ...interface{}) {
	where := fmt.Sprintf("YAML line %d", n.Line)
	if path != "" {
		where += ": " + path
	}
	c.problems = append(c.problems, where+": "+fmt.Sprintf(format, args...))
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// usable reports whether n can be converted at all: aliases are refused
// rather than expanded, so a small document cannot grow into a huge one.
func (c *yamlConverter) usable(n *yaml.Node, path string) bool {
	if n.Kind == yaml.AliasNode {
		c.fail(n, path, "YAML aliases are not accepted; write the value out")
		return false
	}
	return true
}

// hookMap converts the document: hook name -> TaskNodeOverrides.
func (c *yamlConverter) hookMap(n *yaml.Node) []yamlHook {
	if !c.usable(n, "") || isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		c.fail(n, "", "an override map is a mapping {hook: overrides}")
		return nil
	}
	overrides := (&corepb.TaskNodeOverrides{}).ProtoReflect().Descriptor()
	var hooks []yamlHook
	c.pairs(n, "", func(key string, keyNode, value *yaml.Node) {
		hooks = append(hooks, yamlHook{name: key, line: keyNode.Line, value: c.message(value, overrides, key)})
	})
	return hooks
}

// pairs calls f for each key of a mapping, refusing keys given twice.
func (c *yamlConverter) pairs(n *yaml.Node, path string, f func(key string, keyNode, value *yaml.Node)) {
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		keyNode, value := n.Content[i], n.Content[i+1]
		if keyNode.Kind != yaml.ScalarNode {
			c.fail(keyNode, path, "a key must be a plain string")
			continue
		}
		key := keyNode.Value
		if line, dup := seen[key]; dup {
			c.fail(keyNode, join(path, key), "given twice (first on line %d)", line)
			continue
		}
		seen[key] = keyNode.Line
		f(key, keyNode, value)
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (c *yamlConverter) message(n *yaml.Node, md protoreflect.MessageDescriptor, path string) interface{} {
	if !c.usable(n, path) || isNull(n) {
		return nil
	}
	switch md.FullName() {
	case "google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue":
		return c.freeForm(n, path)
	}
	if n.Kind != yaml.MappingNode {
		c.fail(n, path, "want a mapping (%s)", md.Name())
		return nil
	}
	out := map[string]interface{}{}
	given := map[protoreflect.FieldNumber]string{}
	c.pairs(n, path, func(key string, keyNode, value *yaml.Node) {
		fd := md.Fields().ByJSONName(key)
		if fd == nil {
			fd = md.Fields().ByName(protoreflect.Name(key))
		}
		if fd == nil {
			c.fail(keyNode, path, "unknown field %q in %s", key, md.Name())
			return
		}
		if other, dup := given[fd.Number()]; dup {
			c.fail(keyNode, join(path, key), "the same field as %q", other)
			return
		}
		given[fd.Number()] = key
		out[fd.JSONName()] = c.field(value, fd, join(path, key))
	})
	return out
}

func (c *yamlConverter) field(n *yaml.Node, fd protoreflect.FieldDescriptor, path string) interface{} {
	if !c.usable(n, path) || isNull(n) {
		return nil
	}
	switch {
	case fd.IsMap():
		if n.Kind != yaml.MappingNode {
			c.fail(n, path, "want a mapping")
			return nil
		}
		out := map[string]interface{}{}
		c.pairs(n, path, func(key string, _, value *yaml.Node) {
			out[key] = c.single(value, fd.MapValue(), join(path, key))
		})
		return out
	case fd.IsList():
		if n.Kind != yaml.SequenceNode {
			c.fail(n, path, "want a list")
			return nil
		}
		out := make([]interface{}, 0, len(n.Content))
		for i, item := range n.Content {
			out = append(out, c.single(item, fd, fmt.Sprintf("%s[%d]", path, i)))
		}
		return out
	}
	return c.single(n, fd, path)
}

// single converts one value of fd's kind (an element, for lists and maps).
func (c *yamlConverter) single(n *yaml.Node, fd protoreflect.FieldDescriptor, path string) interface{} {
	if !c.usable(n, path) || isNull(n) {
		return nil
	}
	if fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.GroupKind {
		return c.message(n, fd.Message(), path)
	}
	if n.Kind != yaml.ScalarNode {
		c.fail(n, path, "want a single value, not a mapping or a list")
		return nil
	}
	switch fd.Kind() {
	case protoreflect.StringKind, protoreflect.BytesKind:
		return n.Value
	case protoreflect.EnumKind:
		if fd.Enum().Values().ByName(protoreflect.Name(n.Value)) == nil {
			c.fail(n, path, "%q is not a %s", n.Value, fd.Enum().Name())
			return nil
		}
		return n.Value
	case protoreflect.BoolKind:
		var b bool
		if n.Tag != "!!bool" || n.Decode(&b) != nil {
			c.fail(n, path, "want true or false, got %q", n.Value)
			return nil
		}
		return b
	}
	// A number. Quoted ("4") is fine too, as in proto3 JSON; anything else
	// is reported here, with its line, rather than by protojson without one.
	switch n.Tag {
	case "!!int", "!!float":
		if number, ok := yamlNumber(n); ok {
			return number
		}
	case "!!str":
		if _, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return n.Value
		}
	}
	c.fail(n, path, "want a number, got %q", n.Value)
	return nil
}

// yamlNumber renders a YAML number (0x10, 1_000, .inf) as proto3 JSON.
func yamlNumber(n *yaml.Node) (interface{}, bool) {
	var v interface{}
	if n.Decode(&v) != nil {
		return nil, false
	}
	switch x := v.(type) {
	case int:
		return json.Number(strconv.FormatInt(int64(x), 10)), true
	case int64:
		return json.Number(strconv.FormatInt(x, 10)), true
	case uint64:
		return json.Number(strconv.FormatUint(x, 10)), true
	case float64:
		switch {
		case math.IsNaN(x):
			return "NaN", true
		case math.IsInf(x, 1):
			return "Infinity", true
		case math.IsInf(x, -1):
			return "-Infinity", true
		}
		return json.Number(strconv.FormatFloat(x, 'g', -1, 64)), true
	}
	return nil, false
}

// freeForm converts google.protobuf.Struct content with YAML's own types.
func (c *yamlConverter) freeForm(n *yaml.Node, path string) interface{} {
	if !c.usable(n, path) {
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		out := map[string]interface{}{}
		c.pairs(n, path, func(key string, _, value *yaml.Node) {
			out[key] = c.freeForm(value, join(path, key))
		})
		return out
	case yaml.SequenceNode:
		out := make([]interface{}, 0, len(n.Content))
		for i, item := range n.Content {
			out = append(out, c.freeForm(item, fmt.Sprintf("%s[%d]", path, i)))
		}
		return out
	}
	switch n.Tag {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if n.Decode(&b) == nil {
			return b
		}
	case "!!int", "!!float":
		if number, ok := yamlNumber(n); ok {
			if _, isText := number.(string); isText {
				c.fail(n, path, "%s is not a JSON number", n.Value)
				return nil
			}
			return number
		}
	}
	return n.Value
}
